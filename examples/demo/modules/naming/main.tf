variable "environment" {
  type        = string
  description = "Deployment environment the names belong to."
}

variable "component" {
  type = string
}

output "prefix" {
  value = "${var.environment}-${var.component}"
}

variable "cidr" {
  type = string
}

variable "env" {
  type = string
}

resource "terraform_data" "vpc" {
  input = "${var.env}-${var.cidr}"
}

output "vpc_id" {
  value = "vpc-${var.env}"
}

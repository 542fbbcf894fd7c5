variable "vpc_id" {
  type = string
}

variable "env" {
  type = string
}

resource "terraform_data" "svc" {
  input = "${var.env}:${var.vpc_id}"
}

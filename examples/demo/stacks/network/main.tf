module "naming" {
  source      = "../../modules/naming"
  environment = "production"
  component   = "network"
}

resource "terraform_data" "vpc" {
  input = {
    name       = "${module.naming.prefix}-vpc"
    cidr_block = "10.20.0.0/16"
    tags = {
      owner       = "platform"
      cost-center = "infra-42"
    }
  }
}

resource "terraform_data" "subnet" {
  count = 3
  input = {
    name       = "${module.naming.prefix}-subnet-${count.index}"
    cidr_block = cidrsubnet("10.20.0.0/16", 8, count.index)
    vpc        = terraform_data.vpc.id
  }
}

output "vpc_id" {
  value = terraform_data.vpc.id
}

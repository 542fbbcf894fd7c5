include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "../../modules/net"
}

inputs = {
  cidr = "10.0.0.0/16"
}

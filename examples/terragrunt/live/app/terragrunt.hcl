include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "../../modules/svc"
}

# A change to live/vpc (or to modules/net) plans this unit too; /stackgate apply applies vpc first.
dependency "vpc" {
  config_path = "../vpc"
  # Until vpc is applied, plans use these (the comment marks them as placeholders).
  mock_outputs = {
    vpc_id = "mock-vpc-id"
  }
  mock_outputs_allowed_terraform_commands = ["plan", "validate"]
}

inputs = {
  vpc_id = dependency.vpc.outputs.vpc_id
}

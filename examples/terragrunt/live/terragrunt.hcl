# Shared include: every unit below includes it. It is not a unit itself (Stackgate asks Terragrunt which files
# each unit includes, and a change here plans every unit that includes it).
remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite"
  }
  config = {
    path = "${get_parent_terragrunt_dir()}/.state/${path_relative_to_include()}/terraform.tfstate"
  }
}

inputs = {
  env = "dev"
}

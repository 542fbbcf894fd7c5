variable "environment" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
}

variable "database_password" {
  type      = string
  sensitive = true
  default   = "demo-only-not-a-real-password"
}

module "naming" {
  source      = "../../modules/naming"
  environment = var.environment
  component   = "app"
}

resource "local_file" "app_config" {
  filename = "${path.module}/.rendered/app.json"
  content = jsonencode({
    name     = module.naming.prefix
    replicas = var.replicas
    features = ["billing", "search"]
  })
}

resource "local_sensitive_file" "db_credentials" {
  filename = "${path.module}/.rendered/db.env"
  content  = "DATABASE_PASSWORD=${var.database_password}\n"
}

resource "terraform_data" "deployment" {
  triggers_replace = [local_file.app_config.content]
  input = {
    image    = "ghcr.io/example/app:1.4.2"
    replicas = var.replicas
  }
}

output "config_path" {
  value = local_file.app_config.filename
}

output "database_password" {
  value     = var.database_password
  sensitive = true
}

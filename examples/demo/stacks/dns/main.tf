locals {
  records = {
    www = "203.0.113.10"
    api = "203.0.113.11"
  }
}

resource "terraform_data" "record" {
  for_each = local.records
  input = {
    name = "${each.key}.example.test"
    type = "A"
    ttl  = 300
    data = each.value
  }
}

provider "vault" {
  address = "https://vault.internal:8200"
  token   = "s.S3CDIUbyFRXtlSf3wUUNuFfL"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "vault_database_secret_backend_connection" "orders" {
  backend = "database"
  name    = "orders"
  postgresql {
    connection_url = "postgresql://{{username}}:{{password}}@db:5432/orders"
    username       = "vault_admin"
    password       = var.db_password
  }
}

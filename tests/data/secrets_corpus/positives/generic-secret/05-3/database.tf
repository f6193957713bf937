resource "vault_database_secret_backend_connection" "pg" {
  backend = "database"
  name    = "pg"
  postgresql {
    connection_url = "postgresql://{{username}}:{{password}}@db:5432/erp"
    username       = "vault"
    password       = "Handler*queue7341*"
  }
}
resource "random_password" "db" {
  length = 32
}
password = random_password.db.result

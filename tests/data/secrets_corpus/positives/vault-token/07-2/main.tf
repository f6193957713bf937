provider "vault" {
  address = "https://vault.internal:8200"
  token   = "hvr.Pwmxcrxh8NBS09LYTR8vnBLn"
}

variable "vault_token" {
  type      = string
  sensitive = true
}
# token = var.vault_token
resource "vault_mount" "kv" {
  path = "kv"
  type = "kv-v2"
}

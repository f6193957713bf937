provider "vault" {
  address = "https://vault.internal:8200"
  token   = "hvs.CAESIlDE0xHzqrAU5v4FU76yzTmxNtqL9CyGyqL2mZIe0gVIRr5mcLTPiLG4SNtA68yPNjJNwFVZBzpwYQDL0Gz72qu"
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

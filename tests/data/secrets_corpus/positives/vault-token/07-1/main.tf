provider "vault" {
  address = "https://vault.internal:8200"
  token   = "hvs.CAESIpJesiszO8a2VOXGytrBtJYQaY1Ei1Urlh-L9GH5GWcsQZXPxbZkRX-GtL9TO0lOfdYE1v83NMWDzkZrNu_sgKo"
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

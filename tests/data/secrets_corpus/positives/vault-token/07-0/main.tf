provider "vault" {
  address = "https://vault.internal:8200"
  token   = "hvs.CAESIuV4DMutwgit7usFzlWe0uzwK-0ezsCRFVjxzTDChCVH7w-pBomAczzwZafxUaXQx4h82b0P5Jtg72MjbLy89Mt"
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

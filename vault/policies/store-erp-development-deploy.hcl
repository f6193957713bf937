# The deploy workflow for store-erp in development (.github/workflows/deploy.yml), logged in
# through JWT/OIDC: read the app's role_id and issue secret_ids that are always
# response-wrapped (Vault refuses an unwrapped answer), nothing else.

path "auth/approle/role/store-erp-development/role-id" {
  capabilities = ["read"]
}

path "auth/approle/role/store-erp-development/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "10m"
}

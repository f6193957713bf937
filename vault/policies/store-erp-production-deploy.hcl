# The deploy workflow for store-erp in production (.github/workflows/deploy.yml), logged in
# through JWT/OIDC: read the app's role_id and issue secret_ids that are always
# response-wrapped (Vault refuses an unwrapped answer), nothing else.

path "auth/approle/role/store-erp-production/role-id" {
  capabilities = ["read"]
}

path "auth/approle/role/store-erp-production/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "10m"
}

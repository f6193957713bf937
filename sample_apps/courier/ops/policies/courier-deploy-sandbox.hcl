# The release workflow for courier, tier "sandbox" (.github/workflows/release.yml), logged in
# with the CI provider's OIDC token. It reads the app's role_id and issues secret_ids only
# wrapped (a single-use wrapping token of at most 10 minutes): it never sees a secret_id.

path "auth/approle-courier/role/courier-sandbox/role-id" {
  capabilities = ["read"]
}

path "auth/approle-courier/role/courier-sandbox/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "10m"
}

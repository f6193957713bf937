# CI's deploy job for ledger, stage "stage" (.github/workflows/deploy.yml), logged in with
# GitHub's OIDC token. It reads the app's role_id and issues secret_ids only wrapped
# (a single-use wrapping token of at most 10 minutes): it never sees a secret_id.

path "auth/approle/role/ledger-stage/role-id" {
  capabilities = ["read"]
}

path "auth/approle/role/ledger-stage/secret-id" {
  capabilities       = ["update"]
  min_wrapping_ttl   = "1m"
  max_wrapping_ttl   = "10m"
}

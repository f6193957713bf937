# store-erp in development: read its own secrets and get its own database credentials.
# Nothing else: no other environment, no sys/ or auth/ paths, no writes, no sudo.
# Token self-renewal and lease renewal come from Vault's built-in default policy.

path "secret/data/store-erp/development/*" {
  capabilities = ["read"]
}

path "database/creds/store-erp-development" {
  capabilities = ["read"]
}

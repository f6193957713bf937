# courier, tier "production": what the app's AppRole token may do, and nothing more.
# Its keys, its database location, and its own database logins.

path "courier-kv/data/production/keys" {
  capabilities = ["read"]
}

path "courier-kv/data/production/db" {
  capabilities = ["read"]
}

path "courier-db/creds/courier-production" {
  capabilities = ["read"]
}

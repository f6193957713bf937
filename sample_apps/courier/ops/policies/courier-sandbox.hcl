# courier, tier "sandbox": what the app's AppRole token may do, and nothing more.
# Its keys, its database location, and its own database logins.

path "courier-kv/data/sandbox/keys" {
  capabilities = ["read"]
}

path "courier-kv/data/sandbox/db" {
  capabilities = ["read"]
}

path "courier-db/creds/courier-sandbox" {
  capabilities = ["read"]
}

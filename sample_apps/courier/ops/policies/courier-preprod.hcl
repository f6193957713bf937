# courier, tier "preprod": what the app's AppRole token may do, and nothing more.
# Its keys, its database location, and its own database logins.

path "courier-kv/data/preprod/keys" {
  capabilities = ["read"]
}

path "courier-kv/data/preprod/db" {
  capabilities = ["read"]
}

path "courier-db/creds/courier-preprod" {
  capabilities = ["read"]
}

# ledger, stage "dev": what the app's AppRole token may do, and nothing more.
# Its own KV entries (the keys it signs with, its settings) and its own database logins.

path "kv-ledger/data/dev/app" {
  capabilities = ["read"]
}

path "kv-ledger/data/dev/settings" {
  capabilities = ["read"]
}

path "database/creds/ledger-dev" {
  capabilities = ["read"]
}

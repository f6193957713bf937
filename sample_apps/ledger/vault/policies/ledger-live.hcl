# ledger, stage "live": what the app's AppRole token may do, and nothing more.
# Its own KV entries (the keys it signs with, its settings) and its own database logins.

path "kv-ledger/data/live/app" {
  capabilities = ["read"]
}

path "kv-ledger/data/live/settings" {
  capabilities = ["read"]
}

path "database/creds/ledger-live" {
  capabilities = ["read"]
}

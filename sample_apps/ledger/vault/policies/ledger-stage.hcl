# ledger, stage "stage": what the app's AppRole token may do, and nothing more.
# Its own KV entries (the keys it signs with, its settings) and its own database logins.

path "kv-ledger/data/stage/app" {
  capabilities = ["read"]
}

path "kv-ledger/data/stage/settings" {
  capabilities = ["read"]
}

path "database/creds/ledger-stage" {
  capabilities = ["read"]
}

# The rotation tool (vault/rotate.sh): for each stage, write a new version of the
# app entry, revoke the stage's database leases, issue a new secret_id and destroy the
# old one. It reads no existing secret: it makes new values and never reads old ones.

# stage dev
path "kv-ledger/data/dev/app" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/database/creds/ledger-dev" {
  capabilities = ["update", "sudo"]
}

path "auth/approle/role/ledger-dev/secret-id" {
  capabilities = ["update"]
}

path "auth/approle/role/ledger-dev/secret-id/destroy" {
  capabilities = ["update"]
}

# stage stage
path "kv-ledger/data/stage/app" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/database/creds/ledger-stage" {
  capabilities = ["update", "sudo"]
}

path "auth/approle/role/ledger-stage/secret-id" {
  capabilities = ["update"]
}

path "auth/approle/role/ledger-stage/secret-id/destroy" {
  capabilities = ["update"]
}

# stage live
path "kv-ledger/data/live/app" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/database/creds/ledger-live" {
  capabilities = ["update", "sudo"]
}

path "auth/approle/role/ledger-live/secret-id" {
  capabilities = ["update"]
}

path "auth/approle/role/ledger-live/secret-id/destroy" {
  capabilities = ["update"]
}

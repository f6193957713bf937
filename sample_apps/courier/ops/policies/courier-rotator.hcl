# The rotation tool (ops/rotate-keys.sh): for each tier, write a new version of the keys
# entry, revoke the tier's database leases, issue a new secret_id and destroy the old one.
# It reads no existing secret: it makes new values and never reads old ones.

# tier sandbox
path "courier-kv/data/sandbox/keys" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/courier-db/creds/courier-sandbox" {
  capabilities = ["update", "sudo"]
}

path "auth/approle-courier/role/courier-sandbox/secret-id" {
  capabilities = ["update"]
}

path "auth/approle-courier/role/courier-sandbox/secret-id/destroy" {
  capabilities = ["update"]
}

# tier preprod
path "courier-kv/data/preprod/keys" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/courier-db/creds/courier-preprod" {
  capabilities = ["update", "sudo"]
}

path "auth/approle-courier/role/courier-preprod/secret-id" {
  capabilities = ["update"]
}

path "auth/approle-courier/role/courier-preprod/secret-id/destroy" {
  capabilities = ["update"]
}

# tier production
path "courier-kv/data/production/keys" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/courier-db/creds/courier-production" {
  capabilities = ["update", "sudo"]
}

path "auth/approle-courier/role/courier-production/secret-id" {
  capabilities = ["update"]
}

path "auth/approle-courier/role/courier-production/secret-id/destroy" {
  capabilities = ["update"]
}

# store-erp's rotation tool (scripts/rotate_secrets.py): new versions of the app's keys,
# revocation of its database logins, and a new secret_id for its AppRole. Operators
# issue a short-lived token of this policy for each run; it is never given to the app.

path "secret/data/store-erp/+/*" {
  capabilities = ["create", "read", "update"]
}

path "secret/metadata/store-erp/+/*" {
  capabilities = ["read"]
}

path "auth/approle/role/+/secret-id" {
  capabilities = ["update"]
}

path "auth/approle/role/+/secret-id/lookup" {
  capabilities = ["update"]
}

path "auth/approle/role/+/secret-id/destroy" {
  capabilities = ["update"]
}

path "sys/leases/lookup/database/creds/*" {
  capabilities = ["list", "sudo"]
}

path "sys/leases/revoke-prefix/database/creds/*" {
  capabilities = ["update", "sudo"]
}

path "sys/leases/revoke" {
  capabilities = ["update"]
}

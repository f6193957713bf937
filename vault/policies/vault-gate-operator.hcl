# The harness's own operator token, issued during bootstrap before the root token is
# revoked. It does what an operator of the plan does after set-up: issue and destroy
# AppRole secret_ids, write new secret versions (rotation), revoke leases, and read
# what the checks inspect. It is never given to the app. It has sudo only where
# Vault demands it: listing audit devices, listing and revoking leases by prefix.

path "secret/data/store-erp/*" {
  capabilities = ["create", "read", "update"]
}

path "secret/metadata/store-erp/*" {
  capabilities = ["read", "list"]
}

path "auth/approle/role/+/role-id" {
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

path "auth/approle/role/+/secret-id-accessor/destroy" {
  capabilities = ["update"]
}

path "auth/approle/role/+" {
  capabilities = ["read"]
}

path "database/rotate-role/*" {
  capabilities = ["update"]
}

path "sys/leases/lookup/database/creds/*" {
  capabilities = ["list", "sudo"]
}

path "sys/leases/revoke" {
  capabilities = ["update"]
}

path "sys/leases/revoke-prefix/database/creds/*" {
  capabilities = ["update", "sudo"]
}

path "sys/audit" {
  capabilities = ["read", "sudo"]
}

path "sys/audit-hash/*" {
  capabilities = ["update"]
}

path "sys/capabilities" {
  capabilities = ["update"]
}

path "sys/policies/acl/*" {
  capabilities = ["read"]
}

path "sys/mounts" {
  capabilities = ["read"]
}

path "sys/auth" {
  capabilities = ["read"]
}

# The harness's own operator token, issued after the target's set-up and before the root
# token is revoked. It does what the checks and scenarios need: issue and destroy the
# app's AppRole secret_ids, write canaries and read the app's KV tree, look up and
# revoke leases, and read what the checks inspect. It is never given to the app.
# @KV_MOUNT@, @APPROLE_MOUNT@ and @DATABASE_MOUNT@ are the target's mounts
# (fixtures/bootstrap.py: operator_policy). Sudo only where Vault demands it.

path "@KV_MOUNT@/*" {
  capabilities = ["create", "read", "update", "list"]
}

path "auth/@APPROLE_MOUNT@/role/+/role-id" {
  capabilities = ["read"]
}

path "auth/@APPROLE_MOUNT@/role/+/secret-id" {
  capabilities = ["update", "list"]
}

path "auth/@APPROLE_MOUNT@/role/+/secret-id/lookup" {
  capabilities = ["update"]
}

path "auth/@APPROLE_MOUNT@/role/+/secret-id/destroy" {
  capabilities = ["update"]
}

path "auth/@APPROLE_MOUNT@/role/+/secret-id-accessor/lookup" {
  capabilities = ["update"]
}

path "auth/@APPROLE_MOUNT@/role/+/secret-id-accessor/destroy" {
  capabilities = ["update"]
}

path "auth/@APPROLE_MOUNT@/role/+" {
  capabilities = ["read"]
}

path "@DATABASE_MOUNT@/rotate-role/*" {
  capabilities = ["update"]
}

path "sys/leases/lookup/@DATABASE_MOUNT@/creds/*" {
  capabilities = ["list", "sudo"]
}

path "sys/leases/lookup" {
  capabilities = ["update"]
}

path "sys/leases/revoke" {
  capabilities = ["update"]
}

path "sys/leases/revoke-prefix/@DATABASE_MOUNT@/creds/*" {
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

path "sys/policies/acl" {
  capabilities = ["list"]
}

path "sys/policy/*" {
  capabilities = ["read"]
}

path "sys/mounts" {
  capabilities = ["read"]
}

path "sys/auth" {
  capabilities = ["read"]
}

# The rotation tool (vault/rotate.sh) for stage @STAGE@: a new version of the signing key,
# the stage's database leases revoked, a new secret_id issued and the old one destroyed.
# It reads no existing secret. A template: vault/setup.sh writes it as the policy
# parcels-rotator-<stage> with @STAGE@ filled.

path "kv-parcels/data/@STAGE@/keys" {
  capabilities = ["create", "update"]
}

path "sys/leases/revoke-prefix/db/creds/parcels-@STAGE@" {
  capabilities = ["update", "sudo"]
}

path "auth/apps/role/parcels-@STAGE@/secret-id" {
  capabilities = ["update"]
}

path "auth/apps/role/parcels-@STAGE@/secret-id/destroy" {
  capabilities = ["update"]
}

# parcels, stage @STAGE@: what the app's AppRole token may do, and nothing more.
# A template: vault/setup.sh writes it as the policy parcels-<stage> with @STAGE@ filled.

path "kv-parcels/data/@STAGE@/keys" {
  capabilities = ["read"]
}

path "kv-parcels/data/@STAGE@/settings" {
  capabilities = ["read"]
}

path "db/creds/parcels-@STAGE@" {
  capabilities = ["read"]
}

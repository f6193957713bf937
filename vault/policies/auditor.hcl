# vault-gate live mode's auditor: exactly what `vault-gate check` reads, nothing else
# (compliance/live/auditor.py lists those reads and judges this file; a test keeps
# them in step). No secret value is readable: KV metadata and key names only, never
# data/. Give the token no default policy (`-no-default-policy`): the default policy
# grants writes (cubbyhole, token renewal). Another application: replace store-erp
# in the KV paths with its name.

# Audit devices. Vault guards this read with sudo.
path "sys/audit" {
  capabilities = ["read", "sudo"]
}

# Listeners (TLS) and storage (dev mode) as configured, without secrets.
path "sys/config/state/sanitized" {
  capabilities = ["read"]
}

# Whether the app's mount is KV v2.
path "sys/mounts" {
  capabilities = ["read"]
}

# The app's policies and those attached to its AppRole, read to be judged.
path "sys/policies/acl/*" {
  capabilities = ["read"]
}

# The app's AppRole settings (TTLs, uses, bound CIDRs, policies).
path "auth/approle/role/+" {
  capabilities = ["read"]
}

# KV v2 versioning of the mount (max_versions, delete_version_after).
path "secret/config" {
  capabilities = ["read"]
}

# The secret tree: entry names and versions (metadata), key names (subkeys, values
# replaced by null). Never secret/data/.
path "secret/metadata/store-erp/*" {
  capabilities = ["read", "list"]
}

path "secret/subkeys/store-erp/*" {
  capabilities = ["read"]
}

# The gate's own token: its policies, to show it is read-only.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# Root tokens left: every token's accessor (a list Vault guards with sudo), then each
# looked up. Vault serves lookup-accessor only as a POST (an "update" in the audit
# log); it changes nothing. It is the one non-read capability here.
path "auth/token/accessors" {
  capabilities = ["list", "sudo"]
}

path "auth/token/lookup-accessor" {
  capabilities = ["update"]
}

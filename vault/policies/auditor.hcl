# vault-gate live mode's auditor: exactly what `vault-gate check` reads, nothing else
# (compliance/live/auditor.py lists those reads and judges this file; a test keeps
# them in step). It names no application: KV v2 at any one-segment mount, AppRole at
# any auth mount. No secret value is readable: KV metadata and key names only, never
# data/. Give the token no default policy (`-no-default-policy`): the default policy
# grants writes (cubbyhole, token renewal).
#
# Add what your layout needs beyond this (docs/live-mode.md):
# - a KV v1 mount: list on the app's folder, e.g. path "kv/my-app/*" { capabilities = ["list"] }
#   (list only: a read there is a read of the values);
# - a KV v2 mount path of several segments (kv/prod/): its config, metadata/ and subkeys/.
# A KV v1 mount holding a secret named "config" at its root would be readable through
# "+/config": deny it by name there (path "kv/config" { capabilities = ["deny"] }).

# Audit devices. Vault guards this read with sudo.
path "sys/audit" {
  capabilities = ["read", "sudo"]
}

# Listeners (TLS) and storage (dev mode) as configured, without secrets.
path "sys/config/state/sanitized" {
  capabilities = ["read"]
}

# The secrets engines: which mounts are KV, and which version.
path "sys/mounts" {
  capabilities = ["read"]
}

# The auth methods: where AppRole is mounted.
path "sys/auth" {
  capabilities = ["read"]
}

# The app's policies and those attached to its AppRole roles, read to be judged.
path "sys/policies/acl/*" {
  capabilities = ["read"]
}

# AppRole roles at any auth mount: their names (the list is asked as auth/<mount>/role/,
# which this rule decides: "+" matches the empty last segment) and settings (TTLs, uses,
# bound CIDRs, policies). A role's settings hold no credential (role_id and secret_ids
# are one segment further, not matched).
path "auth/+/role/+" {
  capabilities = ["read", "list"]
}

# KV v2 versioning of a mount (max_versions, delete_version_after).
path "+/config" {
  capabilities = ["read"]
}

# The secret tree: entry names and versions (metadata), key names (subkeys, values
# replaced by null). Never data/.
path "+/metadata/*" {
  capabilities = ["read", "list"]
}

path "+/subkeys/*" {
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

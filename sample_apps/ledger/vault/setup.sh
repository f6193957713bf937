#!/usr/bin/env bash
# ledger's Vault set-up for one stage:  bash vault/setup.sh <stage>   (dev, stage or live)
#
# Needs VAULT_ADDR and a token allowed to manage mounts, policies and auth roles
# (VAULT_TOKEN, VAULT_CACERT; OpenBao's BAO_* work too), and the stage's database:
# DB_HOST, DB_PORT, DB_NAME, DB_ADMIN_USER, DB_ADMIN_PASSWORD (the role made by
# db/roles.sql, given a password for this run: Vault rotates it before this script ends,
# after which only Vault knows it). Safe to run again.
#
# Makes: the KV v2 mount kv-ledger (10 versions kept), the policies ledger-<stage> (the
# app's) and ledger-<stage>-deploy (CI's), the AppRole role ledger-<stage>, the database
# connection and role ledger-<stage>, and the non-secret entry kv-ledger/<stage>/settings. It writes no secret value: the keys in
# kv-ledger/<stage>/app are written by the first rotation (vault/rotate.sh).
set -euo pipefail
umask 077

die() { printf 'setup.sh: %s\n' "$*" >&2; exit 2; }

stage=${1:-}
[[ $stage =~ ^(dev|stage|live)$ ]] || die "usage: setup.sh dev|stage|live (got '${stage}')"
for var in DB_HOST DB_PORT DB_NAME DB_ADMIN_USER DB_ADMIN_PASSWORD; do
  [[ -n ${!var:-} ]] || die "$var is not set"
done
[[ $DB_PORT =~ ^[0-9]{1,5}$ ]] || die "DB_PORT must be a port number"
[[ $DB_HOST =~ ^[A-Za-z0-9.:-]+$ ]] || die "DB_HOST must be a host name or address"
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_NAME must be a plain database name"
[[ $DB_ADMIN_USER =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_ADMIN_USER must be a plain role name"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
policy_file="$here/policies/ledger-$stage.hcl"
[[ -f $policy_file ]] || die "no policy file $policy_file"
[[ -f $here/policies/ledger-deploy-$stage.hcl ]] || die "no deploy policy for $stage"
command -v bao >/dev/null || die "bao is not on PATH"

role="ledger-$stage"
group="ledger_${stage}_rw"

# What exists already (read whole, then searched: `bao ... | grep -q` under pipefail
# fails when grep stops reading early).
mounts=$(bao secrets list -format=json)
auths=$(bao auth list -format=json)

# --- KV v2 at kv-ledger/ --------------------------------------------------------
if ! grep -q '"kv-ledger/"' <<<"$mounts"; then
  bao secrets enable -path=kv-ledger -version=2 -description="ledger keys and settings" kv
fi
# Keep enough versions for the grace window and a rollback; never auto-delete them.
bao write kv-ledger/config max_versions=10 delete_version_after=0s >/dev/null

# --- the app's policy, and CI's deploy policy (bound to a JWT role by the platform)
bao policy write "$role" "$policy_file" >/dev/null
bao policy write "$role-deploy" "$here/policies/ledger-deploy-$stage.hcl" >/dev/null

# --- AppRole ----------------------------------------------------------------------
if ! grep -q '"approle/"' <<<"$auths"; then
  bao auth enable approle
fi
case $stage in
  dev)   limits=(secret_id_ttl=24h token_ttl=1h  token_max_ttl=4h secret_id_num_uses=10) ;;
  stage) limits=(secret_id_ttl=12h token_ttl=30m token_max_ttl=2h secret_id_num_uses=5
                 secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
  live)  limits=(secret_id_ttl=4h  token_ttl=30m token_max_ttl=2h secret_id_num_uses=3
                 secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
esac
bao write "auth/approle/role/$role" \
  token_policies="$role" token_type=service bind_secret_id=true "${limits[@]}" >/dev/null

# --- database engine: the stage's connection and its dynamic role ----------------
if ! grep -q '"database/"' <<<"$mounts"; then
  bao secrets enable database
fi
# The connection is configured once: after it Vault has rotated the admin password, so
# the one given here no longer works. To move the database, delete the connection
# (bao delete database/config/ledger-<stage>) and run this again with a new password.
if bao read "database/config/$role" >/dev/null 2>&1; then
  printf 'setup.sh: database/config/%s exists; left as it is\n' "$role"
else
  # The admin password goes on standard input, never on a command line.
  printf '%s' "$DB_ADMIN_PASSWORD" | bao write "database/config/$role" \
    plugin_name=postgresql-database-plugin \
    connection_url="postgresql://{{username}}:{{password}}@${DB_HOST}:${DB_PORT}/${DB_NAME}?sslmode=disable" \
    username="$DB_ADMIN_USER" password=- \
    password_authentication=scram-sha-256 \
    allowed_roles="$role" verify_connection=true >/dev/null
  # From here on only Vault knows the admin password.
  bao write -f "database/rotate-root/$role" >/dev/null
fi

bao write "database/roles/$role" - >/dev/null <<JSON
{
  "db_name": "$role",
  "default_ttl": "1h",
  "max_ttl": "24h",
  "creation_statements": [
    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE \"$group\";"
  ],
  "revocation_statements": [
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';",
    "DROP ROLE IF EXISTS \"{{name}}\";"
  ]
}
JSON

# --- non-secret settings the app reads -------------------------------------------
bao write "kv-ledger/data/$stage/settings" - >/dev/null <<JSON
{"data": {"db_host": "$DB_HOST", "db_port": "$DB_PORT", "db_name": "$DB_NAME", "token_lifetime_s": "900"}}
JSON

printf 'setup.sh: stage %s ready: policy %s, AppRole %s, database role %s\n' "$stage" "$role" "$role" "$role"

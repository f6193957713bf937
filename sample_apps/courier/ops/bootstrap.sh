#!/usr/bin/env bash
# courier's OpenBao set-up for one tier:  bash ops/bootstrap.sh <tier>   (sandbox, preprod, production)
#
# Needs BAO_ADDR (or VAULT_ADDR) and a token allowed to manage mounts, policies and auth
# roles (BAO_TOKEN or VAULT_TOKEN; BAO_CACERT for TLS), and the tier's database:
# COURIER_DB_HOST, COURIER_DB_PORT, COURIER_DB_NAME, COURIER_DB_ADMIN and
# COURIER_DB_ADMIN_PASSWORD (the role made by db/roles.sql and a password set for it:
# OpenBao rotates it before this script ends, after which only OpenBao knows it).
# Safe to run again.
#
# Makes: the KV v2 mount courier-kv, the policies courier-<tier> (the app's) and
# courier-<tier>-release (CI's), AppRole at the mount approle-courier with the role
# courier-<tier>, the database engine at courier-db with the connection and role
# courier-<tier>, and the non-secret entry courier-kv/<tier>/db (where the database is).
# It writes no key: the keys in courier-kv/<tier>/keys are written by ops/rotate-keys.sh.
set -euo pipefail
umask 077

die() { printf 'bootstrap.sh: %s\n' "$*" >&2; exit 2; }

tier=${1:-}
[[ $tier =~ ^(sandbox|preprod|production)$ ]] || die "usage: bootstrap.sh sandbox|preprod|production (got '${tier}')"
for var in COURIER_DB_HOST COURIER_DB_PORT COURIER_DB_NAME COURIER_DB_ADMIN COURIER_DB_ADMIN_PASSWORD; do
  [[ -n ${!var:-} ]] || die "$var is not set"
done
[[ $COURIER_DB_PORT =~ ^[0-9]{1,5}$ ]] || die "COURIER_DB_PORT must be a port number"
[[ $COURIER_DB_HOST =~ ^[A-Za-z0-9.:-]+$ ]] || die "COURIER_DB_HOST must be a host name or address"
[[ $COURIER_DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "COURIER_DB_NAME must be a plain database name"
[[ $COURIER_DB_ADMIN =~ ^[a-z_][a-z0-9_]*$ ]] || die "COURIER_DB_ADMIN must be a plain role name"
command -v bao >/dev/null || die "bao is not on PATH"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
policies="$here/policies"
[[ -f $policies/courier-$tier.hcl && -f $policies/courier-deploy-$tier.hcl ]] || die "no policies for $tier in $policies"

role="courier-$tier"
group="courier_${tier}_app"

# What exists already (read whole, then searched: `bao ... | grep -q` under pipefail
# fails when grep stops reading early).
mounts=$(bao secrets list -format=json)
auths=$(bao auth list -format=json)

# --- KV v2 at courier-kv/ ------------------------------------------------------------
if ! grep -q '"courier-kv/"' <<<"$mounts"; then
  bao secrets enable -path=courier-kv -version=2 -description="courier keys and settings" kv
fi
bao write courier-kv/config max_versions=5 delete_version_after=0s >/dev/null

# --- policies ---------------------------------------------------------------------------
bao policy write "$role" "$policies/courier-$tier.hcl" >/dev/null
bao policy write "$role-release" "$policies/courier-deploy-$tier.hcl" >/dev/null

# --- AppRole at its own mount ----------------------------------------------------------
if ! grep -q '"approle-courier/"' <<<"$auths"; then
  bao auth enable -path=approle-courier -description="courier's AppRole logins" approle
fi
case $tier in
  sandbox)    limits=(secret_id_ttl=24h token_ttl=1h  token_max_ttl=4h secret_id_num_uses=10) ;;
  preprod)    limits=(secret_id_ttl=12h token_ttl=30m token_max_ttl=2h secret_id_num_uses=5
                      secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
  production) limits=(secret_id_ttl=4h  token_ttl=20m token_max_ttl=1h secret_id_num_uses=3
                      secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
esac
bao write "auth/approle-courier/role/$role" \
  token_policies="$role" token_type=service bind_secret_id=true "${limits[@]}" >/dev/null

# --- database engine at courier-db/ ---------------------------------------------------
if ! grep -q '"courier-db/"' <<<"$mounts"; then
  bao secrets enable -path=courier-db database
fi
# The connection is made once: OpenBao then rotates the admin password, so the one given
# here stops working. To move the database, delete the connection and run this again.
if bao read "courier-db/config/$role" >/dev/null 2>&1; then
  printf 'bootstrap.sh: courier-db/config/%s exists; left as it is\n' "$role"
else
  # The admin password goes on standard input, never on a command line.
  printf '%s' "$COURIER_DB_ADMIN_PASSWORD" | bao write "courier-db/config/$role" \
    plugin_name=postgresql-database-plugin \
    connection_url="postgresql://{{username}}:{{password}}@${COURIER_DB_HOST}:${COURIER_DB_PORT}/${COURIER_DB_NAME}?sslmode=disable" \
    username="$COURIER_DB_ADMIN" password=- \
    password_authentication=scram-sha-256 \
    allowed_roles="$role" verify_connection=true >/dev/null
  bao write -f "courier-db/rotate-root/$role" >/dev/null
fi

bao write "courier-db/roles/$role" - >/dev/null <<JSON
{
  "db_name": "$role",
  "default_ttl": "1h",
  "max_ttl": "8h",
  "creation_statements": [
    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE \"$group\";"
  ],
  "revocation_statements": [
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';",
    "DROP ROLE IF EXISTS \"{{name}}\";"
  ]
}
JSON

# --- where the database is (not a secret) ----------------------------------------------
bao write "courier-kv/data/$tier/db" - >/dev/null <<JSON
{"data": {"host": "$COURIER_DB_HOST", "port": "$COURIER_DB_PORT", "name": "$COURIER_DB_NAME"}}
JSON

printf 'bootstrap.sh: tier %s ready: policy %s, AppRole approle-courier/%s, database role %s\n' \
  "$tier" "$role" "$role" "$role"

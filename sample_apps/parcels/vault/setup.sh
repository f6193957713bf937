#!/usr/bin/env bash
# parcels' Vault set-up for one stage:  bash vault/setup.sh <stage>   (dev, qa or prod)
#
# Needs VAULT_ADDR and a token allowed to manage mounts, policies and auth roles
# (VAULT_TOKEN, VAULT_CACERT; OpenBao's BAO_* work too), and DB_ADMIN_DSN: the login
# Vault's database engine connects as, as one URL (a postgresql:// URL with user, password, host, port and database:
# the role made by db/init.sh). Vault rotates that password before this script ends:
# afterwards only Vault knows it. Safe to run again.
#
# Makes: the KV v2 mount kv-parcels (10 versions kept), the policies parcels-<stage> and
# parcels-rotator-<stage> (rendered from vault/policies/*.tmpl.hcl), AppRole at apps/ with
# the role parcels-<stage>, the database engine at db/ with the connection and role
# parcels-<stage>, and the non-secret entry kv-parcels/<stage>/settings. It writes no key:
# kv-parcels/<stage>/keys is written by the first rotation (vault/rotate.sh).
set -euo pipefail
umask 077

die() { printf 'setup.sh: %s\n' "$*" >&2; exit 2; }

stage=${1:-}
[[ $stage =~ ^(dev|qa|prod)$ ]] || die "usage: setup.sh dev|qa|prod (got '${stage}')"
[[ -n ${DB_ADMIN_DSN:-} ]] || die "DB_ADMIN_DSN is not set"
# The DSN's parts: postgresql:// then user, ':', password, '@', host, ':', port, '/', database.
[[ $DB_ADMIN_DSN == postgresql://* ]] || die "DB_ADMIN_DSN must be a postgresql:// URL"
rest=${DB_ADMIN_DSN#postgresql://}
userinfo=${rest%%@*} location=${rest#*@}
db_user=${userinfo%%:*} db_password=${userinfo#*:}
hostport=${location%%/*} db_name=${location#*/}
db_host=${hostport%:*} db_port=${hostport##*:}
[[ $db_user =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_ADMIN_DSN: the user must be a plain role name"
[[ -n $db_password && $db_password != "$userinfo" ]] || die "DB_ADMIN_DSN: no password"
[[ $db_host =~ ^[A-Za-z0-9.-]+$ ]] || die "DB_ADMIN_DSN: the host must be a name or address"
[[ $db_port =~ ^[0-9]{1,5}$ ]] || die "DB_ADMIN_DSN: the port must be a number"
[[ $db_name =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_ADMIN_DSN: the database must be a plain name"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v bao >/dev/null || die "bao is not on PATH"

role="parcels-$stage"
group="parcels_${stage}_rw"

# What exists already (read whole, then searched: `bao ... | grep -q` under pipefail
# fails when grep stops reading early).
mounts=$(bao secrets list -format=json)
auths=$(bao auth list -format=json)

# --- KV v2 at kv-parcels/ -------------------------------------------------------
if ! grep -q '"kv-parcels/"' <<<"$mounts"; then
  bao secrets enable -path=kv-parcels -version=2 -description="parcels keys and settings" kv
fi
bao write kv-parcels/config max_versions=10 delete_version_after=0s >/dev/null

# --- policies, rendered for the stage from their templates -------------------------
sed "s/@STAGE@/$stage/g" "$here/policies/parcels-app.tmpl.hcl" | bao policy write "$role" - >/dev/null
sed "s/@STAGE@/$stage/g" "$here/policies/parcels-rotator.tmpl.hcl" |
  bao policy write "parcels-rotator-$stage" - >/dev/null

# --- AppRole at apps/ --------------------------------------------------------------
if ! grep -q '"apps/"' <<<"$auths"; then
  bao auth enable -path=apps approle
fi
case $stage in
  dev)  limits=(secret_id_ttl=24h token_ttl=1h  token_max_ttl=4h secret_id_num_uses=10) ;;
  qa)   limits=(secret_id_ttl=12h token_ttl=30m token_max_ttl=2h secret_id_num_uses=5
                secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
  prod) limits=(secret_id_ttl=4h  token_ttl=30m token_max_ttl=2h secret_id_num_uses=3
                secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32) ;;
esac
bao write "auth/apps/role/$role" \
  token_policies="$role" token_type=service bind_secret_id=true "${limits[@]}" >/dev/null

# --- database engine at db/ --------------------------------------------------------
if ! grep -q '"db/"' <<<"$mounts"; then
  bao secrets enable -path=db database
fi
if bao read "db/config/$role" >/dev/null 2>&1; then
  printf 'setup.sh: db/config/%s exists; left as it is\n' "$role"
else
  # The admin password goes on standard input, never on a command line.
  printf '%s' "$db_password" | bao write "db/config/$role" \
    plugin_name=postgresql-database-plugin \
    connection_url="postgresql://{{username}}:{{password}}@${db_host}:${db_port}/${db_name}?sslmode=disable" \
    username="$db_user" password=- \
    password_authentication=scram-sha-256 \
    allowed_roles="$role" verify_connection=true >/dev/null
  # From here on only Vault knows the admin password.
  bao write -f "db/rotate-root/$role" >/dev/null
fi

bao write "db/roles/$role" - >/dev/null <<JSON
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

# --- non-secret settings the app reads ---------------------------------------------
bao write "kv-parcels/data/$stage/settings" - >/dev/null <<JSON
{"data": {"db_host": "$db_host", "db_port": "$db_port", "db_name": "$db_name"}}
JSON

printf 'setup.sh: stage %s ready: policy %s, AppRole apps/%s, database role db/%s\n' \
  "$stage" "$role" "$role" "$role"

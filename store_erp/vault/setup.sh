#!/usr/bin/env bash
# store-erp's Vault set-up for one environment: the plan's phases 1-2, as its operators
# run it with an admin token (VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT in the environment).
# vault-gate runs this very script against its ephemeral servers (store_erp/target.toml).
#
#   STORE_ERP_TREE=production DB_HOST=... DB_PORT=... DB_NAME=... \
#   DB_ADMIN_USER=... DB_ADMIN_PASSWORD=... store_erp/vault/setup.sh
#
# Secret values are not written here: operators write them with `bao kv put` (or the
# rotation tool), and vault-gate writes fresh random ones. The admin password reaches
# Vault on stdin (never on a command line) and Vault rotates it at once, so that only
# Vault knows it.
set -euo pipefail
: "${STORE_ERP_TREE:?}" "${DB_HOST:?}" "${DB_PORT:?}" "${DB_NAME:?}" "${DB_ADMIN_USER:?}"
: "${DB_ADMIN_PASSWORD:?}"
cd "$(dirname "$0")/../.."
tree=$STORE_ERP_TREE
name="store-erp-$tree"
bao=$(command -v bao || command -v vault)

mounts=$("$bao" secrets list -format=json)
if ! grep -q '"secret/"' <<<"$mounts"; then
    "$bao" secrets enable -path=secret -version=2 kv
fi
if ! grep -q '"database/"' <<<"$mounts"; then
    "$bao" secrets enable database
fi
auths=$("$bao" auth list -format=json)
if ! grep -q '"approle/"' <<<"$auths"; then
    "$bao" auth enable approle
fi

# The app's policy: read its own tree and its own database logins, nothing else.
"$bao" policy write "$name" "vault/policies/$name.hcl"

# The app's AppRole: secret_ids live a day, tokens an hour (renewable to four);
# in production both are bound to the app's network.
bound=()
if [ "$tree" = production ]; then
    bound=(secret_id_bound_cidrs=127.0.0.1/32 token_bound_cidrs=127.0.0.1/32)
fi
"$bao" write "auth/approle/role/$name" token_policies="$name" \
    secret_id_ttl=24h token_ttl=1h token_max_ttl=4h secret_id_num_uses=0 "${bound[@]}"

# Dynamic database logins: Vault connects as the admin role made by store_erp/db/roles.sql.
printf '%s' "$DB_ADMIN_PASSWORD" | "$bao" write "database/config/$name" \
    plugin_name=postgresql-database-plugin verify_connection=true allowed_roles="$name" \
    connection_url="postgresql://{{username}}:{{password}}@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=disable" \
    username="$DB_ADMIN_USER" password=- >/dev/null
"$bao" write -f "database/rotate-root/$name" >/dev/null
"$bao" write "database/roles/$name" db_name="$name" default_ttl=1h max_ttl=4h \
    creation_statements="CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE \"store_erp_${tree}_app\";" \
    revocation_statements="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}'; DROP ROLE IF EXISTS \"{{name}}\";"

# Where the app's database is (not a secret): the app asks Vault for its logins.
"$bao" kv put -mount=secret "store-erp/$tree/database" \
    url="postgresql://$DB_HOST:$DB_PORT/$DB_NAME" credentials_path="database/creds/$name" >/dev/null

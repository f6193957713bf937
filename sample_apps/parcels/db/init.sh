#!/usr/bin/env bash
# parcels' database set-up for one stage:  bash db/init.sh <stage>   (dev, qa or prod)
#
# Needs a superuser's login to the stage's database in the libpq variables (PGHOST,
# PGPORT, PGUSER, PGPASSWORD, PGDATABASE), psql on PATH, and DB_VAULT_ROLE and
# DB_VAULT_PASSWORD: the role Vault's database engine connects as and a first
# password for it, which vault/setup.sh hands to Vault and Vault rotates at once.
# Renders db/roles.tmpl.sql for the stage (its @STAGE@), runs it, then db/schema.sql.
# The password never reaches a command line: psql reads it from the environment.
set -euo pipefail
umask 077

die() { printf 'init.sh: %s\n' "$*" >&2; exit 2; }

stage=${1:-}
[[ $stage =~ ^(dev|qa|prod)$ ]] || die "usage: init.sh dev|qa|prod (got '${stage}')"
for var in PGHOST PGPORT PGDATABASE DB_VAULT_ROLE DB_VAULT_PASSWORD; do
  [[ -n ${!var:-} ]] || die "$var is not set"
done
[[ $DB_VAULT_ROLE =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_VAULT_ROLE must be a plain role name"
command -v psql >/dev/null || die "psql is not on PATH"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

sed "s/@STAGE@/${stage}/g" "$here/roles.tmpl.sql" | psql -X -q -v ON_ERROR_STOP=1 -f -
psql -X -q -v ON_ERROR_STOP=1 -v stage="$stage" -f "$here/schema.sql"
printf 'init.sh: stage %s: roles and schema ready in %s\n' "$stage" "$PGDATABASE"

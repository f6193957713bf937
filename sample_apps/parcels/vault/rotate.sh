#!/usr/bin/env bash
# parcels' rotation tool for one stage:  bash vault/rotate.sh <stage>   (dev, qa or prod)
#
# Needs VAULT_ADDR and a token of the parcels-rotator-<stage> policy (VAULT_TOKEN, VAULT_CACERT;
# OpenBao's BAO_* work too), and PARCELS_SECRET_ID_FILE: the file from which the running
# app reads its secret_id. In order:
#   1. writes a new version of kv-parcels/<stage>/keys: a new random signing_key
#      (the app serves it within its cache TTL, PARCELS_CACHE_TTL_S, and keeps
#      accepting tokens of the previous version for its grace window, PARCELS_GRACE_S,
#      counted from this version's creation time: nothing to wait for here);
#   2. revokes every lease under db/creds/parcels-<stage>: Vault ends the app's
#      database sessions and drops its logins; the app asks for a new login at once;
#   3. issues a new secret_id, destroys the one in PARCELS_SECRET_ID_FILE and puts the new
#      one in its place (0600), so the app can log in again when its token ends.
# No value is ever printed or passed on a command line: values move through pipes and
# files only. Exit status 0 only when all three steps succeeded.
set -euo pipefail
umask 077

die() { printf 'rotate.sh: %s\n' "$*" >&2; exit 2; }

stage=${1:-}
[[ $stage =~ ^(dev|qa|prod)$ ]] || die "usage: rotate.sh dev|qa|prod (got '${stage}')"
secret_id_file=${PARCELS_SECRET_ID_FILE:-}
[[ -n $secret_id_file ]] || die "PARCELS_SECRET_ID_FILE is not set"
[[ -d $(dirname "$secret_id_file") ]] || die "no directory for $secret_id_file"
command -v bao >/dev/null || die "bao is not on PATH"
role="parcels-$stage"

# 32 random bytes, base64url: JSON-safe, no newline.
new_key() { head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# 1. the app's keys: a new version of the whole entry (every key in it is a secret).
version=$(
  printf '{"data":{"signing_key":"%s"}}' "$(new_key)" |
    bao write -field=version "kv-parcels/data/$stage/keys" -
)
printf 'rotate.sh: kv-parcels/%s/keys is now version %s\n' "$stage" "$version"

# 2. the database logins of this stage.
bao lease revoke -sync -prefix "db/creds/$role" >/dev/null
printf 'rotate.sh: revoked the leases under db/creds/%s\n' "$role"

# 3. the app's secret_id: the new one first (the app must always find a usable one),
#    then the old one destroyed, then the file replaced in one rename.
new_file=$(mktemp "$(dirname "$secret_id_file")/.secret-id.XXXXXX")
trap 'rm -f "$new_file"' EXIT
bao write -f -field=secret_id "auth/apps/role/$role/secret-id" >"$new_file"
[[ -s $new_file ]] || die "Vault issued no secret_id"
if [[ -s $secret_id_file ]]; then
  tr -d '[:space:]' <"$secret_id_file" |
    bao write "auth/apps/role/$role/secret-id/destroy" secret_id=- >/dev/null
  printf 'rotate.sh: destroyed the secret_id that was in %s\n' "$secret_id_file"
fi
chmod 600 "$new_file"
mv -f "$new_file" "$secret_id_file"
trap - EXIT
printf 'rotate.sh: wrote a new secret_id to %s\n' "$secret_id_file"

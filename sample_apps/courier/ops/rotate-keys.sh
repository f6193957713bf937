#!/usr/bin/env bash
# courier's rotation tool for one tier:  bash ops/rotate-keys.sh <tier>   (sandbox, preprod, production)
#
# Needs BAO_ADDR (or VAULT_ADDR) and a token of the courier-rotator policy (BAO_TOKEN or
# VAULT_TOKEN; BAO_CACERT for TLS), and COURIER_SECRET_ID_FILE: the file from which the
# running app reads its secret_id. In order:
#   1. revokes every lease under courier-db/creds/courier-<tier>: OpenBao ends the app's
#      database sessions and drops its logins; the app takes a new login at once;
#   2. issues a new secret_id, destroys the one in COURIER_SECRET_ID_FILE and puts the new
#      one in its place (0600), so the app can log in again when its token ends;
#   3. last, writes a new version of courier-kv/<tier>/keys with new random jwt_key,
#      cookie_key and webhook_key. The app serves it within COURIER_CACHE_SECONDS and
#      accepts tokens of the previous version for COURIER_GRACE_SECONDS counted from the
#      new version's creation time on the server: written last, so that the window opens
#      as the rotation ends, however long the steps before it took.
# No value is printed or passed on a command line: values move through pipes and files.
# Exit status 0 only when all three steps succeeded.
set -euo pipefail
umask 077

die() { printf 'rotate-keys.sh: %s\n' "$*" >&2; exit 2; }

tier=${1:-}
[[ $tier =~ ^(sandbox|preprod|production)$ ]] || die "usage: rotate-keys.sh sandbox|preprod|production (got '${tier}')"
secret_id_file=${COURIER_SECRET_ID_FILE:-}
[[ -n $secret_id_file ]] || die "COURIER_SECRET_ID_FILE is not set"
[[ -d $(dirname "$secret_id_file") ]] || die "no directory for $secret_id_file"
command -v bao >/dev/null || die "bao is not on PATH"
role="courier-$tier"

# 32 random bytes, base64url: JSON-safe, no newline.
new_key() { head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# 1. the tier's database logins.
bao lease revoke -sync -prefix "courier-db/creds/$role" >/dev/null
printf 'rotate-keys.sh: revoked the leases under courier-db/creds/%s\n' "$role"

# 2. the app's secret_id: the new one first, then the old one destroyed, then the file
#    replaced in one rename.
new_file=$(mktemp "$(dirname "$secret_id_file")/.secret-id.XXXXXX")
trap 'rm -f "$new_file"' EXIT
bao write -f -field=secret_id "auth/approle-courier/role/$role/secret-id" >"$new_file"
[[ -s $new_file ]] || die "OpenBao issued no secret_id"
if [[ -s $secret_id_file ]]; then
  tr -d '[:space:]' <"$secret_id_file" |
    bao write "auth/approle-courier/role/$role/secret-id/destroy" secret_id=- >/dev/null
  printf 'rotate-keys.sh: destroyed the secret_id that was in %s\n' "$secret_id_file"
fi
chmod 600 "$new_file"
mv -f "$new_file" "$secret_id_file"
trap - EXIT
printf 'rotate-keys.sh: wrote a new secret_id to %s\n' "$secret_id_file"

# 3. the keys, last: a new version of the whole entry (every key in it is a secret).
version=$(
  printf '{"data":{"jwt_key":"%s","cookie_key":"%s","webhook_key":"%s"}}' "$(new_key)" "$(new_key)" "$(new_key)" |
    bao write -field=version "courier-kv/data/$tier/keys" -
)
printf 'rotate-keys.sh: courier-kv/%s/keys is now version %s\n' "$tier" "$version"

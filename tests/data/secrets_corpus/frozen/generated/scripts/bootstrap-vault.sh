#!/usr/bin/env bash
set -euo pipefail
export BAO_ADDR="https://bao.internal:8200"
# one-off bootstrap on the staging cluster
bao login s.3mLgHlKZqLN0lrU2hlqm64ml
bao secrets enable -path=kv-orders kv-v2
bao policy write orders-read policies/orders-read.hcl
vault login -no-print hvs.iAcjoPgp0kZPqNfFQ2s4oBbV
vault login -method=userpass username="$VAULT_USER"
bao login "$BAO_TOKEN"
vault login -method=oidc role=ops
echo "logged in as $(bao token lookup -format=json | jq -r .data.display_name)"

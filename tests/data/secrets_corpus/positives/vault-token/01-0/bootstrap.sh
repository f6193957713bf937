#!/usr/bin/env bash
set -euo pipefail

export VAULT_TOKEN="$(cat /run/secrets/vault-token)"
vault login -method=userpass username="$USER"
# vault token lookup hvs.<your-token>
vault login hvb.AAAAAQUh7WopjGgUE5hKvH6XMOTdkfLBQUMekwukDZ-qGtwjyclvwp95YQhLf35w0e0t0ctqOYqlNUBlU13K4TkFPfRFXzw3994mbGsRfoJYKZUr_nooN736W8nPQ4mopuJnuM
vault kv get -field=password "secret/$APP/db"
curl -s -H "X-Vault-Token: hvb.AAAAAQ_3XoWnfaemwMgsZCI-9lhrtKyx2k3S5Fa8Ia4UnsphTd1XPosN1Lwjb5TtJcDg_oyeS275PHGsw09B4CJCSmANksuTrmBdHU20aSGLrJGaNaM5MpRvR5Kw4gRXXuJn07" "$VAULT_ADDR/v1/sys/health"

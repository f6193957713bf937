#!/usr/bin/env bash
set -euo pipefail

export VAULT_TOKEN="$(cat /run/secrets/vault-token)"
vault login -method=userpass username="$USER"
# vault token lookup hvs.<your-token>
vault login hvs.lXiEKVgnaxM2bWR7pf7XSAct
vault kv get -field=password "secret/$APP/db"
curl -s -H "X-Vault-Token: hvr.WYhcEcKYsySUSDqedCeXkDQB" "$VAULT_ADDR/v1/sys/health"

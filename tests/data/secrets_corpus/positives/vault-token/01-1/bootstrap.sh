#!/usr/bin/env bash
set -euo pipefail

export VAULT_TOKEN="$(cat /run/secrets/vault-token)"
vault login -method=userpass username="$USER"
# vault token lookup hvs.<your-token>
vault login hvr.m3Vlwm7u1ypSRIX0CakKkZwI
vault kv get -field=password "secret/$APP/db"
curl -s -H "X-Vault-Token: hvs.FySMLkroGU32T8uk5maTKOdc" "$VAULT_ADDR/v1/sys/health"

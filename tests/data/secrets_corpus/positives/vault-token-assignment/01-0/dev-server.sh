#!/bin/sh
# local dev server
vault server -dev -dev-root-token-id=dev-only &
sleep 2
export VAULT_ADDR="http://127.0.0.1:8200"
export VAULT_TOKEN=dev-only
export VAULT_TOKEN="${VAULT_TOKEN:-}"
vault secrets enable -path=secret kv-v2

#!/usr/bin/env bash
# The plan's own set-up commands (sections "Vault Initialization", "Vault Access
# Control", "Authentication Methods"), as the plan writes them: one AppRole for every
# environment, bound to app-policy, which reads development AND production. The plan's
# `kv put` constants are replaced by vault-gate's fresh values afterwards.
cd "$(dirname "$0")/.."
vault secrets enable -version=2 -path=secret kv 2>/dev/null || true  # dev servers have it
vault kv put secret/store-erp/development/flask secret_key="your-secret-key" >/dev/null
vault kv put secret/store-erp/development/jwt secret_key="your-jwt-secret" >/dev/null
vault policy write app-policy vault/policies/app-policy.hcl >/dev/null
vault auth enable approle 2>/dev/null || true
vault write auth/approle/role/store-erp \
    secret_id_ttl=24h \
    token_ttl=1h \
    token_max_ttl=4h \
    policies="app-policy" >/dev/null

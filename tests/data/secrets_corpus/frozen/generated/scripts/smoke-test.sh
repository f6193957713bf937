#!/bin/bash
set -eu
HOST="${1:-https://staging.orders.internal}"

curl -fsS -H "X-API-Key: xycKWE2S08R2D0eUzkF3SWHqx6fOyMGZHWKcbfMz" "$HOST/api/health"
curl -fsS -H 'Authorization: Token cc7951834eef499c6abb3fb6b58fba163a4e0c66' "$HOST/api/orders?limit=1"
curl -fsS -H "Authorization: Bearer $ACCESS_TOKEN" "$HOST/api/me"
curl -fsS -H "Content-Type: application/json" -d '{"ping":1}' "$HOST/api/echo"
curl -fsS --header "X-Vault-Token: s.OYVhx284Vwzlro0knENdwbwp" https://vault.internal:8200/v1/sys/health
curl -fsS -H "X-API-Key: ${SMOKE_API_KEY}" "$HOST/api/stats"

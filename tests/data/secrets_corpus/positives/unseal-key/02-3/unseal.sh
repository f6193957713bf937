#!/usr/bin/env bash
# unseal after a restart
curl -s "$VAULT_ADDR/v1/sys/seal-status"
bao operator unseal 5qwNmYdDCAS53v5O+Y8jP0AzSY+L8yG1wL+w2TrPQJJY
bao operator unseal uz5UY553VEV6PtAnorwSu3BeOOtD4tc3F8Sec9OiXHUR
bao operator unseal TT7sINjRUrOYrqRUg6ussi2tNigo/yLqul2M8Ulv+Sam
curl -s --request PUT "$VAULT_ADDR/v1/sys/unseal" --data @payload.json
# unseal keys live in /etc/vault/unseal/keys on the bastion

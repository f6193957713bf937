#!/usr/bin/env bash
# unseal after a restart
curl -s "$VAULT_ADDR/v1/sys/seal-status"
bao operator unseal ITqNFw/IVLd51iZKS3RYGDUWwOXQjPzJ8G/4Q/7XzBJz
bao operator unseal +CkBm8Ty6LUAsfsVaDs619O4mxNHMuwQRYhloKcz0tPM
bao operator unseal n15lIdyxwGf+f+U2RFVB4Vcbx+Dsus7uVRF5jzdQMJGT
curl -s --request PUT "$VAULT_ADDR/v1/sys/unseal" --data @payload.json
# unseal keys live in /etc/vault/unseal/keys on the bastion

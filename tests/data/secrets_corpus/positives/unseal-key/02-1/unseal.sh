#!/usr/bin/env bash
# unseal after a restart
curl -s "$VAULT_ADDR/v1/sys/seal-status"
bao operator unseal 8S7V3OvrpYTad7xkUc2baJx2+90ki8q+/cc0q9wRtQ5J
bao operator unseal ma25WcDMwCmCExNwDmQhSPFXmpLGhDFzn76eVl64n3Cq
bao operator unseal VPZ5M0gx2oHgsZ2h0kuLhNHMdwCMxB+3bU79OG64N8Ir
curl -s --request PUT "$VAULT_ADDR/v1/sys/unseal" --data @payload.json
# unseal keys live in /etc/vault/unseal/keys on the bastion

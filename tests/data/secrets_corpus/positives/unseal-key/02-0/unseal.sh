#!/usr/bin/env bash
# unseal after a restart
curl -s "$VAULT_ADDR/v1/sys/seal-status"
bao operator unseal VbX/js0tTJoAog1n3Lm2JMn6MkHPsZH0VuXR64sgJ+lZ
bao operator unseal 5k+EiQWkT09TCxMbgH2yHD8qgWTrNmkgCaULVbgMHtsN
bao operator unseal PT/3AJUIxOz8kCPBiiBTPeE5RlvpTFxwNjsVATqO0xK7
curl -s --request PUT "$VAULT_ADDR/v1/sys/unseal" --data @payload.json
# unseal keys live in /etc/vault/unseal/keys on the bastion

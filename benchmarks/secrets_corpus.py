# ruff: noqa: E501 - the generators write real-looking lines, some long by nature
"""The labelled secrets corpus: how it is made, and how a scanner is scored on it.

    .venv/bin/python benchmarks/secrets_corpus.py generate      # positives (seeded)
    .venv/bin/python benchmarks/secrets_corpus.py negatives --mirror DIR  # real files
    .venv/bin/python benchmarks/secrets_corpus.py score         # ours on the corpus

The corpus lives in tests/data/secrets_corpus/ (see its PROVENANCE.md):

- ``positives/<kind>/``: generated files, one kind of secret each, in the file types
  the kind is met in (YAML, JSON, .env, Dockerfile, shell, Python, JS, HCL, Terraform
  state, logs, Jupyter), each secret in a real layout, beside the lookalikes that are
  known not to be secrets (placeholders, templates, documentation examples, ids).
  Values are random per seed: nothing here was ever a live credential.
- ``negatives/<category>/``: files copied unchanged from public repositories (lock
  files, minified JavaScript, CI configs, audit logs, docs with example tokens), with
  the repository, commit and path recorded; the few lines in them that do hold a
  secret-shaped value (a token printed in a tutorial) are labelled too, after review.
- ``labels.json``: per file, the labelled lines (``"line": kind``; a PEM block is a
  span, ``"first-last"``) -- every other line is a negative.

Scoring is line level: a reported line inside a labelled span finds that secret (true
positive, once per span); a reported line outside every span is a false positive,
counted once per line; a labelled secret no reported line falls in is missed. Per
kind: true positives and misses by the label's kind, false positives by the file's
group (a positive file's kind, or a negative file's category).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "secrets_corpus"
LABELS = "labels.json"
SEED = 20261204

sys.path.insert(0, str(ROOT))  # run as a script: the project's packages
from benchmarks.corpus import BASE62, WORDS  # noqa: E402 - one word list for both corpora

B64URL = BASE62 + "-_"
UPPER_DIGITS = string.ascii_uppercase + string.digits

KINDS = (
    "vault-token",
    "vault-token-legacy",
    "vault-token-assignment",
    "wrapped-token",
    "unseal-key",
    "approle-secret-id",
    "dsn-password",
    "redis-amqp-url",
    "flask-django-secret-key",
    "jwt-signing-key",
    "cloud-key",
    "private-key",
    "generic-secret",
)


# --- random values in the shapes real systems issue -----------------------------------


class Values:
    """Random secrets and ids, from one seeded generator."""

    def __init__(self, r: random.Random) -> None:
        self.r = r

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def base62(self, n: int) -> str:
        while True:
            body = self.s(BASE62, n)
            if any(c.isupper() for c in body) and any(c.islower() for c in body):
                return body

    def word(self) -> str:
        return self.r.choice(WORDS)

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def hex(self, nbytes: int) -> str:
        return self.r.randbytes(nbytes).hex()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def hvs(self) -> str:
        """Vault 1.10+: short (24) or the long CAES-framed body."""
        if self.r.random() < 0.5:
            return "hvs." + self.base62(24)
        return "hvs.CAESI" + self.s(B64URL, 86)

    def hvb(self) -> str:
        return "hvb.AAAAAQ" + self.s(B64URL, 128)

    def hvr(self) -> str:
        return "hvr." + self.base62(24)

    def modern(self) -> str:
        return self.r.choice([self.hvs, self.hvs, self.hvb, self.hvr])()

    def legacy(self) -> str:
        """OpenBao and Vault before 1.10: s./r. + 24 base62 (a namespace suffix), b. long."""
        pick = self.r.random()
        if pick < 0.6:
            return "s." + self.base62(24)
        if pick < 0.75:
            return "s." + self.base62(24) + "." + self.base62(5)
        if pick < 0.88:
            return "r." + self.base62(24)
        return "b.AAAAAQ" + self.s(B64URL, 150)

    def unseal_b64(self) -> str:
        return base64.b64encode(self.r.randbytes(33)).decode()

    def password(self) -> str:
        """What people choose: words, digits and a symbol, or a generated string."""
        if self.r.random() < 0.5:
            return self.s(BASE62 + "!#%^*_+-", self.r.randint(16, 28))
        return (
            self.word().capitalize()
            + self.r.choice("!#%*-_.")
            + self.word()
            + str(self.r.randint(10, 9999))
            + self.r.choice("!#%*")
        )

    def django_key(self) -> str:
        return "django-insecure-" + self.s(
            string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50
        )

    def aws_id(self) -> str:
        return "AKIA" + self.s(UPPER_DIGITS, 16)

    def aws_secret(self) -> str:
        return self.s(BASE62 + "+/", 40)

    def pem_body(self, lines: int = 12) -> list[str]:
        blob = base64.b64encode(self.r.randbytes(48 * lines)).decode()
        return [blob[i : i + 64] for i in range(0, len(blob), 64)]


# --- a file as lines with labels ------------------------------------------------------


@dataclass
class Doc:
    """Lines of a file being built, and the labelled ones (1-based spans)."""

    lines: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def secret(self, kind: str, *lines: str) -> None:
        first = len(self.lines) + 1
        self.lines.extend(lines)
        last = len(self.lines)
        self.labels[str(first) if first == last else f"{first}-{last}"] = kind

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# Filler that every file type carries: ordinary lines that are not secrets.
def _filler_py(v: Values, doc: Doc, n: int = 6) -> None:
    for _ in range(n):
        name = f"{v.word()}_{v.word()}"
        doc.add(
            f"def {name}({v.word()}: str, limit: int = {v.r.randint(1, 99)}) -> dict:",
            f'    """Return the {v.word()} for a {v.word()}."""',
            f'    value = os.environ.get("{v.word().upper()}_{v.word().upper()}", "{v.word()}")',
            f"    return {{'{v.word()}': value, 'id': '{v.uuid()}'}}",
            "",
        )


def _filler_yaml(v: Values, doc: Doc, n: int = 5, indent: str = "") -> None:
    for _ in range(n):
        doc.add(
            f"{indent}{v.word()}_{v.word()}: {v.r.randint(1, 1000)}",
            f"{indent}{v.word()}: {v.word()}-{v.word()}",
            f"{indent}image: registry.example.com/{v.word()}@sha256:{v.hex(32)}",
        )


def _filler_log(v: Values, doc: Doc, n: int = 8) -> None:
    for i in range(n):
        doc.add(
            f"2026-11-{10 + i:02d}T12:{i:02d}:31.{v.r.randint(100, 999)}Z [INFO]  "
            f"{v.word()}: request_id={v.uuid()} trace={v.hex(16)} {v.word()} ok"
        )


# --- the generators: one per (kind, file type) -----------------------------------------

Gen = Callable[[Values], tuple[str, Doc]]
GENERATORS: dict[str, list[Gen]] = {k: [] for k in KINDS}


def gen(kind: str) -> Callable[[Gen], Gen]:
    def register(fn: Gen) -> Gen:
        GENERATORS[kind].append(fn)
        return fn

    return register


def _token_negatives(doc: Doc, v: Values, style: str) -> None:
    """Lines that look like tokens and are not (the lookalikes peers report)."""
    lookalikes = {
        "env": [
            "VAULT_TOKEN=${VAULT_TOKEN}",
            "# VAULT_TOKEN=hvs.XXXXXXXXXXXXXXXXXXXXXXXX",
            "VAULT_ADDR=https://vault.internal:8200",
        ],
        "sh": [
            'export VAULT_TOKEN="$(cat /run/secrets/vault-token)"',
            'vault login -method=userpass username="$USER"',
            "# vault token lookup hvs.<your-token>",
        ],
        "yaml": [
            'token: "{{ vault_token }}"',
            "token_file: /var/run/secrets/vault/token",
            "# example: token: s.xxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        "py": [
            'client = hvac.Client(url=VAULT_ADDR, token=os.environ["VAULT_TOKEN"])',
            "assert client.is_authenticated(), 's.isAuthenticatedByDefaultX'",
        ],
        "js": [
            "const token = process.env.VAULT_TOKEN;",
            "s.prototypeMethodNamesAreOk=r.getElementsByTagName;",
        ],
    }
    doc.add(*lookalikes[style])


@gen("vault-token")
def _vt_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("# deploy settings", "APP_ENV=staging", "VAULT_ADDR=https://vault.internal:8200")
    _token_negatives(doc, v, "env")
    doc.secret("vault-token", f"VAULT_TOKEN={v.modern()}")
    doc.add("LOG_LEVEL=info")
    return "deploy.env", doc


@gen("vault-token")
def _vt_sh(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("#!/usr/bin/env bash", "set -euo pipefail", "")
    _token_negatives(doc, v, "sh")
    doc.secret("vault-token", f"vault login {v.modern()}")
    doc.add('vault kv get -field=password "secret/$APP/db"')
    doc.secret(
        "vault-token", f'curl -s -H "X-Vault-Token: {v.modern()}" "$VAULT_ADDR/v1/sys/health"'
    )
    return "bootstrap.sh", doc


@gen("vault-token")
def _vt_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add('"""Vault helper."""', "", "import os", "", "import hvac", "")
    _token_negatives(doc, v, "py")
    _filler_py(v, doc, 2)
    doc.secret(
        "vault-token", f'client = hvac.Client(url="https://vault:8200", token="{v.modern()}")'
    )
    _filler_py(v, doc, 2)
    return "vault_helper.py", doc


@gen("vault-token")
def _vt_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: app-config", "data:")
    _filler_yaml(v, doc, 2, "  ")
    _token_negatives(doc, v, "yaml")
    doc.secret("vault-token", f"  vault_token: {v.modern()}")
    return "configmap.yaml", doc


@gen("vault-token")
def _vt_json(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "request_id": "' + v.uuid() + '",', '  "lease_id": "",', '  "auth": {')
    doc.secret("vault-token", f'    "client_token": "{v.modern()}",')
    doc.add(f'    "accessor": "{v.base62(24)}",', '    "policies": ["default", "app"],')
    doc.add('    "token_policies": ["default", "app"],', '    "lease_duration": 2764800,')
    doc.add('    "renewable": true', "  }", "}")
    return "login-response.json", doc


@gen("vault-token")
def _vt_log(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    _filler_log(v, doc, 4)
    doc.secret(
        "vault-token",
        f"2026-11-20T08:00:01Z [DEBUG] vault client: using token={v.modern()} addr=https://vault:8200",
    )
    _filler_log(v, doc, 4)
    return "app.log", doc


@gen("vault-token")
def _vt_ipynb(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "source": [')
    doc.add('    "import hvac\\n",')
    doc.secret("vault-token", f'    "client = hvac.Client(token=\\"{v.modern()}\\")\\n",')
    doc.add('    "client.secrets.kv.v2.read_secret_version(path=\\"app\\")"', "   ]", "  }", " ],")
    doc.add(
        ' "metadata": {"kernelspec": {"name": "python3"}},',
        ' "nbformat": 4,',
        ' "nbformat_minor": 5',
        "}",
    )
    return "explore.ipynb", doc


@gen("vault-token")
def _vt_tf(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add('provider "vault" {', '  address = "https://vault.internal:8200"')
    doc.secret("vault-token", f'  token   = "{v.modern()}"')
    doc.add("}", "", 'variable "vault_token" {', "  type      = string", "  sensitive = true", "}")
    doc.add(
        "# token = var.vault_token",
        'resource "vault_mount" "kv" {',
        '  path = "kv"',
        '  type = "kv-v2"',
        "}",
    )
    return "main.tf", doc


@gen("vault-token-legacy")
def _vl_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("BAO_ADDR=http://127.0.0.1:8200")
    _token_negatives(doc, v, "env")
    doc.secret("vault-token-legacy", f"BAO_TOKEN={v.legacy()}")
    return "openbao.env", doc


@gen("vault-token-legacy")
def _vl_out(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "$ bao token create -policy=app", "Key                  Value", "---                  -----"
    )
    doc.secret("vault-token-legacy", f"token                {v.legacy()}")
    doc.add(
        f"token_accessor       {v.base62(24)}",
        "token_duration       768h",
        "token_renewable      true",
    )
    doc.add(
        'token_policies       ["app" "default"]',
        "identity_policies    []",
        'policies             ["app" "default"]',
    )
    return "token-create.txt", doc


@gen("vault-token-legacy")
def _vl_js(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("'use strict';", "const vault = require('node-vault');", "")
    _token_negatives(doc, v, "js")
    doc.secret(
        "vault-token-legacy",
        f"const client = vault({{ endpoint: 'http://vault:8200', token: '{v.legacy()}' }});",
    )
    doc.add("module.exports = client;")
    return "vault.js", doc


@gen("vault-token-legacy")
def _vl_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("vault:", "  address: http://openbao:8200", "  auth:", "    method: token")
    _token_negatives(doc, v, "yaml")
    doc.secret("vault-token-legacy", f"    token: {v.legacy()}")
    _filler_yaml(v, doc, 2)
    return "application.yml", doc


@gen("vault-token-legacy")
def _vl_docker(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "FROM python:3.12-slim", "WORKDIR /app", "COPY . .", "RUN pip install -r requirements.txt"
    )
    doc.add("ENV VAULT_ADDR=http://vault:8200")
    doc.secret("vault-token-legacy", f"ENV VAULT_TOKEN {v.legacy()}")
    doc.add('CMD ["gunicorn", "app:create_app()"]')
    return "Dockerfile", doc


@gen("vault-token-legacy")
def _vl_tfstate(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "{",
        '  "version": 4,',
        '  "terraform_version": "1.9.5",',
        f'  "serial": {v.r.randint(1, 90)},',
    )
    doc.add(f'  "lineage": "{v.uuid()}",', '  "resources": [', "    {", '      "mode": "managed",')
    doc.add(
        '      "type": "vault_token",', '      "name": "ci",', '      "instances": [', "        {"
    )
    doc.add('          "attributes": {', f'            "id": "{v.base62(24)}",')
    doc.secret("vault-token-legacy", f'            "client_token": "{v.legacy()}",')
    doc.add(
        '            "policies": ["ci"],',
        '            "ttl": "24h"',
        "          }",
        "        }",
        "      ]",
        "    }",
        "  ]",
        "}",
    )
    return "terraform.tfstate", doc


@gen("vault-token-assignment")
def _va_compose(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    value = v.r.choice(
        ["root", "dev-root-token", "myroot", f"dev-{v.word()}-token", v.word() + "123"]
    )
    doc.add("services:", "  vault:", "    image: hashicorp/vault:1.17", "    environment:")
    doc.secret("vault-token-assignment", f'      VAULT_DEV_ROOT_TOKEN_ID: "{value}"')
    doc.add('      VAULT_DEV_LISTEN_ADDRESS: "0.0.0.0:8200"', "    cap_add:", "      - IPC_LOCK")
    doc.add("  app:", "    build: .", "    environment:")
    doc.secret("vault-token-assignment", f"      - VAULT_TOKEN={value}")
    doc.add("      - VAULT_ADDR=http://vault:8200", "      - DB_PASSWORD=${DB_PASSWORD}")
    return "docker-compose.yml", doc


@gen("vault-token-assignment")
def _va_sh(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    value = v.r.choice(["root", "dev-only", f"{v.word()}-{v.word()}"])
    doc.add("#!/bin/sh", "# local dev server")
    doc.secret("vault-token-assignment", f"vault server -dev -dev-root-token-id={value} &")
    doc.add("sleep 2", 'export VAULT_ADDR="http://127.0.0.1:8200"')
    doc.secret("vault-token-assignment", f"export VAULT_TOKEN={value}")
    doc.add('export VAULT_TOKEN="${VAULT_TOKEN:-}"', "vault secrets enable -path=secret kv-v2")
    return "dev-server.sh", doc


@gen("vault-token-assignment")
def _va_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    value = v.r.choice(["root", "dev-token", f"{v.word()}-root"])
    doc.add("import os", "", "import hvac", "")
    doc.secret("vault-token-assignment", f'TOKEN = os.getenv("VAULT_TOKEN", "{value}")')
    doc.add(
        'ADDR = os.getenv("VAULT_ADDR", "http://localhost:8200")',
        'token = os.environ["VAULT_TOKEN"]',
    )
    return "settings.py", doc


@gen("vault-token-assignment")
def _va_gha(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "name: ci", "on: [push]", "jobs:", "  test:", "    runs-on: ubuntu-latest", "    services:"
    )
    doc.add("      vault:", "        image: hashicorp/vault:1.17", "        env:")
    doc.secret("vault-token-assignment", f"          VAULT_DEV_ROOT_TOKEN_ID: {v.word()}-ci-token")
    doc.add(
        "    env:",
        "      VAULT_TOKEN: ${{ secrets.VAULT_TOKEN }}",
        "    steps:",
        "      - uses: actions/checkout@v4",
    )
    return "ci.yml", doc


@gen("wrapped-token")
def _wt_out(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("$ vault write -wrap-ttl=60s -f auth/approle/role/app/secret-id")
    doc.add("Key                              Value", "---                              -----")
    tok = v.r.choice([v.hvs, v.legacy])()
    doc.secret("wrapped-token", f"wrapping_token:                  {tok}")
    doc.add(
        f"wrapping_accessor:               {v.base62(24)}", "wrapping_token_ttl:              1m"
    )
    doc.add(
        "wrapping_token_creation_time:    2026-11-30 10:00:00 +0000 UTC",
        "wrapping_token_creation_path:    auth/approle/role/app/secret-id",
    )
    return "wrap.txt", doc


@gen("wrapped-token")
def _wt_json(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", f'  "request_id": "{v.uuid()}",', '  "data": null,', '  "wrap_info": {')
    doc.secret("wrapped-token", f'    "token": "{v.r.choice([v.hvs, v.legacy])()}",')
    doc.add(
        f'    "accessor": "{v.base62(24)}",',
        '    "ttl": 300,',
        '    "creation_path": "sys/wrapping/wrap"',
        "  }",
        "}",
    )
    return "wrapped.json", doc


@gen("wrapped-token")
def _wt_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("# the orchestrator drops a wrapped secret_id here")
    doc.secret("wrapped-token", f"VAULT_WRAPPED_SECRET_ID={v.r.choice([v.hvs, v.legacy])()}")
    doc.add(
        "VAULT_WRAPPED_SECRET_ID_FILE=/run/secrets/wrapped",
        "VAULT_ROLE_ID_FILE=/run/secrets/role_id",
    )
    return "wrapped.env", doc


@gen("unseal-key")
def _uk_init(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("$ vault operator init")
    for i in range(1, 6):
        doc.secret("unseal-key", f"Unseal Key {i}: {v.unseal_b64()}")
    doc.add("")
    doc.secret("vault-token-legacy", f"Initial Root Token: {v.legacy()}")
    doc.add("", "Vault initialized with 5 key shares and a key threshold of 3. Please securely")
    doc.add("distribute the key shares printed above. When the Vault is re-sealed,")
    doc.add("restarted, or stopped, you must supply at least 3 of these keys to unseal it")
    doc.add(
        "before it can start servicing requests.",
        "",
        "$ vault operator unseal",
        "Unseal Key (will be hidden):",
    )
    return "init-output.txt", doc


@gen("unseal-key")
def _uk_json(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "unseal_keys_b64": [')
    keys = [v.unseal_b64() for _ in range(3)]
    for i, k in enumerate(keys):
        doc.secret("unseal-key", f'    "{k}"' + ("," if i < 2 else ""))
    doc.add("  ],", '  "unseal_keys_hex": [')
    for i in range(3):
        doc.secret("unseal-key", f'    "{v.hex(33)}"' + ("," if i < 2 else ""))
    doc.add(
        "  ],", '  "unseal_shares": 3,', '  "unseal_threshold": 2,', '  "recovery_keys_b64": [],'
    )
    doc.secret("vault-token-legacy", f'  "root_token": "{v.legacy()}"')
    doc.add("}")
    return "init.json", doc


@gen("unseal-key")
def _uk_sh(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "#!/usr/bin/env bash",
        "# unseal after a restart",
        'curl -s "$VAULT_ADDR/v1/sys/seal-status"',
    )
    for _ in range(3):
        doc.secret("unseal-key", f"bao operator unseal {v.unseal_b64()}")
    doc.add('curl -s --request PUT "$VAULT_ADDR/v1/sys/unseal" --data @payload.json')
    doc.add("# unseal keys live in /etc/vault/unseal/keys on the bastion")
    return "unseal.sh", doc


@gen("unseal-key")
def _uk_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("vault_cluster:", "  nodes: 3", "  recovery:")
    doc.secret("unseal-key", f"    recovery_key: {v.unseal_b64()}")
    doc.add("  unseal:")
    doc.add("    keys_b64:")
    for _ in range(2):
        doc.secret("unseal-key", f"      - {v.unseal_b64()}")
    doc.add("  unseal_url: https://vault.internal:8200/v1/sys/unseal", "  seal_type: shamir")
    return "vault-vars.yml", doc


@gen("unseal-key")
def _uk_log(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    _filler_log(v, doc, 3)
    doc.secret(
        "unseal-key", f"2026-11-21T10:00:00Z [INFO]  bootstrap: Recovery Key 1: {v.unseal_b64()}"
    )
    doc.add(
        "2026-11-21T10:00:01Z [INFO]  core: vault is unsealed",
        "2026-11-21T10:00:01Z [INFO]  core: post-unseal setup starting",
    )
    _filler_log(v, doc, 3)
    return "bootstrap.log", doc


@gen("approle-secret-id")
def _ar_out(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "$ vault read auth/approle/role/app/role-id",
        "Key        Value",
        "---        -----",
        f"role_id    {v.uuid()}",
    )
    doc.add(
        "$ vault write -f auth/approle/role/app/secret-id",
        "Key                   Value",
        "---                   -----",
    )
    doc.secret("approle-secret-id", f"secret_id             {v.uuid()}")
    doc.add(
        f"secret_id_accessor    {v.uuid()}", "secret_id_num_uses    0", "secret_id_ttl         0s"
    )
    return "approle.txt", doc


@gen("approle-secret-id")
def _ar_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(f"VAULT_ROLE_ID={v.uuid()}")
    doc.secret("approle-secret-id", f"VAULT_SECRET_ID={v.uuid()}")
    doc.add("VAULT_SECRET_ID_FILE=/run/secrets/secret_id", "VAULT_SECRET_ID=")
    return "approle.env", doc


@gen("approle-secret-id")
def _ar_json(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", f'  "role_id": "{v.uuid()}",')
    doc.secret("approle-secret-id", f'  "secret_id": "{v.uuid()}"')
    doc.add("}")
    return "login.json", doc


@gen("approle-secret-id")
def _ar_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("import hvac", "", "client = hvac.Client(url=ADDR)", "client.auth.approle.login(")
    doc.add(f'    role_id="{v.uuid()}",')
    doc.secret("approle-secret-id", f'    secret_id="{v.uuid()}",')
    doc.add(
        ")", "secret_id = read_file(SECRET_ID_PATH)", 'log.info("request %s", "' + v.uuid() + '")'
    )
    return "login.py", doc


@gen("approle-secret-id")
def _ar_hcl(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "auto_auth {",
        '  method "approle" {',
        "    config = {",
        '      role_id_file_path = "/etc/vault/role_id"',
    )
    doc.add('      secret_id_file_path = "/etc/vault/secret_id"', "    }", "  }", "}")
    doc.add("template {", '  source = "/etc/app.tpl"', '  destination = "/etc/app.conf"', "}")
    doc.add(f'# role_id = "{v.uuid()}"')
    doc.secret("approle-secret-id", f'# secret_id = "{v.uuid()}"  (temporary, remove)')
    return "agent.hcl", doc


def _url_password(v: Values) -> str:
    """A password as it stands in a URL: percent-encoded (a raw "#" would end the URL)."""
    return quote(v.password(), safe="")


def _dsn(v: Values, scheme: str) -> str:
    user = v.r.choice(["app", "admin", "store_erp", v.word()])
    host = v.r.choice(["db", "localhost", "db.internal", "10.0.3.12"])
    return f"{scheme}://{user}:{_url_password(v)}@{host}:5432/{v.word()}"


@gen("dsn-password")
def _dsn_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("# database", "DATABASE_URL=${DATABASE_URL}", "DB_HOST=db.internal")
    doc.secret("dsn-password", f"DATABASE_URL={_dsn(v, 'postgresql')}")
    doc.add(
        "READONLY_URL=postgresql://reader@db/app",
        "TEST_URL=postgresql://user:password@localhost/test",
    )
    return "db.env", doc


@gen("dsn-password")
def _dsn_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("from sqlalchemy import create_engine", "")
    doc.secret("dsn-password", f'engine = create_engine("{_dsn(v, "postgresql+psycopg")}")')
    doc.add('other = create_engine(f"postgresql://{user}:{password}@{host}/db")')
    doc.add('template = "mysql://%(user)s:%(password)s@%(host)s/app"')
    return "db.py", doc


@gen("dsn-password")
def _dsn_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("spring:", "  datasource:")
    doc.secret("dsn-password", f"    url: {_dsn(v, 'mysql')}")
    doc.add("    driver-class-name: com.mysql.cj.jdbc.Driver", "  jpa:", "    open-in-view: false")
    doc.secret(
        "dsn-password",
        f"mongo_uri: mongodb+srv://svc:{_url_password(v)}@cluster0.example.net/app?retryWrites=true",
    )
    doc.add("docs_example: postgresql://<user>:<password>@<host>/<db>")
    return "application.yaml", doc


@gen("dsn-password")
def _dsn_conninfo(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("[database]")
    doc.secret(
        "dsn-password",
        # A template of the corpus (the value is filled in at run time), not a secret:
        f"conninfo = host=db.internal port=5432 dbname=erp user=erp password={v.password()}",  # pragma: allowlist secret
    )
    doc.add("pool_size = 10", "[jdbc]")
    doc.secret(
        "dsn-password",
        f"url = jdbc:postgresql://db:5432/erp?user=erp&password={v.s(BASE62, 18)}",  # pragma: allowlist secret
    )
    return "db.ini", doc


@gen("dsn-password")
def _dsn_tfstate(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "version": 4,', '  "outputs": {', '    "db_url": {', '      "sensitive": true,')
    doc.secret("dsn-password", f'      "value": "{_dsn(v, "postgres")}",')
    doc.add('      "type": "string"', "    }", "  }", "}")
    return "outputs.tfstate", doc


def _redis(v: Values) -> str:
    return v.r.choice([
        f"redis://:{_url_password(v)}@cache:6379/0",
        f"rediss://default:{_url_password(v)}@redis.internal:6380",
        f"redis://app:{v.s(BASE62, 24)}@10.0.0.5:6379/2",
    ])  # fmt: skip


def _amqp(v: Values) -> str:
    return f"amqp{v.r.choice(['', 's'])}://{v.word()}:{_url_password(v)}@rabbitmq:5672/{v.word()}"


@gen("redis-amqp-url")
def _ra_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("REDIS_HOST=cache", "REDIS_URL=redis://cache:6379/0")
    doc.secret("redis-amqp-url", f"CACHE_URL={_redis(v)}")
    doc.secret("redis-amqp-url", f"BROKER_URL={_amqp(v)}")
    doc.add("CELERY_RESULT_BACKEND=redis://localhost:6379/1")
    return "worker.env", doc


@gen("redis-amqp-url")
def _ra_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("from celery import Celery", "")
    doc.secret("redis-amqp-url", f"app = Celery('tasks', broker='{_amqp(v)}')")
    doc.secret("redis-amqp-url", f"app.conf.result_backend = '{_redis(v)}'")
    doc.add(
        "app.conf.broker_url = os.environ['BROKER_URL']",
        "# broker='amqp://guest:<password>@localhost//'",
    )
    return "celery_app.py", doc


@gen("redis-amqp-url")
def _ra_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("cache:", "  backend: redis")
    doc.secret("redis-amqp-url", f"  url: {_redis(v)}")
    doc.add(
        "  ttl: 300",
        "queue:",
        "  url: amqp://rabbitmq:5672/",
        '  password: "{{ rabbit_password }}"',
    )
    return "services.yml", doc


@gen("redis-amqp-url")
def _ra_js(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("import { createClient } from 'redis';", "")
    doc.secret("redis-amqp-url", f"const client = createClient({{ url: '{_redis(v)}' }});")
    doc.add(
        "const url = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;",
        "await client.connect();",
    )
    return "cache.js", doc


@gen("flask-django-secret-key")
def _fd_django(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        '"""Django settings."""',
        "from pathlib import Path",
        "",
        "BASE_DIR = Path(__file__).resolve().parent.parent",
    )
    doc.add("# SECURITY WARNING: keep the secret key used in production secret!")
    doc.secret("flask-django-secret-key", f"SECRET_KEY = '{v.django_key()}'")
    doc.add("DEBUG = False", "ALLOWED_HOSTS = ['erp.example.com']", "SECRET_KEY_FALLBACKS = []")
    return "settings.py", doc


@gen("flask-django-secret-key")
def _fd_flask(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("from flask import Flask", "", "app = Flask(__name__)")
    value = v.r.choice([v.hex(24), v.s(BASE62, 32), v.b64(24)])
    doc.secret("flask-django-secret-key", f"app.config['SECRET_KEY'] = '{value}'")
    doc.add(
        "app.config['SESSION_COOKIE_SECURE'] = True", "app.secret_key = os.environ['SECRET_KEY']"
    )
    return "app.py", doc


@gen("flask-django-secret-key")
def _fd_flask2(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("import secrets", "from flask import Flask", "", "app = Flask(__name__)")
    doc.secret("flask-django-secret-key", f"app.secret_key = b'{v.hex(16)}'")
    doc.add("app.secret_key = secrets.token_hex()", "SECRET_KEY = get_random_secret_key()")
    return "wsgi.py", doc


@gen("flask-django-secret-key")
def _fd_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("FLASK_APP=store_erp.app", "FLASK_ENV=production")
    doc.secret("flask-django-secret-key", f"FLASK_SECRET_KEY={v.s(BASE62, 40)}")
    doc.secret("flask-django-secret-key", f"DJANGO_SECRET_KEY={v.django_key()}")
    doc.add("SECRET_KEY=changeme", "SECRET_KEY=")
    return "web.env", doc


@gen("flask-django-secret-key")
def _fd_k8s(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        "apiVersion: apps/v1",
        "kind: Deployment",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
    )
    doc.add("        - name: web", "          env:", "            - name: SECRET_KEY")
    doc.secret("flask-django-secret-key", f'              value: "{v.s(BASE62, 48)}"')
    doc.add(
        "            - name: SECRET_KEY_FROM_VAULT",
        "              valueFrom:",
        "                secretKeyRef:",
    )
    doc.add("                  name: web-secrets", "                  key: secret_key")
    return "deployment.yaml", doc


@gen("jwt-signing-key")
def _jwt_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("JWT_ALGORITHM=HS256", "JWT_EXPIRES=3600")
    doc.secret("jwt-signing-key", f"JWT_SECRET_KEY={v.s(BASE62, 43)}")
    doc.add("JWT_PUBLIC_KEY_FILE=/etc/jwt/public.pem", "JWT_SECRET=your-256-bit-secret")
    return "auth.env", doc


@gen("jwt-signing-key")
def _jwt_json(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "auth": {', '    "issuer": "https://erp.example.com",')
    doc.secret("jwt-signing-key", f'    "jwtSecret": "{v.b64(32)}",')
    doc.add('    "jwtExpiresIn": "1h",', '    "audience": "erp"', "  }", "}")
    return "config.json", doc


@gen("jwt-signing-key")
def _jwt_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("import jwt", "")
    doc.secret("jwt-signing-key", f'SIGNING_KEY = "{v.hex(32)}"')
    doc.add("def issue(claims):", "    return jwt.encode(claims, SIGNING_KEY, algorithm='HS256')")
    doc.add("JWT_SECRET = os.environ.get('JWT_SECRET')", "jwt_secret = config['jwt_secret']")
    return "tokens.py", doc


@gen("jwt-signing-key")
def _jwt_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("security:", "  jwt:")
    doc.secret("jwt-signing-key", f"    signing_key: {v.s(BASE62 + '-_', 48)}")
    doc.add("    algorithm: HS512", "    verify_key: ${JWT_VERIFY_KEY}", "    expiry: 15m")
    return "security.yml", doc


@gen("cloud-key")
def _ck_aws(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("[default]")
    doc.secret("cloud-key", f"aws_access_key_id = {v.aws_id()}")
    doc.secret("cloud-key", f"aws_secret_access_key = {v.aws_secret()}")
    doc.add("region = eu-west-1", "", "[example]", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE")
    doc.add("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    return "credentials", doc


@gen("cloud-key")
def _ck_tf(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add('provider "aws" {', '  region     = "eu-west-1"')
    doc.secret("cloud-key", f'  access_key = "{v.aws_id()}"')
    doc.secret("cloud-key", f'  secret_key = "{v.aws_secret()}"')
    doc.add("}", 'resource "aws_s3_bucket" "b" {', '  bucket = "erp-backups"', "}")
    return "aws.tf", doc


@gen("cloud-key")
def _ck_gcp(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "type": "service_account",', '  "project_id": "erp-prod",')
    doc.secret("cloud-key", f'  "private_key_id": "{v.hex(20)}",')
    body = "\\n".join(v.pem_body(8))
    doc.secret(
        "private-key",
        f'  "private_key": "-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n",',
    )
    doc.add(
        '  "client_email": "erp@erp-prod.iam.gserviceaccount.com",',
        f'  "client_id": "{v.r.randint(10**20, 10**21)}",',
    )
    doc.add('  "token_uri": "https://oauth2.googleapis.com/token"', "}")
    return "service-account.json", doc


@gen("cloud-key")
def _ck_azure(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("storage:", "  provider: azure")
    doc.secret(
        "cloud-key",
        f"  connection_string: DefaultEndpointsProtocol=https;AccountName=erpstore;AccountKey={v.b64(64)};EndpointSuffix=core.windows.net",
    )
    doc.secret("cloud-key", f"  maps_api_key: AIza{v.s(B64URL, 35)}")
    doc.add("  container: backups")
    return "storage.yml", doc


@gen("cloud-key")
def _ck_sh(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("#!/bin/bash")
    doc.secret("cloud-key", f"export AWS_ACCESS_KEY_ID={v.aws_id()}")
    doc.secret("cloud-key", f"export AWS_SECRET_ACCESS_KEY={v.aws_secret()}")
    doc.add('export AWS_SESSION_TOKEN="${AWS_SESSION_TOKEN:-}"', "aws s3 ls s3://erp-backups/")
    return "backup.sh", doc


def _pem(v: Values, label: str) -> list[str]:
    return [f"-----BEGIN {label}-----", *v.pem_body(), f"-----END {label}-----"]


@gen("private-key")
def _pk_pem(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    label = v.r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    doc.secret("private-key", *_pem(v, label))
    return "server.key", doc


@gen("private-key")
def _pk_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("tls:", "  certificate: |")
    doc.add(*("    " + x for x in _pem(v, "CERTIFICATE")))
    doc.add("  key: |")
    pem = _pem(v, "RSA PRIVATE KEY")
    doc.secret("private-key", *("    " + x for x in pem))
    return "tls.yaml", doc


@gen("private-key")
def _pk_tfstate(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    body = "\\n".join(v.pem_body(10))
    doc.add("{", '  "version": 4,', '  "resources": [', "    {", '      "type": "tls_private_key",')
    doc.add(
        '      "instances": [',
        "        {",
        '          "attributes": {',
        '            "algorithm": "RSA",',
    )
    doc.secret(
        "private-key",
        f'            "private_key_pem": "-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----\\n",',
    )
    doc.add(
        f'            "public_key_pem": "-----BEGIN PUBLIC KEY-----\\n{v.b64(60)}\\n-----END PUBLIC KEY-----\\n"'
    )
    doc.add("          }", "        }", "      ]", "    }", "  ]", "}")
    return "tls.tfstate", doc


@gen("private-key")
def _pk_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add('"""Signing for webhooks."""', "")
    pem = _pem(v, "EC PRIVATE KEY")
    doc.secret("private-key", f'PRIVATE_KEY = """{pem[0]}', *pem[1:-1], f'{pem[-1]}"""')
    doc.add(
        "",
        "PUBLIC_KEY_HEADER = '-----BEGIN PUBLIC KEY-----'",
        "KEY_MARKER = '-----BEGIN PRIVATE KEY-----'  # what to look for",
    )
    return "signing.py", doc


def _generic_value(v: Values) -> str:
    return v.r.choice([v.s(BASE62, 32), v.hex(20), v.b64(30), v.password()])


@gen("generic-secret")
def _gs_yaml(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("payments:", "  provider: acme", "  endpoint: https://api.acme.example/v2")
    doc.secret("generic-secret", f"  api_key: {_generic_value(v)}")
    doc.secret("generic-secret", f'  client_secret: "{_generic_value(v)}"')
    doc.add(
        "  api_key_header: X-Api-Key",
        "  client_secret_ref: vault:secret/data/payments#client_secret",
    )
    doc.add("  password: changeme", "  token: <paste-token-here>", "  secret: ${PAYMENTS_SECRET}")
    return "payments.yml", doc


@gen("generic-secret")
def _gs_env(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("SMTP_HOST=mail.example.com", "SMTP_USER=erp")
    doc.secret("generic-secret", f"SMTP_PASSWORD={v.password()}")
    doc.secret("generic-secret", f"API_TOKEN={_generic_value(v)}")
    doc.add("API_TOKEN_TTL=3600", "PASSWORD_MIN_LENGTH=12", "DB_PASSWORD=")
    return "mail.env", doc


@gen("generic-secret")
def _gs_js(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("module.exports = {", "  port: 3000,")
    doc.secret("generic-secret", f"  apiSecret: '{_generic_value(v)}',")
    doc.add(
        "  passwordField: 'password',",
        "  tokenHeader: 'authorization',",
        "  secretName: process.env.SECRET_NAME,",
        "};",
    )
    return "config.js", doc


@gen("generic-secret")
def _gs_py(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("import requests", "")
    doc.secret("generic-secret", f'API_KEY = "{_generic_value(v)}"')
    doc.add('resp = requests.get(URL, headers={"Authorization": f"Bearer {API_KEY}"})')
    doc.add(
        'password = getpass.getpass("password: ")', 'PASSWORD_RESET_URL = "/auth/password/reset"'
    )
    _filler_py(v, doc, 2)
    return "client.py", doc


@gen("generic-secret")
def _gs_ipynb(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "source": [')
    doc.secret("generic-secret", f'    "api_key = \\"{v.s(BASE62, 32)}\\"\\n",')
    doc.add(
        '    "df = load(api_key)"',
        "   ]",
        "  }",
        " ],",
        ' "nbformat": 4,',
        ' "nbformat_minor": 5',
        "}",
    )
    return "analysis.ipynb", doc


@gen("generic-secret")
def _gs_hcl(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add(
        'resource "vault_database_secret_backend_connection" "pg" {',
        '  backend = "database"',
        '  name    = "pg"',
    )
    doc.add(
        "  postgresql {",
        '    connection_url = "postgresql://{{username}}:{{password}}@db:5432/erp"',
        '    username       = "vault"',
    )
    doc.secret("generic-secret", f'    password       = "{v.password()}"')
    doc.add(
        "  }",
        "}",
        'resource "random_password" "db" {',
        "  length = 32",
        "}",
        "password = random_password.db.result",
    )
    return "database.tf", doc


# Pure lookalike files per kind: nothing in them is a secret.
@gen("vault-token")
def _neg_min_js(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    chain = ";".join(
        f"{v.r.choice('srb')}.{v.r.choice(['getElementsByTagName', 'querySelectorAllNodes', 'addEventListenerOptions', 'removeAttributeNodeNS'])}{v.s(string.ascii_letters, 3)}(e)"
        for _ in range(60)
    )
    doc.add("!function(e,t){" + chain + "}(window);")
    return "vendor.min.js", doc


@gen("generic-secret")
def _neg_lock(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("{", '  "name": "erp-web",', '  "lockfileVersion": 3,', '  "packages": {')
    for _ in range(12):
        name = v.word() + "-" + v.word()
        doc.add(f'    "node_modules/{name}": {{', '      "version": "1.2.3",')
        doc.add(f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.2.3.tgz",')
        doc.add(f'      "integrity": "sha512-{v.b64(64)}"', "    },")
    doc.add('    "": {}', "  }", "}")
    return "package-lock.json", doc


@gen("generic-secret")
def _neg_travis(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("language: python", "env:", "  global:")
    for _ in range(2):
        doc.add(f"    - secure: {v.b64(256)}")
    doc.add("deploy:", "  provider: pypi", "  password:", f"    secure: {v.b64(256)}")
    return ".travis.yml", doc


@gen("generic-secret")
def _neg_audit(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    for _ in range(6):
        doc.add(json.dumps({
            "time": "2026-11-30T10:00:00.000Z", "type": "response",
            "auth": {"client_token": f"hmac-sha256:{v.hex(32)}", "accessor": f"hmac-sha256:{v.hex(32)}",
                     "policies": ["default"]},
            "request": {"id": v.uuid(), "operation": "read", "path": "secret/data/app",
                        "client_token": f"hmac-sha256:{v.hex(32)}"},
            "response": {"data": {"password": f"hmac-sha256:{v.hex(32)}"}},
        }))  # fmt: skip
    return "audit.log", doc


@gen("generic-secret")
def _neg_html(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("<!doctype html>", "<html>", "<head>")
    doc.add(
        f'<script src="https://cdn.example.com/lib.min.js" integrity="sha384-{v.b64(48)}" crossorigin="anonymous"></script>'
    )
    doc.add(f'<link rel="stylesheet" href="/app.css" integrity="sha256-{v.b64(32)}">')
    doc.add('<input type="password" name="password" placeholder="Password">', "</head>", "</html>")
    return "index.html", doc


@gen("generic-secret")
def _neg_gosum(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    for _ in range(10):
        mod = f"github.com/{v.word()}/{v.word()}"
        doc.add(
            f"{mod} v1.{v.r.randint(0, 9)}.0 h1:{v.b64(32)}", f"{mod} v1.0.0/go.mod h1:{v.b64(32)}"
        )
    return "go.sum", doc


@gen("dsn-password")
def _neg_docs(v: Values) -> tuple[str, Doc]:
    doc = Doc()
    doc.add("# Configuration", "", "Set the database URL:", "", "```")
    doc.add("DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DBNAME")
    doc.add("REDIS_URL=redis://:${REDIS_PASSWORD}@cache:6379/0", "```", "")
    doc.add("The token looks like `hvs.CAESIJ...` and is read from `VAULT_TOKEN`.")
    doc.add("Use `vault operator unseal` with each unseal key in turn.")
    doc.add("An AWS key id looks like AKIAIOSFODNN7EXAMPLE.")
    return "README.md", doc


def generate(out: Path, seed: int = SEED, per_generator: int = 4) -> dict[str, dict[str, str]]:
    """Write the positives under ``out/positives``; return their labels."""
    r = random.Random(seed)  # noqa: S311 - a reproducible corpus, not secrets
    v = Values(r)
    target = out / "positives"
    if target.exists():
        shutil.rmtree(target)
    labels: dict[str, dict[str, str]] = {}
    for kind, generators in GENERATORS.items():
        for g_index, g in enumerate(generators):
            for i in range(per_generator):
                name, doc = g(v)
                rel = Path("positives") / kind / f"{g_index:02d}-{i}" / name
                path = out / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(doc.text(), encoding="utf-8")
                labels[rel.as_posix()] = doc.labels
    return labels


# --- negatives: files from public repositories -----------------------------------------


def import_negatives(mirror: Path, selection: Path, out: Path) -> None:
    """Copy the files listed in ``selection`` (``category<TAB>path`` lines) from ``mirror``
    (a checkout or export of the repository) into ``out/negatives/<category>/``."""
    for line in selection.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, path, *options = line.split("\t")
        source = mirror / path
        dest = out / "negatives" / category / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        head = next((int(o[5:]) for o in options if o.startswith("head=")), None)
        if head is None:
            shutil.copyfile(source, dest)
        else:
            with source.open("rb") as f:
                dest.write_bytes(b"".join(f.readline() for _ in range(head)))


# --- scoring ------------------------------------------------------------------------


def _span(key: str) -> tuple[int, int]:
    first, _, last = key.partition("-")
    return int(first), int(last or first)


def load_labels(corpus: Path = CORPUS) -> dict[str, dict[str, str]]:
    data = json.loads((corpus / LABELS).read_text())
    return data["files"]


def corpus_files(corpus: Path = CORPUS) -> list[str]:
    return sorted(load_labels(corpus))


def group_of(path: str) -> str:
    parts = path.split("/")
    return parts[1] if parts[0] == "positives" else f"neg:{parts[1]}"


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fp_lines: list[tuple[str, int]] = field(default_factory=list)
    missed: list[tuple[str, str, str]] = field(default_factory=list)

    @staticmethod
    def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def overall(self) -> tuple[float, float, float]:
        return self._prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    def rows(self) -> list[tuple[str, int, int, int, float, float, float]]:
        groups = sorted(
            set(self.tp) | set(self.fn) | set(self.fp), key=lambda g: (g.startswith("neg:"), g)
        )
        out = []
        for g in groups:
            tp, fp, fn = self.tp[g], self.fp[g], self.fn[g]
            out.append((g, tp, fp, fn, *self._prf(tp, fp, fn)))
        return out


def score(
    reported: Mapping[str, Iterable[int]],
    labels: Mapping[str, Mapping[str, str]],
    group: Callable[[str], str] = group_of,
) -> Score:
    """Line-level score of ``reported`` (corpus-relative path -> reported line numbers);
    ``group`` names the kind a file's false positives count against."""
    result = Score()
    for path, spans in labels.items():
        lines = set(reported.get(path, ()))
        covered: set[int] = set()
        for key, kind in spans.items():
            first, last = _span(key)
            hit = {n for n in lines if first <= n <= last}
            covered |= set(range(first, last + 1))
            if hit:
                result.tp[kind] += 1
            else:
                result.fn[kind] += 1
                result.missed.append((path, key, kind))
        for n in sorted(lines - covered):
            result.fp[group(path)] += 1
            result.fp_lines.append((path, n))
    return result


def print_misses(s: Score) -> None:
    """Each false positive (FP path line) and each missed secret (FN path key kind)."""
    for path, n in s.fp_lines:
        print("FP", path, n)
    for path, key, kind in s.missed:
        print("FN", path, key, kind)


def format_table(scores: Mapping[str, Score]) -> str:
    """Per kind, for each tool: F1 / precision / recall; then overall."""
    tools = list(scores)
    groups = sorted(
        {row[0] for s in scores.values() for row in s.rows()},
        key=lambda g: (g.startswith("neg:"), g),
    )
    width = max(map(len, [*groups, "overall"])) + 2
    head = f"{'kind':<{width}}" + "".join(f"{t:>22}" for t in tools)
    lines = [head, f"{'':<{width}}" + "".join(f"{'F1   P    R  (tp/fp/fn)':>22}" for _ in tools)]
    for g in groups:
        cells = []
        for t in tools:
            row = next((r for r in scores[t].rows() if r[0] == g), (g, 0, 0, 0, 1.0, 1.0, 1.0))
            _, tp, fp, fn, p, r, f = row
            if g.startswith("neg:"):
                cells.append(f"{'fp ' + str(fp):>22}")
            else:
                cells.append(f"{f:.2f} {p:.2f} {r:.2f} ({tp}/{fp}/{fn})".rjust(22))
        lines.append(f"{g:<{width}}" + "".join(cells))
    cells = []
    for t in tools:
        p, r, f = scores[t].overall()
        tp, fp, fn = (sum(c.values()) for c in (scores[t].tp, scores[t].fp, scores[t].fn))
        cells.append(f"{f:.2f} {p:.2f} {r:.2f} ({tp}/{fp}/{fn})".rjust(22))
    lines.append(f"{'overall':<{width}}" + "".join(cells))
    return "\n".join(lines)


def _write_labels(corpus: Path, positives: dict[str, dict[str, str]]) -> None:
    path = corpus / LABELS
    files: dict[str, dict[str, str]] = {}
    if path.exists():
        files = {
            k: v
            for k, v in json.loads(path.read_text())["files"].items()
            if not k.startswith("positives/")
        }
    files.update(positives)
    for neg in sorted((corpus / "negatives").rglob("*")) if (corpus / "negatives").exists() else []:
        if neg.is_file():
            files.setdefault(neg.relative_to(corpus).as_posix(), {})
    path.write_text(
        json.dumps({"seed": SEED, "files": dict(sorted(files.items()))}, indent=1) + "\n"
    )


def ours(corpus: Path = CORPUS) -> dict[str, set[int]]:
    """Our scanner's reported lines on the corpus (via vault_gate.compliance.scan.repo.scan)."""
    sys.path.insert(0, str(ROOT))
    from vault_gate.compliance.scan.repo import scan

    # ignored=True: the real files are git-ignored (not committed), as the CLI scans them
    report = scan([corpus / "positives", corpus / "negatives"], workers=1, ignored=True)
    out: dict[str, set[int]] = {}
    for f in report.findings:
        if f.line:
            out.setdefault(_corpus_relative(corpus, f.path), set()).add(f.line)
    return out


def _corpus_relative(corpus: Path, path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.relative_to(corpus).as_posix()
    for top in ("positives", "negatives"):
        if (corpus / top / p).exists():
            return f"{top}/{p.as_posix()}"
    return p.as_posix()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("generate")
    neg = sub.add_parser("negatives")
    neg.add_argument("--mirror", type=Path, required=True)
    sub.add_parser("score").add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "generate":
        _write_labels(CORPUS, generate(CORPUS))
    elif args.cmd == "negatives":
        import_negatives(args.mirror, CORPUS / "negatives.tsv", CORPUS)
        _write_labels(
            CORPUS, {k: v for k, v in load_labels().items() if k.startswith("positives/")}
        )
    else:
        s = score(ours(), load_labels())
        print(format_table({"vault-gate": s}))
        if args.show:
            print_misses(s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A generated source tree: ordinary files of many kinds, a few secrets of every kind.

Used by the benchmarks (a large tree to time scanners on) and by the tests that prove
the fast scan loses nothing (a smaller tree scanned both ways). Deterministic for a
seed. Values are random per seed, so nothing here is a live secret; every kind that
detect-secrets' plugins and ours report appears, in the file formats detect-secrets
transforms (YAML, INI-like) and in those it reads as lines.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable
from pathlib import Path

BASE62 = string.ascii_letters + string.digits
WORDS = [
    "order",
    "customer",
    "invoice",
    "item",
    "price",
    "total",
    "stock",
    "warehouse",
    "ship",
    "payment",
    "refund",
    "tax",
    "account",
    "user",
    "session",
    "cache",
    "queue",
    "worker",
    "retry",
    "timeout",
    "config",
    "path",
    "value",
    "result",
    "request",
    "response",
    "client",
    "server",
    "handler",
    "route",
    "model",
    "schema",
    "table",
    "index",
    "migrate",
]


def _word(r: random.Random) -> str:
    return r.choice(WORDS)


def _ident(r: random.Random) -> str:
    return "_".join(r.choice(WORDS) for _ in range(r.randint(1, 3)))


def _rand(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _token(r: random.Random) -> str:
    while True:
        body = _rand(r, BASE62, 24)
        if any(c.isupper() for c in body) and any(c.islower() for c in body):
            return r.choice(["hvs.", "hvb.", "hvr.", "s."]) + body


def _b64(r: random.Random, n: int) -> str:
    return base64.b64encode(r.randbytes(n)).decode()


# One generator per kind of secret: a line (in a given flavour) holding one value.
SECRET_LINES: dict[str, Callable[[random.Random], str]] = {
    "vault_token": lambda r: f"vault login {_token(r)}",
    "vault_token_assignment": lambda r: (
        "VAULT_TOKEN=" + r.choice(["root", "dev-" + _rand(r, BASE62, 8)])
    ),
    "unseal_key": lambda r: f"Unseal Key 1: {_b64(r, 32)}",
    "secret_id": lambda r: f'secret_id = "{uuid.UUID(int=r.getrandbits(128), version=4)}"',
    "dsn": lambda r: f'DATABASE_URL = "postgresql://app:{_rand(r, BASE62, 14)}@db:5432/app"',
    "aws": lambda r: (
        "aws_access_key_id = AKIA" + _rand(r, string.ascii_uppercase + string.digits, 16)
    ),
    "github": lambda r: f'GH = "ghp_{_rand(r, BASE62, 36)}"',
    "private_key": lambda r: "-----BEGIN RSA PRIVATE KEY-----",  # pragma: allowlist secret
    "jwt": lambda r: (
        "auth = 'eyJhbGciOiJIUzI1NiJ9."
        + base64.urlsafe_b64encode(json.dumps({"sub": _word(r)}).encode()).decode().rstrip("=")
        + "."
        + _rand(r, BASE62, 43)
        + "'"
    ),
    "slack": lambda r: (
        f"hook = 'xoxb-{r.randint(10**9, 10**10)}-{_rand(r, string.ascii_lowercase, 24)}'"
    ),
    "stripe": lambda r: f"stripe_key = 'sk_live_{_rand(r, BASE62, 24)}'",
    "keyword": lambda r: f'password = "{_rand(r, BASE62, 12)}"',
    "base64_entropy": lambda r: f'blob = "{_b64(r, 30)}"',
    "hex_entropy": lambda r: f"digest = '{r.randbytes(20).hex()}'",
    "basic_auth": lambda r: f"url = https://admin:{_rand(r, BASE62, 10)}@example.com/x",
}


def _python_file(r: random.Random, lines: int) -> list[str]:
    out = ['"""The ' + _word(r) + " module: " + " ".join(_word(r) for _ in range(6)) + '."""', ""]
    out += ["from __future__ import annotations", "", "import os", "import logging", ""]
    while len(out) < lines:
        name = _ident(r)
        out += [
            f"def {name}({_word(r)}: str, {_word(r)}: int = {r.randint(0, 99)}) -> dict:",
            f'    """Return the {_word(r)} for a {_word(r)}."""',
            f'    log = logging.getLogger("{_word(r)}.{_word(r)}")',
            f'    value = os.environ.get("{_ident(r).upper()}", "{_word(r)}")',
            f"    if value == '{_word(r)}':",
            f'        log.info("{_word(r)} %s {_word(r)}", value)',
            f"    # {' '.join(_word(r) for _ in range(r.randint(3, 10)))}",
            f"    return {{'{_word(r)}': value, '{_word(r)}': {r.randint(0, 10**6)}}}",
            "",
        ]
    return out


def _yaml_file(r: random.Random, lines: int) -> list[str]:
    out = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {_word(r)}-{_word(r)}"]
    out += ["spec:", "  template:", "    spec:", "      containers:"]
    while len(out) < lines:
        out += [
            f"        - name: {_word(r)}",
            f"          image: registry.internal/{_word(r)}:{r.randint(1, 9)}.{r.randint(0, 30)}",
            "          env:",
            f"            - name: {_ident(r).upper()}",
            f'              value: "{_word(r)}"',
            f"            - name: {_ident(r).upper()}_PATH",
            f"              value: secret/data/store-erp/{_word(r)}",
            f"          args: [--{_word(r)}, --{_word(r)}={r.randint(1, 100)}]",
        ]
    return out


def _json_file(r: random.Random, lines: int) -> list[str]:
    items = {
        f"{_ident(r)}_{i}": {
            "id": r.randint(1, 10**6),
            "name": _word(r),
            "tags": [_word(r) for _ in range(3)],
            "enabled": r.random() < 0.5,
        }
        for i in range(max(1, lines // 9))
    }
    return json.dumps(items, indent=2).splitlines()


def _ini_file(r: random.Random, lines: int) -> list[str]:
    out: list[str] = []
    while len(out) < lines:
        out.append(f"[{_word(r)}]")
        out += [f"{_ident(r)} = {_word(r)}" for _ in range(r.randint(3, 8))]
        out.append(f"; {_word(r)} {_word(r)}")
        out.append("")
    return out


def _text_file(r: random.Random, lines: int) -> list[str]:
    out = [f"# {_word(r).title()} {_word(r)}", ""]
    while len(out) < lines:
        out.append(" ".join(_word(r) for _ in range(r.randint(6, 14))) + ".")
        if r.random() < 0.2:
            out.append("")
    return out


def _env_file(r: random.Random, lines: int) -> list[str]:
    return [f"{_ident(r).upper()}=${{{_ident(r).upper()}}}" for _ in range(lines)]


def _toml_file(r: random.Random, lines: int) -> list[str]:
    out = ["[project]", f'name = "{_word(r)}"']
    while len(out) < lines:
        out.append(f"[tool.{_word(r)}]")
        out += [f'{_word(r)} = "{_word(r)}"' for _ in range(4)]
    return out


FLAVOURS: list[tuple[str, Callable[[random.Random, int], list[str]], float]] = [
    (".py", _python_file, 0.45),
    (".yaml", _yaml_file, 0.15),
    (".json", _json_file, 0.15),
    (".ini", _ini_file, 0.05),
    (".cfg", _ini_file, 0.03),
    (".md", _text_file, 0.07),
    (".txt", _text_file, 0.04),
    (".env.example", _env_file, 0.02),
    (".toml", _toml_file, 0.04),
]


def generate(
    root: Path,
    size_bytes: int,
    *,
    seed: int = 1,
    secret_rate: float = 0.05,
    lines_per_file: tuple[int, int] = (40, 600),
) -> dict[str, int]:
    """Write files under ``root`` until ``size_bytes`` are written.

    ``secret_rate`` is the share of files with one planted secret line (of a random
    kind, at a random line). Returns counts: files, bytes, planted secrets.
    """
    r = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    suffixes, makers, weights = zip(*FLAVOURS, strict=True)
    kinds = sorted(SECRET_LINES)
    written = files = planted = 0
    while written < size_bytes:
        i = r.choices(range(len(suffixes)), weights)[0]
        lines = makers[i](r, r.randint(*lines_per_file))
        if r.random() < secret_rate:
            kind = r.choice(kinds)
            secret = SECRET_LINES[kind](r)
            if suffixes[i] == ".yaml":
                secret = f"{_word(r)}: {json.dumps(secret)}"
            lines.insert(r.randint(0, len(lines)), secret)
            planted += 1
        directory = root / _word(r) / _word(r)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{_ident(r)}_{files}{suffixes[i]}"
        data = ("\n".join(lines) + "\n").encode()
        (directory / name).write_bytes(data)
        written += len(data)
        files += 1
    return {"files": files, "bytes": written, "planted": planted}

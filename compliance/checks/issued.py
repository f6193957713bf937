"""Values the servers issued during the run, which the harness never wrote itself.

Vault's database engine issues passwords, AppRole issues secret_ids, every login issues a
token, response wrapping issues wrapping tokens. The app gets them straight from Vault,
so the harness's list of known values (what it wrote) does not hold them, and an app
that logs its database DSN would leave a password in the report's evidence folder.

The audit log says what was issued: each response's secret fields (``data.password``,
``data.secret_id``, ``auth.client_token``, ``wrap_info.token``, ...). A device with
``log_raw`` writes them as they are: they are taken from there. An HMAC'ing device writes
``hmac-sha256:...``: a value is then recognised by asking the server for its HMAC
(``sys/audit-hash``), for each candidate a text holds (a long token-like word, a URL's
password); a candidate whose HMAC stands in a secret field of a response was issued by
the server. Such values join the leak checks and are redacted wherever the harness keeps
text. Nothing here returns or logs a value except inside :class:`Secret`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from vault_gate.compliance.checks.audit import AuditStats, _obj, _records
from vault_gate.compliance.secret import Secret

# Keys under a response's data/auth/wrap_info whose values are credentials.
SECRET_FIELDS = frozenset(
    {"password", "secret_id", "client_token", "token", "private_key", "secret_key",
     "access_key", "secret", "wrapping_token", "unseal_key", "root_token"}
)  # fmt: skip
HMAC_PREFIX = "hmac-sha256:"
MIN_CANDIDATE_CHARS = 12
MAX_CANDIDATES = 400
_WORD = re.compile(rf"[A-Za-z0-9_.~+/=-]{{{MIN_CANDIDATE_CHARS},}}")
_URL_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s/]+)@")


def issued_fields(audit_log: Path, start: int = 0) -> set[str]:
    """Every value (plain or ``hmac-sha256:...``) in a secret field of a response in the
    log from byte ``start``: what the server handed out."""
    out: set[str] = set()
    try:
        for record in _records(audit_log, AuditStats(), start):
            if record.get("type") != "response":
                continue
            response = _obj(record.get("response"))
            for part in (
                _obj(response.get("data")),
                _obj(response.get("auth")),
                _obj(record.get("auth")),
                _obj(response.get("wrap_info")),
            ):
                _collect(part, out)
    except OSError:
        return out
    return out


def _collect(obj: dict[str, Any], out: set[str]) -> None:
    for key, value in obj.items():
        if key in SECRET_FIELDS and isinstance(value, str) and value:
            out.add(value)
        elif isinstance(value, dict):
            _collect(value, out)


def candidates(text: str) -> list[str]:
    """Words of ``text`` that could be issued values: URL passwords, then long token-like
    words (bounded in number: each costs the server an HMAC)."""
    found = dict.fromkeys(_URL_PASSWORD.findall(text))
    for word in _WORD.findall(text):
        found.setdefault(word.strip(".,;:"), None)
        if len(found) >= MAX_CANDIDATES:
            break
    return [c for c in found if len(c) >= 8]


def issued_in(
    text: str,
    fields: set[str],
    hmac_of: Callable[[str], str | None] | None,
) -> list[Secret]:
    """The values in ``text`` the server issued: those of ``fields`` that a raw device
    wrote as they are, and the candidates whose HMAC (``hmac_of``) stands in ``fields``."""
    plain = {v for v in fields if not v.startswith(HMAC_PREFIX)}
    hashed = fields - plain
    out = [Secret(v) for v in plain if v in text]
    if hmac_of is not None and hashed:
        for candidate in candidates(text):
            if candidate in plain:
                continue
            digest = hmac_of(candidate)
            if digest is not None and digest in hashed:
                out.append(Secret(candidate))
    return out


def issued_plain(fields: Iterable[str]) -> list[Secret]:
    """The values a raw device wrote as they are (known wherever they turn up)."""
    return [Secret(v) for v in fields if not v.startswith(HMAC_PREFIX)]

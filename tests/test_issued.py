"""Values the servers issued, found through the audit log (compliance/checks/issued.py):
from a raw device's entries as they are, from an HMAC'ing device's by asking for the
HMAC of each candidate a text holds. Plain data here; the sign-off test of an app that
logs its DSN (tests/test_parcels_signoff.py) runs it on real servers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from vault_gate.compliance.checks.issued import candidates, issued_fields, issued_in

PASSWORD = "A1b2-C3d4E5f6G7h8I9j0"
TOKEN = "s.AbCdEfGhIjKlMnOpQrStUvWx"


def _hmac(value: str) -> str:
    return "hmac-sha256:" + hashlib.sha256(b"salt" + value.encode()).hexdigest()


def _log(tmp_path: Path, hashed: bool) -> Path:
    show = _hmac if hashed else (lambda v: v)
    entries = [
        {"type": "request", "request": {"path": "db/creds/app"}},
        {"type": "response", "request": {"path": "db/creds/app"},
         "response": {"data": {"username": "v-app-x", "password": show(PASSWORD)}}},
        {"type": "response", "request": {"path": "auth/apps/login"},
         "response": {"auth": {"client_token": show(TOKEN), "accessor": "acc"}}},
    ]  # fmt: skip
    path = tmp_path / "audit.log"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in entries) + b"\n")
    return path


TEXT = f"connected: postgresql://v-app-x:{PASSWORD}@127.0.0.1:5432/db token {TOKEN} done"


def test_a_raw_device_names_the_values_themselves(tmp_path: Path) -> None:
    fields = issued_fields(_log(tmp_path, hashed=False))
    found = {s.reveal() for s in issued_in(TEXT, fields, None)}
    assert found == {PASSWORD, TOKEN}  # not the username: not a secret field


def test_an_hmac_device_is_asked_for_each_candidate(tmp_path: Path) -> None:
    fields = issued_fields(_log(tmp_path, hashed=True))
    assert issued_in(TEXT, fields, None) == []  # nothing plain to recognise
    found = {s.reveal() for s in issued_in(TEXT, fields, _hmac)}
    assert found == {PASSWORD, TOKEN}


def test_a_value_the_server_never_issued_is_not_taken(tmp_path: Path) -> None:
    fields = issued_fields(_log(tmp_path, hashed=True))
    assert issued_in("some-other-long-random-word-Zq9", fields, _hmac) == []


def test_candidates_hold_a_url_password_and_long_words() -> None:
    found = candidates(TEXT)
    assert PASSWORD in found and TOKEN in found and "done" not in found

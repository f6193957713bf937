"""role_request_paths skips lines before parsing them: it must still see every entry of
the role's tokens, whatever the key order, and none of another client's."""

from __future__ import annotations

from pathlib import Path

import orjson

from vault_gate.compliance.checks.audit import _may_concern, role_request_paths

ROLE = "store-erp-staging"
OTHER = "store-erp-production"


def _login(accessor: str, role: str) -> dict:
    return {
        "type": "response",
        "request": {"path": "auth/approle/login", "operation": "update", "mount_type": "approle"},
        "auth": {"accessor": accessor, "metadata": {"role_name": role}},
    }


def _read(accessor: str, path: str, *, auth_last: bool = False, error: str = "") -> dict:
    entry: dict = {"type": "response", "request": {"path": path, "operation": "read"}}
    entry["response"] = {"data": {"value": "hmac-sha256:00"}}
    if error:
        entry["error"] = error
    auth = {"client_token": "hmac-sha256:tok", "accessor": accessor}
    return {**entry, "auth": auth} if auth_last else {"auth": auth, **entry}


def _log(tmp_path: Path, entries: list[dict | bytes]) -> Path:
    log = tmp_path / "audit.log"
    log.write_bytes(
        b"".join((e if isinstance(e, bytes) else orjson.dumps(e)) + b"\n" for e in entries)
    )
    return log


def test_paths_of_the_roles_tokens_only(tmp_path: Path) -> None:
    log = _log(
        tmp_path,
        [
            _login("hmac-sha256:aa", ROLE),
            _login("hmac-sha256:bb", OTHER),
            _read("hmac-sha256:aa", "secret/data/store-erp/staging/flask"),
            _read("hmac-sha256:bb", "secret/data/store-erp/production/flask"),
            _read("hmac-sha256:aa", "secret/data/store-erp/staging/jwt", auth_last=True),
            _read("hmac-sha256:aa", "sys/mounts", error="permission denied"),
            _read("hmac-sha256:cc", "secret/data/store-erp/staging/api"),
            b"{not json",
        ],
    )
    assert role_request_paths(log, ROLE) == {
        "secret/data/store-erp/staging/flask",
        "secret/data/store-erp/staging/jwt",
    }


def test_a_line_with_two_accessor_keys_is_parsed(tmp_path: Path) -> None:
    """Another token's accessor comes first on the line (a response naming another
    token); the entry's own auth is the role's token: the path counts."""
    entry = {
        "type": "response",
        "request": {"path": "auth/token/lookup", "operation": "read"},
        "response": {"data": {"accessor": "hmac-sha256:zz"}},
        "auth": {"accessor": "hmac-sha256:aa"},
    }
    line = orjson.dumps(entry).replace(b'"accessor":"hmac-sha256:zz"', b'"accessor":"x"', 1)
    assert line.index(b'"accessor":"x"') < line.index(b'"accessor":"hmac-sha256:aa"')
    log = _log(tmp_path, [_login("hmac-sha256:aa", ROLE), line])
    assert "auth/token/lookup" in role_request_paths(log, ROLE)


def test_the_prefilter_keeps_what_may_concern_the_role() -> None:
    role = orjson.dumps(ROLE)
    known = {"hmac-sha256:aa"}
    assert _may_concern(b'{"auth":{"accessor":"hmac-sha256:aa"}}', role, known)
    assert _may_concern(b'{"metadata":{"role_name":"store-erp-staging"}}', role, known)
    assert _may_concern(b'{"accessor":"hmac\\u002dsha256:aa"}', role, known)  # escaped: parse
    assert not _may_concern(b'{"auth":{"accessor":"hmac-sha256:bb"}}', role, known)
    assert not _may_concern(b'{"auth":{"client_token_accessor":"hmac-sha256:aa"}}', role, known)

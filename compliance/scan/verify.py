"""``vault-gate scan --verify URL``: is a found credential live on that server?

Opt-in only, against the one server the user names. A token (a Vault/OpenBao token or a
token assignment) is asked about itself (``GET /v1/auth/token/lookup-self``: 200 live,
403 dead); an AppRole ``secret_id`` with the ``role_id`` found beside it is tried
(``POST /v1/auth/approle/login``: 200 live, 400 dead), and the token that login returns
is revoked at once (``revoke-self``): verifying must not leave credentials behind. Each
request has a short timeout; anything else (no answer, 5xx, TLS failure) is "unknown"
with the reason. Values travel only in request headers and bodies: never in a URL, a
message, an exception or the output.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from vault_gate.compliance.secret import Secret

TIMEOUT_S = 3.0
LIVE, DEAD, UNKNOWN = "live", "dead", "unknown"


class VerifyError(ValueError):
    """The --verify arguments are unusable (said before any request is sent)."""


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VerifyError(f"--verify {url}: not an http(s) server address")
    return url.rstrip("/")


class Verifier:
    """Asks one server about credentials; results cached per credential."""

    def __init__(self, url: str, ca_file: Path | None = None, timeout: float = TIMEOUT_S):
        self.url = check_url(url)
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        self._seen: dict[tuple[str, ...], str] = {}

    def _request(
        self, method: str, path: str, token: Secret | None = None, body: object = None
    ) -> tuple[int, dict[str, object]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - http(s) checked in check_url
            self.url + path, data=data, method=method
        )
        if token is not None:
            request.add_header("X-Vault-Token", token.reveal())
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(  # noqa: S310  # nosec B310 - http(s) only, checked in check_url
                request, timeout=self.timeout, context=self.context
            ) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def token(self, token: Secret) -> str:
        """live / dead / unknown (reason) for a token."""
        key = ("token", token.fingerprint)
        if key not in self._seen:
            self._seen[key] = self._ask(self._token, token)
        return self._seen[key]

    def approle(self, role_id: Secret, secret_id: Secret) -> str:
        """live / dead / unknown (reason) for a role_id/secret_id pair."""
        key = ("approle", role_id.fingerprint, secret_id.fingerprint)
        if key not in self._seen:
            self._seen[key] = self._ask(self._approle, role_id, secret_id)
        return self._seen[key]

    def _ask(self, fn, *args: Secret) -> str:  # type: ignore[no-untyped-def]
        try:
            return fn(*args)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            return f"{UNKNOWN} ({reason})"

    def _token(self, token: Secret) -> str:
        status, _ = self._request("GET", "/v1/auth/token/lookup-self", token)
        return _verdict(status, dead=(403,))

    def _approle(self, role_id: Secret, secret_id: Secret) -> str:
        body = {"role_id": role_id.reveal(), "secret_id": secret_id.reveal()}
        status, answer = self._request("POST", "/v1/auth/approle/login", body=body)
        verdict = _verdict(status, dead=(400, 403))
        issued = (answer.get("auth") or {}).get("client_token") if status == 200 else None  # type: ignore[union-attr]
        if isinstance(issued, str) and issued:
            try:  # verification must not leave a working token behind
                self._request("POST", "/v1/auth/token/revoke-self", Secret(issued))
            except (urllib.error.URLError, OSError):
                verdict += " (its login token could not be revoked)"
        return verdict


def _json(raw: bytes) -> dict[str, object]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _verdict(status: int, dead: Iterable[int]) -> str:
    if status == 200:
        return LIVE
    if status in dead:
        return DEAD
    return f"{UNKNOWN} (HTTP {status})"

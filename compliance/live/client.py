"""The only way live mode talks to the server: reads, lists, and one lookup.

There is deliberately no method that writes. Every call is recorded (operation and
path) so that a report, and a test reading the server's audit log, can show that
the run only read. ``auth/token/lookup-accessor`` is the one POST: Vault serves
that lookup only as an update operation, though it changes nothing
(``internal/vault/token_store.go``); it is needed to tell root tokens from others.

Answers are never exceptions: a denied path (403), a missing one (404), a server
error or a network failure is an :class:`Answer` whose ``why`` the checks turn
into a finding saying what could not be checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from vault_gate.compliance.secret import Secret

TIMEOUT_S = 10
# The one POST, and why it is not a write: see the module doc.
LOOKUP_BY_POST = "auth/token/lookup-accessor"


@dataclass(frozen=True)
class Answer:
    """What the server answered to one request."""

    operation: str  # "read", "list" or "update" (the lookup), as the audit log names it
    path: str
    status: int | None  # None: no HTTP answer (network or TLS failure)
    body: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def denied(self) -> bool:
        return self.status == 403

    @property
    def missing(self) -> bool:
        return self.status == 404

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("data")
        return data if isinstance(data, dict) else {}

    @property
    def why(self) -> str:
        """Why the answer holds nothing, in words a reviewer can act on."""
        if self.status is None:
            return f"no answer ({self.error})"
        if self.denied:
            return (
                "403: permission denied (the gate's token may not; see vault/policies/auditor.hcl)"
            )
        if self.missing:
            return "404: not found"
        detail = f": {self.error}" if self.error else ""
        return f"HTTP {self.status}{detail}"

    def not_checked(self, what: str) -> str:
        """The finding for a check that could not look: ``what`` and the reason."""
        return f"not checked: {what}: {self.operation} {self.path} answered {self.why}"


def network_error(exc: requests.RequestException) -> str:
    """What went wrong below HTTP, in words (the first of them stable, for tests):
    ``TLS: ...``, ``connection refused``, ``timed out``, or the exception's type."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        if "WRONG_VERSION_NUMBER" in text.upper() or "record layer failure" in text:
            return "TLS: the server does not speak TLS on this port; use http://"
        if "CERTIFICATE_VERIFY_FAILED" in text.upper():
            why = text.split("certificate verify failed:", 1)[-1].split(")", 1)[0].strip()
            return f"TLS verification failed ({why or 'certificate not trusted'})"
        return "TLS verification failed"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError):
        for marker, words in (
            ("Connection refused", "connection refused"),
            ("Name or service not known", "host name not found"),
            ("nodename nor servname", "host name not found"),
            ("No route to host", "no route to host"),
            ("Connection reset", "connection reset"),
        ):
            if marker in text:
                return words
        return "connection failed"
    return type(exc).__name__


class ReadOnlyVault:
    """A Vault/OpenBao HTTP API client that can read and list, nothing else."""

    def __init__(
        self,
        addr: str,
        token: Secret | None,
        *,
        verify: str | bool = True,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.addr = addr.rstrip("/")
        self._token = token
        self.verify = verify
        self.timeout = timeout
        self.requests: list[tuple[str, str]] = []
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy or netrc from the environment

    def _call(
        self, method: str, operation: str, path: str, *, params=None, json=None, auth=True
    ) -> Answer:  # type: ignore[no-untyped-def]
        path = path.strip("/") + ("/" if operation == "list" else "")  # as the server logs it
        headers = {"X-Vault-Request": "true"}
        if auth and self._token is not None:
            headers["X-Vault-Token"] = self._token.reveal()
        self.requests.append((operation, path))
        try:
            response = self._session.request(
                method,
                f"{self.addr}/v1/{path}",
                params=params,
                json=json,
                headers=headers,
                verify=self.verify,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return Answer(operation, path, None, error=network_error(exc))
        text = ""
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
            text = response.text[:200].strip()
        if not isinstance(body, dict):
            body = {}
        errors = body.get("errors")
        error = "; ".join(str(e) for e in errors) if isinstance(errors, list) else text
        return Answer(operation, path, response.status_code, body, error[:300])

    def read(self, path: str, params: dict[str, str] | None = None, *, auth: bool = True) -> Answer:
        """GET ``/v1/<path>``: a read (``auth=False`` for sys/health and friends)."""
        return self._call("GET", "read", path, params=params, auth=auth)

    def list(self, path: str) -> Answer:
        """LIST ``/v1/<path>`` (as ``GET ?list=true``, which Vault logs as a list)."""
        return self._call("GET", "list", path, params={"list": "true"})

    def lookup_accessor(self, accessor: str) -> Answer:
        """Look a token up by its accessor (policies, display name); see the module doc."""
        return self._call("POST", "update", LOOKUP_BY_POST, json={"accessor": accessor})

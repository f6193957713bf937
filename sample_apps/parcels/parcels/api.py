"""The HTTP API, on the standard library's threading HTTP server.

* ``POST /login`` ``{"user", "password"}`` -> ``{"token": ...}``;
* ``GET /parcels`` with ``X-Parcels-Token: <token>`` -> a JSON list of the caller's
  parcels (the newest 100), each ``{"id", "label", "status", "created_at"}``;
* ``POST /parcels`` ``{"label"}`` with the token -> 201 and the new parcel;
* ``GET /healthz`` -> 200 ``{"status": "ready", "key_version": N}`` once Vault and the
  database answer: N is the version of the signing key it serves.

Tokens are signed with the KV entry's ``signing_key`` (parcels/tokens.py). A token of
the previous key version is accepted for PARCELS_GRACE_S seconds after the new version
was created in Vault (its ``created_time``), then refused.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg

from parcels import tokens
from parcels.passwords import check_password
from parcels.store import Store
from parcels.vault import VaultSession, VaultUnavailable

log = logging.getLogger("parcels.api")
HEADER = "X-Parcels-Token"
LIFETIME_S = 900
MAX_BODY = 16 * 1024


class Refused(Exception):
    """401 with a reason (never a token or a key)."""


class Service:
    """What the handler needs: the Vault session and the store."""

    def __init__(self, vault: VaultSession, store: Store) -> None:
        self.vault, self.store = vault, store

    def ring(self) -> tokens.KeyRing:
        path = self.vault.config.keys_entry
        entry = self.vault.kv(path)

        def previous() -> str:
            try:
                return self.vault.kv(path, entry.version - 1).data["signing_key"]
            except (VaultUnavailable, KeyError):
                raise tokens.TokenRefused("the previous key is no longer available") from None

        return tokens.KeyRing(
            current_version=entry.version,
            current_key=entry.data["signing_key"],
            current_created=entry.created,
            previous=previous,
            grace_s=self.vault.config.grace_s,
        )

    def login(self, body: dict[str, Any]) -> dict[str, Any]:
        user, password = body.get("user"), body.get("password")
        if not isinstance(user, str) or not isinstance(password, str):
            raise ValueError("user and password are required")
        row = self.store.user(user)
        if row is None or not check_password(row["password_hash"], password):
            log.info("refused a login for %r", user[:64])
            raise Refused("unknown user or wrong password")
        entry = self.vault.kv(self.vault.config.keys_entry)
        token = tokens.sign(entry.data["signing_key"], entry.version, user, "access", LIFETIME_S)
        log.info("login for %r (key version %d)", user[:64], entry.version)
        return {"token": token, "expires_in": LIFETIME_S}

    def owner(self, token: str) -> str:
        if not token:
            raise Refused(f"the {HEADER} header is required")
        try:
            return tokens.verify(token.strip(), "access", self.ring()).subject
        except tokens.TokenRefused as exc:
            raise Refused(str(exc)) from None

    def health(self) -> dict[str, Any]:
        version = self.vault.kv(self.vault.config.keys_entry).version
        self.vault.kv(self.vault.config.settings_entry)
        self.store.ping()
        return {"status": "ready", "stage": self.vault.config.stage, "key_version": version}


def _parcel(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "label": row["label"],
        "status": row["status"],
        "created_at": row["created_at"].isoformat(),
    }


class Handler(BaseHTTPRequestHandler):
    service: Service  # set on the class by make_server
    server_version = "parcels"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        body = json.loads(self.rfile.read(length) or b"{}")
        if not isinstance(body, dict):
            raise ValueError("a JSON object is expected")
        return body

    def _handle(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        svc = self.service
        try:
            if method == "GET" and path == "/healthz":
                self._send(200, svc.health())
            elif method == "POST" and path == "/login":
                self._send(200, svc.login(self._json()))
            elif path == "/parcels" and method == "GET":
                owner = svc.owner(self.headers.get(HEADER, ""))
                self._send(200, [_parcel(r) for r in svc.store.parcels(owner)])
            elif path == "/parcels" and method == "POST":
                owner = svc.owner(self.headers.get(HEADER, ""))
                label = self._json().get("label")
                if not isinstance(label, str) or not label:
                    raise ValueError("label (text) is required")
                self._send(201, _parcel(svc.store.add(owner, label[:120])))
            else:
                self._send(404, {"error": "not found"})
        except Refused as exc:
            self._send(401, {"error": str(exc)})
        except (ValueError, json.JSONDecodeError) as exc:
            self._send(400, {"error": str(exc)[:200]})
        except (VaultUnavailable, psycopg.Error) as exc:
            reason = str(exc) if isinstance(exc, VaultUnavailable) else type(exc).__name__
            log.error("%s %s: backend unavailable: %s", method, path, reason)
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "a backend is unavailable"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


def make_server(host: str, port: int, service: Service) -> ThreadingHTTPServer:
    handler = type("ParcelsHandler", (Handler,), {"service": service})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server

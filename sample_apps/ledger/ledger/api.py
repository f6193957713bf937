"""The HTTP API (Falcon): sessions, entries, the caller's account, health.

* ``POST /api/v1/sessions`` ``{"handle", "passphrase"}`` -> ``{"data": {"access_token", ...}}``
  and a ``ledger_sid`` cookie;
* ``GET /api/v1/entries`` and ``POST /api/v1/entries`` with ``Authorization: Bearer``;
* ``GET /api/v1/me`` with the ``ledger_sid`` cookie alone;
* ``GET /healthz``: 200 once Vault and the database answer, with the KV versions served.

Access tokens are signed with the KV entry's ``signing_key``, cookies with its
``cookie_key`` (ledger/tokens.py); both follow a rotation within the cache TTL.
"""

from __future__ import annotations

import logging
from typing import Any

import falcon
import psycopg

from ledger import tokens
from ledger.passwords import check_passphrase
from ledger.store import Store
from ledger.vault import VaultSession, VaultUnavailable

log = logging.getLogger("ledger.api")
COOKIE = "ledger_sid"
DEFAULT_LIFETIME_S = 900


class Keys:
    """The keys of the app's KV entry (signing_key, cookie_key), read through the cache."""

    def __init__(self, vault: VaultSession) -> None:
        self.vault = vault

    def lifetime_s(self) -> int:
        settings = self.vault.kv(self.vault.config.settings_entry).data
        return int(settings.get("token_lifetime_s", DEFAULT_LIFETIME_S))

    def current(self, name: str) -> tuple[int, str]:
        entry = self.vault.kv(self.vault.config.app_entry)
        return entry.version, entry.data[name]

    def ring(self, name: str) -> tokens.KeyRing:
        path = self.vault.config.app_entry
        entry = self.vault.kv(path)

        def previous() -> str:
            try:
                return self.vault.kv(path, entry.version - 1).data[name]
            except (VaultUnavailable, KeyError):  # deleted or destroyed: nothing to accept
                raise tokens.TokenRefused("the previous key is no longer available") from None

        return tokens.KeyRing(
            current_version=entry.version,
            current_key=entry.data[name],
            current_created=entry.created,
            previous=previous,
            grace_s=self.vault.config.grace_s,
        )


def _refuse(reason: str) -> falcon.HTTPUnauthorized:
    return falcon.HTTPUnauthorized(
        title="unauthorized", description=reason, headers={"WWW-Authenticate": "Bearer"}
    )


class Sessions:
    def __init__(self, store: Store, keys: Keys) -> None:
        self.store, self.keys = store, keys

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = req.get_media(default_when_empty={})
        handle, passphrase = body.get("handle"), body.get("passphrase")
        if not isinstance(handle, str) or not isinstance(passphrase, str):
            raise falcon.HTTPBadRequest(description="handle and passphrase are required")
        account = self.store.account(handle)
        if account is None or not check_passphrase(account["passphrase_hash"], passphrase):
            log.info("refused a session for %r", handle[:64])
            raise _refuse("unknown handle or wrong passphrase")
        lifetime = self.keys.lifetime_s()
        version, key = self.keys.current("signing_key")
        access = tokens.sign(key, version, handle, "access", lifetime)
        cookie_version, cookie_key = self.keys.current("cookie_key")
        sid = tokens.sign(cookie_key, cookie_version, handle, "session", lifetime)
        resp.set_cookie(
            COOKIE,
            sid,
            max_age=lifetime,
            path="/api",
            secure=False,
            http_only=True,
            same_site="Strict",
        )
        resp.media = {
            "data": {"access_token": access, "token_type": "Bearer", "expires_in": lifetime}
        }
        log.info("session opened for %r (key version %d)", handle[:64], version)


def _bearer(req: falcon.Request, keys: Keys) -> str:
    header = req.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _refuse("a Bearer token is required")
    try:
        return tokens.verify(token.strip(), "access", keys.ring("signing_key")).subject
    except tokens.TokenRefused as exc:
        raise _refuse(str(exc)) from None


class Entries:
    def __init__(self, store: Store, keys: Keys) -> None:
        self.store, self.keys = store, keys

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        handle = _bearer(req, self.keys)
        rows = self.store.entries(handle)
        resp.media = {"data": [_entry(r) for r in rows], "meta": {"count": len(rows)}}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        handle = _bearer(req, self.keys)
        body = req.get_media(default_when_empty={})
        amount, memo = body.get("amount_cents"), body.get("memo", "")
        if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(memo, str):
            raise falcon.HTTPBadRequest(description="amount_cents (integer) and memo (text)")
        resp.media = {"data": _entry(self.store.post(handle, amount, memo[:200]))}
        resp.status = falcon.HTTP_201


class Me:
    def __init__(self, store: Store, keys: Keys) -> None:
        self.store, self.keys = store, keys

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        sid = req.get_cookie_values(COOKIE)
        if not sid:
            raise _refuse("no session cookie")
        try:
            handle = tokens.verify(sid[0], "session", self.keys.ring("cookie_key")).subject
        except tokens.TokenRefused as exc:
            raise _refuse(str(exc)) from None
        account = self.store.account(handle)
        if account is None:
            raise _refuse("the account is gone")
        resp.media = {"data": {"handle": handle, "since": account["created_at"].isoformat()}}


class Health:
    def __init__(self, store: Store, vault: VaultSession) -> None:
        self.store, self.vault = store, vault

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        cfg = self.vault.config
        versions = {}
        for path in (cfg.app_entry, cfg.settings_entry):
            versions[path] = {"version": self.vault.kv(path).version}
        self.store.ping()
        resp.media = {"status": "ready", "stage": cfg.stage, "versions": versions}


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "amount_cents": row["amount_cents"],
        "memo": row["memo"],
        "posted_at": row["posted_at"].isoformat(),
    }


def _unavailable(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
    """503, logged by kind only: a driver's message may quote more than it should."""
    reason = str(exc) if isinstance(exc, VaultUnavailable) else type(exc).__name__
    log.error("%s %s: backend unavailable: %s", req.method, req.path, reason)
    raise falcon.HTTPServiceUnavailable(description="a backend is unavailable")


def create_app(vault: VaultSession, store: Store) -> falcon.App:
    keys = Keys(vault)
    app = falcon.App()
    app.add_route("/api/v1/sessions", Sessions(store, keys))
    app.add_route("/api/v1/entries", Entries(store, keys))
    app.add_route("/api/v1/me", Me(store, keys))
    app.add_route("/healthz", Health(store, vault))
    app.add_error_handler(VaultUnavailable, _unavailable)
    app.add_error_handler(psycopg.Error, _unavailable)
    return app

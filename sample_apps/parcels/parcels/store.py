"""The parcels, through a dynamic PostgreSQL login that Vault may revoke at any time.

A rotation revokes the app's database lease: Vault ends its sessions and drops its
role. The next query then fails (connection closed, or, for a session opened during
the revocation, "permission denied"); the store fetches a new login from Vault,
reconnects and runs the query once more. A login close to the end of its lease is
replaced before use.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
import psycopg.errors
from psycopg.rows import dict_row

from parcels.vault import DatabaseLogin, VaultSession

log = logging.getLogger("parcels.store")
T = TypeVar("T")
RENEW_BEFORE_S = 30.0
CONNECT_TIMEOUT_S = 5


class Store:
    def __init__(self, vault: VaultSession) -> None:
        self.vault = vault
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[dict[str, Any]] | None = None
        self._login: DatabaseLogin | None = None

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        settings = self.vault.kv(self.vault.config.settings_entry).data
        self._login = self.vault.database_login()
        conn = psycopg.connect(
            host=settings["db_host"],
            port=int(settings["db_port"]),
            dbname=settings["db_name"],
            user=self._login.username,
            password=self._login.password,
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=True,
            row_factory=dict_row,
        )
        log.info("connected to database %s as %s", settings["db_name"], self._login.username)
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn, self._login = None, None

    def run(self, work: Callable[[psycopg.Connection[dict[str, Any]]], T]) -> T:
        """``work(conn)``; on a lost or revoked login: a new login, a new connection, once more."""
        with self._lock:
            for attempt in (1, 2):
                stale = (
                    self._login is not None
                    and self._login.expires - time.monotonic() < RENEW_BEFORE_S
                )
                if self._conn is None or self._conn.closed or stale:
                    self._drop()
                    self._conn = self._connect()
                try:
                    return work(self._conn)
                except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege) as exc:
                    if attempt == 2:
                        raise
                    log.warning(
                        "database login %s stopped working (%s); getting a new one",
                        self._login.username if self._login else "?",
                        type(exc).__name__,
                    )
                    self._drop()
            raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ queries
    def user(self, name: str) -> dict[str, Any] | None:
        return self.run(
            lambda c: c.execute(
                "SELECT name, password_hash FROM parcels.users WHERE name = %s", (name,)
            ).fetchone()
        )

    def parcels(self, owner: str, limit: int = 100) -> list[dict[str, Any]]:
        return self.run(
            lambda c: c.execute(
                "SELECT id, label, status, created_at FROM parcels.parcels "
                "WHERE owner = %s ORDER BY id DESC LIMIT %s",
                (owner, limit),
            ).fetchall()
        )

    def add(self, owner: str, label: str) -> dict[str, Any]:
        row = self.run(
            lambda c: c.execute(
                "INSERT INTO parcels.parcels (owner, label) VALUES (%s, %s) "
                "RETURNING id, label, status, created_at",
                (owner, label),
            ).fetchone()
        )
        assert row is not None
        return row

    def ping(self) -> None:
        self.run(lambda c: c.execute("SELECT 1").fetchone())

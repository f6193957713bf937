"""The app's database access: a connection pool per database login.

Logins are dynamic (Vault's database engine), so they end: a lease expires, or an
operator revokes it during rotation, which drops the role and ends its sessions.
A query that fails because its login is gone gets one retry on a new login, with a
fresh pool; a query that fails for any other reason is not retried. Each unit of
work is one transaction, so a failure never leaves half an order behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from store_erp.config import DatabaseTarget, SecretSource

log = logging.getLogger("store_erp.db")
T = TypeVar("T")

POOL_MAX = 4
MAX_POOL_SWAPS = 5
CONNECT_TIMEOUT_S = 3


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used right now; the message says why (never a password)."""


# What PostgreSQL says to a login that was dropped (lease revoked or expired).
_LOGIN_REFUSED = ("password authentication failed",)


class Database:
    def __init__(self, source: SecretSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._pool: ConnectionPool | None = None
        self._generation: int | None = None

    @property
    def generation(self) -> int | None:
        return self._generation

    def _pool_for(
        self, target: DatabaseTarget, *, broken: ConnectionPool | None = None
    ) -> ConnectionPool:
        """The pool for ``target``'s login. ``broken`` is a pool whose connection just
        failed: it is replaced, unless another thread already did (replacing it again
        would close the pool that thread is about to use)."""
        with self._lock:
            current = self._pool is not None and self._generation == target.generation
            if current and (broken is None or self._pool is not broken):
                return self._pool
            old, self._pool = (
                self._pool,
                ConnectionPool(
                    kwargs=_connect_kwargs(target),
                    min_size=1,
                    max_size=POOL_MAX,
                    timeout=CONNECT_TIMEOUT_S,
                    open=True,
                    name=f"store-erp-gen{target.generation}",
                ),
            )
            self._generation = target.generation
            log.info("db: new connection pool for login generation %d", target.generation)
        if old is not None:
            old.close(timeout=0)
        return self._pool

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run ``work`` in one transaction. If the connection fails, find out why before
        retrying once: a dropped login gets a new lease and a fresh pool, a broken pooled
        connection a fresh pool, and a database that is down a DatabaseUnavailable (asking
        Vault for logins while PostgreSQL is down would only pile up leases)."""
        stale: int | None = None
        broken: ConnectionPool | None = None
        attempt = 0
        swaps = 0
        while True:
            target = self._source.database(stale_generation=stale)
            pool = self._pool_for(target, broken=broken)
            try:
                with pool.connection() as conn, conn.transaction():
                    return work(conn)
            except PoolClosed:
                # Another thread replaced the pool between our taking it and asking it for
                # a connection (no work was started): take the new one, a bounded few times.
                swaps += 1
                if swaps > MAX_POOL_SWAPS:
                    raise DatabaseUnavailable(
                        f"database {target.dbname}@{target.host}:{target.port}: "
                        "connection pools replaced faster than they could be used"
                    ) from None
                broken = None
                continue
            except (psycopg.OperationalError, PoolTimeout) as exc:
                verdict, reason = _diagnose(target)
                if verdict == "down" or attempt == 1:
                    raise DatabaseUnavailable(
                        f"database {target.dbname}@{target.host}:{target.port}: "
                        f"{reason or type(exc).__name__ + ': ' + _describe(exc)}"
                    ) from None
                log.info(
                    "db: %s (%s); retrying on a fresh pool%s",
                    type(exc).__name__,
                    verdict,
                    " and a new login" if verdict == "login gone" else "",
                )
                stale = target.generation if verdict == "login gone" else None
                broken = pool
                attempt += 1

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close(timeout=1)
                self._pool = None


def _connect_kwargs(target: DatabaseTarget) -> dict[str, object]:
    return {
        "host": target.host,
        "port": target.port,
        "dbname": target.dbname,
        "user": target.user,
        "password": target.password.reveal(),
        "connect_timeout": CONNECT_TIMEOUT_S,
    }


def _diagnose(target: DatabaseTarget) -> tuple[str, str]:
    """One direct connection attempt: ("ok" | "login gone" | "down", PostgreSQL's reason)."""
    try:
        with psycopg.connect(**_connect_kwargs(target)):  # type: ignore[arg-type]
            return "ok", ""
    except psycopg.OperationalError as exc:
        reason = _describe(exc)
        if any(m in reason.lower() for m in _LOGIN_REFUSED):
            return "login gone", reason
        return "down", reason


def _describe(exc: BaseException) -> str:
    """PostgreSQL's message, first line only (it names roles, not passwords)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""

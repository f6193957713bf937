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
from psycopg_pool import ConnectionPool, PoolTimeout

from store_erp.config import DatabaseTarget, SecretSource

log = logging.getLogger("store_erp.db")
T = TypeVar("T")

POOL_MAX = 4
CONNECT_TIMEOUT_S = 3


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used right now; the message says why (never a password)."""


def _login_gone(exc: BaseException) -> bool:
    """Errors after which a new login may help: auth refused, session terminated, pool dry."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, psycopg.OperationalError):
        return True
    return isinstance(exc, psycopg.errors.InvalidAuthorizationSpecification)


class Database:
    def __init__(self, source: SecretSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._pool: ConnectionPool | None = None
        self._generation: int | None = None

    @property
    def generation(self) -> int | None:
        return self._generation

    def _pool_for(self, target: DatabaseTarget) -> ConnectionPool:
        with self._lock:
            if self._pool is not None and self._generation == target.generation:
                return self._pool
            old, self._pool = (
                self._pool,
                ConnectionPool(
                    kwargs={
                        "host": target.host,
                        "port": target.port,
                        "dbname": target.dbname,
                        "user": target.user,
                        "password": target.password.reveal(),
                        "connect_timeout": CONNECT_TIMEOUT_S,
                    },
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
        """Run ``work`` in one transaction; on a lost login, once more on a new one."""
        stale: int | None = None
        for attempt in range(2):
            target = self._source.database(stale_generation=stale)
            pool = self._pool_for(target)
            try:
                with pool.connection() as conn, conn.transaction():
                    return work(conn)
            except Exception as exc:
                if not _login_gone(exc):
                    raise  # bad data, a constraint: the caller's problem, not the login's
                if attempt == 1:
                    raise DatabaseUnavailable(
                        f"database {target.dbname}@{target.host}:{target.port}: "
                        f"{type(exc).__name__}: {_describe(exc)}"
                    ) from None
                log.info(
                    "db: login generation %d refused (%s); getting a new one",
                    target.generation,
                    type(exc).__name__,
                )
                stale = target.generation
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close(timeout=1)
                self._pool = None


def _describe(exc: BaseException) -> str:
    """PostgreSQL's message, first line only (it names roles, not passwords)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""

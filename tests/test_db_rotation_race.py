"""store_erp.db when a login is revoked mid-request, on the real servers.

Vault revokes a database lease with the revocation statements in one transaction: it
ends the login's sessions, then drops the role, then commits. Between the two, the login
still works. Under the rotation-under-load scenario at ~1700 requests a request used to
fail there with a 503 naming the revoked role: its login was diagnosed "ok" and retried
on the same login, or refused in a way not taken for "login gone" ('role "..." does not
exist', 'permission denied for database'); a session opened in the window outlived the
drop and answered "permission denied for schema" (a 500). Here the window is held open
on purpose: the test runs the revocation transaction (the statements Vault runs) and
commits it at the moment that provokes each case.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

import store_erp.db as store_db
from store_erp.config import VaultSource
from store_erp.db import Database, DatabaseUnavailable, login_refused
from store_erp.vault_client import VaultClient, VaultSettings
from vault_gate.compliance.secret import assert_no_leak
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.process import wait_until
from vault_gate.fixtures.run.world import World

pytestmark = pytest.mark.servers

COUNT_ORDERS = "SELECT count(*) FROM store.orders"
END_SESSIONS = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s"


def _database(world: World, tmp_path: Path) -> tuple[Database, VaultClient]:
    """The app's Database on the dev environment's Vault and PostgreSQL, in this process."""
    env = world.env("dev")
    settings = VaultSettings(
        addr=env.server.addr,
        role_id=env.role_id,
        secret_id_file=write_private(tmp_path / "secret-id", env.new_secret_id()),
        ca_file=str(env.server.ca_file) if env.server.ca_file else None,
    )
    client = VaultClient(settings)
    client.login()
    return Database(VaultSource(client, env.profile)), client


def _begin_revocation(world: World, dbname: str, user: str) -> psycopg.Connection:
    """Vault's revocation statements for ``user``, in a transaction left open: the
    login's sessions are ended, the drop is not committed yet."""
    assert world.pg is not None
    revoker = world.pg.connect(dbname)
    revoker.execute(END_SESSIONS, (user,))
    revoker.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
    # pg_terminate_backend only signals: wait until the sessions have really ended, and
    # end those the pool opened meanwhile (it grows in the background), so that the test
    # knows which sessions exist in the window: none
    with world.pg.connect(dbname, autocommit=True) as watcher:
        wait_until(
            lambda: not watcher.execute(END_SESSIONS, (user,)).fetchall(),
            10,
            "the revoked login's sessions ended",
        )
    return revoker


def test_login_revoked_while_its_failure_is_diagnosed_gets_a_new_login(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, client = _database(world, tmp_path)
    env = world.env("dev")
    try:
        assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        first = db.generation
        lease = client.database_credentials(env.profile.database_role)
        revoker = _begin_revocation(world, env.profile.database_name, lease.username)

        verdicts: list[str] = []
        diagnose = store_db._diagnose

        def diagnose_then_commit(target):  # type: ignore[no-untyped-def]
            verdict, reason = diagnose(target)
            verdicts.append(verdict)
            if not revoker.closed:
                revoker.commit()  # the drop commits right after the app looked
                revoker.close()
            return verdict, reason

        monkeypatch.setattr(store_db, "_diagnose", diagnose_then_commit)
        try:
            assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        except DatabaseUnavailable as exc:
            assert_no_leak(str(exc), [lease.password], "DatabaseUnavailable")
            pytest.fail(f"request failed after its login was revoked (verdicts {verdicts}): {exc}")
        finally:
            revoker.close()
        # The race was hit: the login still worked when first diagnosed, then was gone.
        assert verdicts == ["ok", "login gone"]
        assert first is not None and db.generation == first + 1
    finally:
        db.close()


def test_a_session_opened_while_its_login_was_dropped_is_replaced(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session opened inside the window outlives the drop, without the login's
    privileges: the next request on it gets "permission denied", which here means
    "login gone", and gets a new login instead of a pool that refuses every request."""
    db, client = _database(world, tmp_path)
    env = world.env("dev")
    try:
        assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        first = db.generation
        lease = client.database_credentials(env.profile.database_role)
        revoker = _begin_revocation(world, env.profile.database_name, lease.username)
        verdicts: list[str] = []
        diagnose = store_db._diagnose

        def recorded(target):  # type: ignore[no-untyped-def]
            verdict, reason = diagnose(target)
            verdicts.append(verdict)
            return verdict, reason

        def commit_revocation(conn: psycopg.Connection) -> object:
            # first called on the retry's fresh session, opened while the drop was
            # uncommitted; its transaction began before the commit, so PostgreSQL may or
            # may not refuse this very query
            if not revoker.closed:
                revoker.commit()
                revoker.close()
            return conn.execute(COUNT_ORDERS).fetchone()

        monkeypatch.setattr(store_db, "_diagnose", recorded)
        try:
            assert db.run(commit_revocation) is not None
        finally:
            revoker.close()
        assert verdicts[0] == "ok"
        # the next request lands on the session that outlived its login, if still there
        assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        assert verdicts == ["ok", "login gone"]
        assert first is not None and db.generation == first + 1
    finally:
        db.close()


def test_a_privilege_the_login_never_had_is_not_retried(world: World, tmp_path: Path) -> None:
    """A real "permission denied" (the login is fine) is raised as it is, on the same login."""
    db, _ = _database(world, tmp_path)
    try:
        assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        first = db.generation
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.run(lambda c: c.execute("SELECT rolpassword FROM pg_authid").fetchone())
        assert db.generation == first
    finally:
        db.close()


def test_a_login_gone_twice_is_not_retried_forever(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded: every session ends itself, every login is dropped once diagnosed; after one
    fresh-pool retry and one new-login retry the request fails, naming the database."""
    db, client = _database(world, tmp_path)
    env = world.env("dev")
    role = env.profile.database_role
    try:
        assert db.run(lambda c: c.execute(COUNT_ORDERS).fetchone()) is not None
        first = client.database_credentials(role).generation
        diagnose = store_db._diagnose
        diagnosed: list[str] = []

        def drop_every_login(target):  # type: ignore[no-untyped-def]
            verdict, reason = diagnose(target)
            diagnosed.append(verdict)
            _begin_revocation(world, env.profile.database_name, target.user).commit()
            return verdict, reason

        monkeypatch.setattr(store_db, "_diagnose", drop_every_login)
        with pytest.raises(DatabaseUnavailable, match=f"database {env.profile.database_name}@"):
            db.run(lambda c: c.execute("SELECT pg_terminate_backend(pg_backend_pid())"))
        assert diagnosed == ["ok", "login gone", "ok"]
        assert client.database_credentials(role).generation == first + 1  # one new login
    finally:
        db.close()


@pytest.mark.parametrize(
    ("reason", "gone"),
    [
        ('connection failed: FATAL:  password authentication failed for user "v-x"', True),
        ('connection failed: FATAL:  role "v-approle-store-er-abc-17959" does not exist', True),
        ('connection failed: FATAL:  permission denied for database "store_erp_prod"', True),
        ('connection failed: FATAL:  database "store_erp_production" does not exist', False),
        ("connection failed: Connection refused", False),
        ("connection failed: FATAL:  the database system is shutting down", False),
    ],
)
def test_login_refused_tells_a_dropped_login_from_an_outage(reason: str, gone: bool) -> None:
    assert login_refused(reason) is gone

"""The two database-login checks of least_privilege (compliance/checks/database_access.py)
on a real PostgreSQL cluster: the admin password handed to a set-up must be refused
afterwards, and a login of one environment must be refused by the others' databases."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from psycopg import sql

from vault_gate.compliance.checks.database_access import (
    DatabaseLogin,
    check_admin_password_retired,
    check_logins_stay_in_their_environment,
)
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers.binaries import resolve_pg_bindir
from vault_gate.fixtures.servers.postgres import PostgresServer, start_postgres


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    reaper = Reaper()
    server = start_postgres(resolve_pg_bindir(), reaper, tmp_path_factory.mktemp("pg"))
    try:
        with server.connect(autocommit=True) as conn:
            for db in ("acc_dev", "acc_prod", "acc_open"):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
            for db in ("acc_dev", "acc_prod"):
                conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(db)))  # fmt: skip
        yield server
    finally:
        server.stop()
        reaper.close()


def _login(pg: PostgresServer, name: str, db: str) -> Secret:
    password = Secret(secrets.token_urlsafe(16))
    with pg.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password.reveal())))  # fmt: skip
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(db), sql.Identifier(name)))  # fmt: skip
    return password


@pytest.mark.servers
def test_a_handed_over_password_still_working_is_a_finding(pg: PostgresServer) -> None:
    password = _login(pg, "acc_admin_dev", "acc_dev")
    still = check_admin_password_retired("dev", pg.host, pg.port, "acc_dev", "acc_admin_dev",
                                         password)  # fmt: skip
    assert not still.passed and "never had Vault rotate it" in still.findings[0]
    with pg.connect(autocommit=True) as conn:  # what rotate-root does: a password only Vault knows
        conn.execute(sql.SQL("ALTER ROLE acc_admin_dev PASSWORD {}").format(
            sql.Literal(secrets.token_urlsafe(16))))  # fmt: skip
    rotated = check_admin_password_retired("dev", pg.host, pg.port, "acc_dev", "acc_admin_dev",
                                           password)  # fmt: skip
    assert rotated.passed, rotated.explain()
    assert password.reveal() not in still.explain() + rotated.explain()


@pytest.mark.servers
def test_a_login_that_reaches_another_environments_database_is_a_finding(
    pg: PostgresServer,
) -> None:
    password = _login(pg, "v-app-dev-1", "acc_dev")
    login = DatabaseLogin("v-app-dev-1", password, "database/creds/app-dev")
    kept = check_logins_stay_in_their_environment("dev", pg.host, pg.port, login,
                                                  {"prod": "acc_prod"})  # fmt: skip
    assert kept.passed, kept.explain()
    assert "refused" in kept.evidence[0].found
    open_db = check_logins_stay_in_their_environment("dev", pg.host, pg.port, login,
                                                     {"prod": "acc_open"})  # fmt: skip
    assert not open_db.passed
    assert "database/creds/app-dev" in open_db.findings[0]
    assert "v-app-dev-1" in open_db.findings[0] and "acc_open" in open_db.findings[0]
    assert password.reveal() not in open_db.explain()

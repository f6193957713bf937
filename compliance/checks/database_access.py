"""Who can still log in to the environments' databases: two least-privilege checks.

* **The handed-over admin password is dead.** The harness gives the set-up a fresh
  password for the role Vault's database engine connects as; a set-up that never has
  Vault rotate it (``rotate-root``) leaves a password outside Vault that opens the
  database with the power to create roles. It must be refused once the set-up is done.
* **A login stays in its environment.** A database login Vault issues for one
  environment must be refused by every other environment's database: a group role
  shared across stages on one cluster (or CONNECT left to PUBLIC) lets a dev login
  connect to the production database and read it.

Both try real logins against the real server (psycopg), and report the role and the
database by name, never a password (fingerprints only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import psycopg

from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

CRITERION = "least_privilege"
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class DatabaseLogin:
    """A login to try: its user and password, and what issued it (for the evidence)."""

    user: str
    password: Secret
    issued_by: str  # the Vault path that issued it, e.g. "database/creds/app-dev"


def _try(host: str, port: int, database: str, user: str, password: Secret) -> str | None:
    """None when the login works (a query answers); else why it was refused."""
    try:
        with psycopg.connect(
            host=host, port=port, dbname=database, user=user, password=password.reveal(),
            connect_timeout=CONNECT_TIMEOUT_S, autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        return _reason(exc)
    return None


def _reason(exc: psycopg.Error) -> str:
    """The server's refusal in a few words (its message names roles and databases only;
    kept to the first line, never the connection string)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for marker in ("FATAL:", "ERROR:"):
        if marker in text:
            text = text.split(marker, 1)[1].strip()
    return text[:200]


def check_admin_password_retired(
    environment: str,
    host: str,
    port: int,
    database: str,
    admin_user: str,
    handed_over: Secret,
) -> CheckResult:
    """The password the harness handed to the set-up for ``admin_user`` is refused now."""
    looked = f"{admin_user}@{host}:{port}/{database} with the password handed to the set-up"
    if not admin_user:
        return CheckResult(
            CRITERION, environment,
            (Evidence("database admin login", "the target names no [database] admin_role"),), (),
        )  # fmt: skip
    refused = _try(host, port, database, admin_user, handed_over)
    if refused is None:
        return CheckResult(
            CRITERION,
            environment,
            (Evidence(looked, f"logged in ({handed_over.fingerprint})"),),
            (
                f"the database admin password handed to the set-up still logs in as "
                f"{admin_user} to {database} ({handed_over.fingerprint}): the set-up never "
                "had Vault rotate it (rotate-root), so a copy outside Vault opens the database",
            ),
        )
    return CheckResult(CRITERION, environment, (Evidence(looked, f"refused: {refused}"),), ())


def check_logins_stay_in_their_environment(
    environment: str,
    host: str,
    port: int,
    login: DatabaseLogin,
    other_databases: Mapping[str, str],
) -> CheckResult:
    """``login`` (issued for ``environment``) is refused by each database of
    ``other_databases`` (environment -> database name)."""
    evidence, findings = [], []
    for other, database in other_databases.items():
        refused = _try(host, port, database, login.user, login.password)
        where = f"{login.issued_by}'s login {login.user} at {host}:{port}/{database} ({other})"
        if refused is None:
            evidence.append(Evidence(where, "logged in and queried"))
            findings.append(
                f"a database login Vault issued for {environment} ({login.issued_by}, role "
                f"{login.user}) reached {other}'s database {database}: a role or grant shared "
                "across environments"
            )
        else:
            evidence.append(Evidence(where, f"refused: {refused}"))
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

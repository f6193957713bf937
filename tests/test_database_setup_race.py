"""The environments' database set-up never races on cluster-wide objects.

Roles are cluster-wide in PostgreSQL. A team's set-up that creates one role shared by
every stage with check-then-create (``IF NOT EXISTS ... CREATE ROLE``) fails with a
duplicate key when two stages' set-ups run at once on one cluster. The harness runs
the environments' set-up one at a time per cluster (fixtures/servers/bootstrap.py's
``cluster_lock``); here three environments' set-ups start together on a real cluster.

No timing luck either way: each set-up checks, then says it has checked (a committed
cluster-wide marker role), then waits until every set-up has checked (or, when they
cannot all have because they run one at a time, for a bounded while) before it creates. Without
the lock every set-up has checked before any creates, so the race is certain; with it,
no two checks overlap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from vault_gate.compliance.profiles import PROFILES
from vault_gate.compliance.target import load_target
from vault_gate.fixtures.commands import TargetCommandError
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers import bootstrap
from vault_gate.fixtures.servers.binaries import resolve_pg_bindir
from vault_gate.fixtures.servers.postgres import PostgresServer, start_postgres

ENVS = ("dev", "staging", "prod")
BARRIER_S = 3  # how long a lone set-up waits for the others (only with the lock)

INIT_SH = """#!/usr/bin/env bash
set -euo pipefail
psql -X -q -v ON_ERROR_STOP=1 -v stage="$1" <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shared_monitor') AS missing \\gset
SELECT format('CREATE ROLE %I NOLOGIN', 'arrived_' || :'stage') \\gexec
\\if :missing
DO $$
DECLARE
  waited int := 0;
BEGIN
  WHILE (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'arrived\\_%') < 3
        AND waited < @BARRIER@ * 20 LOOP
    PERFORM pg_sleep(0.05);
    waited := waited + 1;
  END LOOP;
END
$$;
CREATE ROLE shared_monitor NOLOGIN;
\\endif
SQL
"""


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    reaper = Reaper()
    server = start_postgres(resolve_pg_bindir(), reaper, tmp_path_factory.mktemp("pg"))
    try:
        yield server
    finally:
        server.stop()
        reaper.close()


def _target(tmp_path: Path) -> Path:
    (tmp_path / "init.sh").write_text(INIT_SH.replace("@BARRIER@", str(BARRIER_S)))
    path = tmp_path / "target.toml"
    path.write_text(
        'name = "race"\nsource = []\ndocs = "docs"\nworkflows = []\n'
        '[database]\nname = "race_{tree}"\n'
        'command = { command = ["bash", "init.sh", "{tree}"] }\n'
    )
    return path


def _reset(pg: PostgresServer) -> None:
    with pg.connect(autocommit=True) as conn:
        for env in ENVS:
            conn.execute(f"DROP DATABASE IF EXISTS race_{PROFILES[env].tree}")
            conn.execute(f"DROP ROLE IF EXISTS arrived_{PROFILES[env].tree}")
        conn.execute("DROP ROLE IF EXISTS shared_monitor")


def _all_at_once(pg: PostgresServer, tmp_path: Path) -> list[BaseException | None]:
    target = load_target(_target(tmp_path))
    profiles = target.profiles()

    def one(env: str) -> BaseException | None:
        work = tmp_path / env
        work.mkdir()
        try:
            bootstrap.prepare_database(pg, target, profiles[env], work)
        except TargetCommandError as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=len(ENVS)) as pool:
        return list(pool.map(one, ENVS))


@pytest.mark.servers
def test_three_environments_set_up_at_once_on_one_cluster(
    pg: PostgresServer, tmp_path: Path
) -> None:
    _reset(pg)
    errors = _all_at_once(pg, tmp_path)
    assert errors == [None, None, None], [str(e) for e in errors if e]
    with pg.connect() as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = 'shared_monitor'"
        ).fetchone() == (1,)


@pytest.mark.servers
def test_without_the_lock_the_check_then_create_races(
    pg: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same set-ups with the cluster lock taken away do race."""
    _reset(pg)
    monkeypatch.setattr(bootstrap, "cluster_lock", lambda _pg: contextlib.nullcontext())
    errors = [e for e in _all_at_once(pg, tmp_path) if e is not None]
    assert len(errors) == 2, [str(e) for e in errors]
    assert all("[database] command" in str(e) for e in errors)

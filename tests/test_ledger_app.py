"""The second sample application (sample_apps/ledger) on real servers, through its target file.

Nothing here knows ledger except through ``sample_apps/ledger/target.toml``: the test
runs the target's SQL with psql, its own set-up script (``bao`` commands) against a
real OpenBao, writes fresh random values for the secret keys the target declares,
seeds the test login with the target's seed command, starts the app with the
environment the target maps, drives it through the declared probes, and runs the
target's own rotation tool with a token of the rotator policy the target declares.
Then every old value is tried again: the old access token and cookie (accepted
within the grace window, refused after it), the old database login (refused by
PostgreSQL), the old secret_id (refused by Vault); new ones work. Each "refused" is
shown to have worked before, so none of these checks passes by default.

Servers: one OpenBao dev server and one PostgreSQL cluster of the module's own (the
three stages share them, as staging and production share a server in the sign-off).
"""

from __future__ import annotations

import ast
import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import psycopg
import pytest
import requests
from psycopg import sql

from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.compliance.target import Target, fill, load_target, resolve_env
from vault_gate.fixtures.private import write_private
from vault_gate.fixtures.process import ManagedProcess, free_port, group_members
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers.binaries import resolve_pg_bindir, resolve_vault_binary
from vault_gate.fixtures.servers.openbao import (
    VaultServer,
    initialise,
    start_dev,
    start_server,
    unseal,
)
from vault_gate.fixtures.servers.postgres import PostgresServer, start_postgres
from vault_gate.fixtures.servers.tls import SessionCA

REPO = Path(__file__).resolve().parent.parent
LEDGER = REPO / "sample_apps" / "ledger"
TARGET_FILE = LEDGER / "target.toml"
HTTP_TIMEOUT_S = 10
COMMAND_TIMEOUT_S = 60
APP_START_S = 30.0

sys.path.insert(0, str(LEDGER))  # the unit tests below import the app's pure modules
from ledger import tokens  # noqa: E402
from ledger.passwords import check_passphrase, hash_passphrase  # noqa: E402

sys.path.remove(str(LEDGER))


# --------------------------------------------------------------------------- pure parts


def test_tokens_follow_the_key_version_and_its_grace_window() -> None:
    t0 = 1_000_000.0
    old = tokens.sign("k-old", 4, "ann", "access", 900, now=t0)
    ring = tokens.KeyRing(5, "k-new", t0 + 10, lambda: "k-old", grace_s=3)
    assert tokens.verify(old, "access", ring, now=t0 + 12).subject == "ann"  # inside grace
    with pytest.raises(tokens.TokenRefused, match="past its grace window"):
        tokens.verify(old, "access", ring, now=t0 + 13.5)
    new = tokens.sign("k-new", 5, "ann", "access", 900, now=t0 + 11)
    assert tokens.verify(new, "access", ring, now=t0 + 500).version == 5
    older = tokens.sign("k-older", 3, "ann", "access", 900, now=t0)
    with pytest.raises(tokens.TokenRefused, match="no longer served"):
        tokens.verify(older, "access", ring, now=t0 + 11)
    with pytest.raises(tokens.TokenRefused, match="bad signature"):
        tokens.verify(new[:-2] + ("AA" if not new.endswith("AA") else "BB"), "access", ring, now=t0)
    with pytest.raises(tokens.TokenRefused, match="session token where a access"):
        tokens.verify(
            tokens.sign("k-new", 5, "ann", "session", 900, now=t0), "access", ring, now=t0
        )
    with pytest.raises(tokens.TokenRefused, match="expired"):
        tokens.verify(new, "access", ring, now=t0 + 2000)
    with pytest.raises(tokens.TokenRefused, match="not a ledger token"):
        tokens.verify("eyJhbGciOi.x.y", "access", ring, now=t0)


def test_passphrase_hashes_check_and_refuse() -> None:
    stored = hash_passphrase("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert check_passphrase(stored, "correct horse")
    assert not check_passphrase(stored, "wrong horse")
    assert not check_passphrase("plain$text", "correct horse")


def test_the_app_imports_nothing_of_vault_gate() -> None:
    harness = {"compliance", "fixtures", "steps", "store_erp", "tests"}
    for file in sorted((LEDGER / "ledger").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            bad = [n for n in names if n.split(".")[0] in harness]
            assert not bad, f"{file.relative_to(REPO)} imports {bad}"


def test_the_target_file_names_only_what_exists() -> None:
    target = load_target(TARGET_FILE)
    assert target.root == LEDGER
    for tree in target.trees.values():
        assert target.policy_file(tree).is_file()
    assert target.rotation is not None
    for env in target.trees:
        policy = target.rotation_policy(env)
        assert policy is not None and policy.is_file()
    assert target.workflow_files(), "no CI workflow"
    for guide in ("setup", "usage", "troubleshooting", "rotation"):
        assert (target.docs_dir / f"{guide}.md").is_file()
    assert target.source_files() and target.database is not None
    assert all(f.is_file() for f in target.database.sql)


def _run(argv: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=dict(env), cwd=cwd, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT_S, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("script", "env", "message"),
    [
        ("vault/setup.sh", {}, "DB_HOST is not set"),
        ("vault/rotate.sh", {}, "LEDGER_SECRET_ID_PATH is not set"),
    ],
)
def test_the_scripts_refuse_missing_input_by_name(
    script: str, env: dict[str, str], message: str
) -> None:
    done = _run(["bash", script, "dev"], {"PATH": "/usr/bin:/bin", **env}, LEDGER)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    done = _run(["bash", script, "../prod"], {"PATH": "/usr/bin:/bin"}, LEDGER)
    assert done.returncode == 2 and "usage:" in done.stderr, done.stderr


def test_the_app_refuses_to_start_without_its_settings() -> None:
    done = _run([sys.executable, "-m", "ledger", "--port", "1"], {"PATH": "/usr/bin:/bin"}, LEDGER)
    assert done.returncode == 2 and "LEDGER_VAULT" in done.stderr, done.stderr


# --------------------------------------------------------------------------- real servers


@dataclass
class Servers:
    """The Vault server a stage runs on (dev mode, or server mode with TLS) and PostgreSQL."""

    vault: VaultServer
    pg: PostgresServer
    directory: Path
    bin_dir: Path  # `bao` and `vault`, both the server's own binary
    psql: Path

    def root(self) -> hvac.Client:
        return self.vault.client(self.vault.root_token)

    def vault_env(self, token: Secret) -> dict[str, str]:
        """What the harness gives a set-up or rotation tool: address, CA, token, PATH."""
        env = {
            "PATH": f"{self.bin_dir}:/usr/bin:/bin",
            "HOME": str(self.directory),
            "LC_ALL": "C",
        }
        for prefix in ("VAULT", "BAO"):
            env[f"{prefix}_ADDR"] = self.vault.addr
            env[f"{prefix}_TOKEN"] = token.reveal()
            if self.vault.ca_file:
                env[f"{prefix}_CACERT"] = str(self.vault.ca_file)
        return env


@contextmanager
def fresh_servers(
    config: pytest.Config, reaper: Reaper, *, secure: bool = False
) -> Iterator[dict[str, Servers]]:
    """PostgreSQL (scram-sha-256) and a dev-mode OpenBao for dev; with ``secure``, a
    server-mode OpenBao (raft, Shamir, TLS from a test CA, file audit) shared by staging
    and prod, as in the sign-off. Everything is stopped afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="vault-gate-ledger-"))  # 0700
    reaper.watch_dir(directory)
    running: list[VaultServer | PostgresServer] = []
    try:
        binary = resolve_vault_binary(config.getoption("--vault-binary"))
        pg_binaries = resolve_pg_bindir(config.getoption("--pg-bindir"))
        (directory / "logs").mkdir(mode=0o700)
        pg = start_postgres(pg_binaries, reaper, directory / "logs")
        running.append(pg)
        dev = start_dev(binary, directory / "vault-dev", reaper)
        running.append(dev)
        bin_dir = directory / "bin"
        bin_dir.mkdir(mode=0o700)
        for name in ("bao", "vault"):
            (bin_dir / name).symlink_to(binary.path)
        psql = pg_binaries.bindir / "psql"
        stages = {"dev": Servers(dev, pg, directory, bin_dir, psql)}
        if secure:
            ca = SessionCA(directory)
            server = start_server(binary, directory / "vault-secure", reaper, ca, name="ledger")
            running.append(server)
            unseal(server, initialise(server)[:3])
            for env in ("staging", "prod"):
                stages[env] = Servers(server, pg, directory, bin_dir, psql)
        yield stages
    finally:
        for process in reversed(running):
            process.stop()
        shutil.rmtree(directory, ignore_errors=True)
        reaper.unwatch_dir(directory)


@pytest.fixture(scope="module")
def servers(request: pytest.FixtureRequest, reaper: Reaper) -> Iterator[dict[str, Servers]]:
    """The servers the three stages of the real ledger run on."""
    with fresh_servers(request.config, reaper, secure=True) as stages:
        yield stages


@dataclass
class Stage:
    """One environment of the target, deployed by the target's own files."""

    env: str
    target: Target
    servers: Servers
    directory: Path
    values: dict[str, str] = field(default_factory=dict)  # what the harness provides
    known: list[Secret] = field(default_factory=list)  # every value a leak check looks for
    user: str = "bookkeeper"
    password: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(18)))

    @property
    def tree(self) -> str:
        return self.target.tree(self.env)

    @property
    def secret_id_file(self) -> Path:
        return Path(self.values["secret_id_file"])

    def remember(self, value: str) -> Secret:
        secret = Secret(value)
        self.known.append(secret)
        return secret


def _psql(stage: Stage, file: Path, database: str, admin: str) -> None:
    s, pg = stage.servers, stage.servers.pg
    variables = {"env": stage.env, "tree": stage.tree, "database": database, "admin_role": admin}
    argv = [str(s.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        argv += ["-v", f"{name}={value}"]
    env = {
        "PATH": "/usr/bin:/bin",
        "PGHOST": pg.host,
        "PGPORT": str(pg.port),
        "PGUSER": "postgres",
        "PGPASSWORD": pg.password.reveal(),
        "PGDATABASE": database,
    }
    done = _run([*argv, "-f", str(file)], env, stage.target.root)
    assert done.returncode == 0, f"psql -f {file.name}: {done.stderr[-2000:]}"


def deploy(stage: Stage) -> None:
    """What the sign-off does before it starts the app, with the target's own files."""
    target, s = stage.target, stage.servers
    assert target.database is not None and target.setup is not None
    database = target.database_name(stage.env)
    admin = target.named(target.database.admin_role, stage.env)
    with s.pg.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    for _ in range(2):  # the SQL is idempotent: a second run changes nothing and fails not
        for file in target.database.sql:
            _psql(stage, file, database, admin)
    admin_password = stage.remember(secrets.token_urlsafe(24))
    with s.pg.connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(admin), sql.Literal(admin_password.reveal())
            )
        )
    stage.values.update(
        environment=stage.env,
        tree=stage.tree,
        vault_addr=s.vault.addr,
        vault_cacert=str(s.vault.ca_file or ""),
        database_host=s.pg.host,
        database_port=str(s.pg.port),
        database_name=database,
        database_admin_user=admin,
        database_admin_password=admin_password.reveal(),
        grace_s=f"{target.rotation.grace_s:g}" if target.rotation else "0",
    )
    root = s.vault.root_token
    assert root is not None
    for _ in range(2):  # the set-up may be run again (it is "enable if missing")
        done = _run(
            target.setup.resolve(stage.values),
            {**s.vault_env(root), **target.setup.environment(stage.values)},
            target.root,
        )
        assert done.returncode == 0, f"setup: {done.stderr[-2000:]}"
        assert_no_leak(done.stdout + done.stderr, stage.known, "the set-up's output")
    # Vault rotated the admin password: the one handed to the set-up is dead.
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        s.pg.connect(dbname=database, user=admin, password=admin_password).close()

    client = s.root()
    for entry in target.secret_entries(stage.env):  # fresh random values, never constants
        data = {k: fill(v, {"random": secrets.token_urlsafe(32)}) for k, v in entry.keys.items()}
        for value in data.values():
            stage.remember(value)
        client.secrets.kv.v2.create_or_update_secret(
            path=entry.path, secret=data, mount_point=target.vault.kv_mount
        )
    role = target.approle(stage.env)
    mount = target.vault.approle_mount
    stage.values["role_id"] = client.auth.approle.read_role_id(role, mount_point=mount)["data"][
        "role_id"
    ]
    secret_id = client.auth.approle.generate_secret_id(role, mount_point=mount)["data"]["secret_id"]
    stage.values["secret_id_file"] = str(
        write_private(stage.directory / "secret-id", stage.remember(secret_id).reveal())
    )
    login = target.app.login if target.app else None
    assert login is not None and login.seed is not None
    done = _run(
        login.seed.resolve(stage.values),
        {
            "PATH": "/usr/bin:/bin",
            "PGHOST": s.pg.host,
            "PGPORT": str(s.pg.port),
            "PGDATABASE": database,
            "PGUSER": "postgres",
            "PGPASSWORD": s.pg.password.reveal(),
            "VAULT_GATE_TEST_USER": stage.user,
            "VAULT_GATE_TEST_PASSWORD": stage.password.reveal(),
        },
        target.root,
    )
    assert done.returncode == 0, f"seed: {done.stderr[-2000:]}"
    assert_no_leak(done.stdout + done.stderr, [stage.password], "the seed's output")


@dataclass
class RunningApp:
    process: ManagedProcess
    base: str

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base + path, timeout=HTTP_TIMEOUT_S, **kwargs)


def app_env(stage: Stage) -> dict[str, str]:
    """The smallest environment: PATH, and the app's variables as its target maps them."""
    assert stage.target.app is not None
    return {"PATH": "/usr/bin:/bin", **resolve_env(stage.target.app.env, stage.values)}


def start(
    stage: Stage, reaper: Reaper, env: Mapping[str, str] | None = None, log: str = "app.log"
) -> RunningApp:
    app = stage.target.app
    assert app is not None
    port = free_port()
    process = ManagedProcess(
        name=f"ledger-{stage.tree}",
        argv=app.argv(port),
        log_path=stage.directory / log,
        reaper=reaper,
        env=dict(env) if env is not None else app_env(stage),
        cwd=stage.target.root,
        stop_signal=getattr(signal, app.stop_signal),
    ).start()
    running = RunningApp(process, f"http://127.0.0.1:{port}")
    process.wait_ready(
        lambda: running.get(app.health).status_code == 200, APP_START_S, f"{app.health} 200"
    )
    return running


def dotted(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


@dataclass
class Credentials:
    token: str
    cookie: str


def log_in(stage: Stage, app: RunningApp, password: str | None = None) -> requests.Response:
    login = stage.target.app.login  # type: ignore[union-attr]
    assert login is not None
    names = {"username": stage.user, "password": password or stage.password.reveal()}
    body = {k: fill(v, names) if isinstance(v, str) else v for k, v in login.body.items()}
    return requests.request(
        login.request.method, app.base + login.request.path, json=body, timeout=HTTP_TIMEOUT_S
    )


def credentials(stage: Stage, app: RunningApp) -> Credentials:
    login = stage.target.app.login  # type: ignore[union-attr]
    assert login is not None
    answer = log_in(stage, app)
    assert answer.status_code in login.request.ok, answer.text[:300]
    creds = Credentials(dotted(answer.json(), login.token), answer.cookies.get(login.cookie, ""))
    assert creds.token and creds.cookie
    stage.remember(creds.token)
    stage.remember(creds.cookie)
    return creds


def request_status(stage: Stage, app: RunningApp, creds: Credentials) -> int:
    """The declared authenticated request, with the token only."""
    probe = stage.target.app.request  # type: ignore[union-attr]
    assert probe is not None
    return requests.request(
        probe.method,
        app.base + probe.path,
        headers={probe.header: f"{probe.scheme} {creds.token}"},
        timeout=HTTP_TIMEOUT_S,
    ).status_code


def session_status(stage: Stage, app: RunningApp, creds: Credentials) -> int:
    """The declared session request, with the cookie only."""
    probe = stage.target.app.session  # type: ignore[union-attr]
    login = stage.target.app.login  # type: ignore[union-attr]
    assert probe is not None and login is not None
    return requests.request(
        probe.method,
        app.base + probe.path,
        cookies={login.cookie: creds.cookie},
        timeout=HTTP_TIMEOUT_S,
    ).status_code


def served_versions(stage: Stage, app: RunningApp) -> dict[str, int]:
    versions = stage.target.app.versions  # type: ignore[union-attr]
    assert versions is not None
    path, key = versions.path, versions.key
    return {entry: v["version"] for entry, v in dotted(app.get(path).json(), key).items()}


def app_database_users(stage: Stage) -> set[str]:
    """The dynamic logins the app's sessions use now (PostgreSQL's view)."""
    with stage.servers.pg.connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity"
            " WHERE datname = %s AND usename LIKE 'v-%%'",
            (stage.values["database_name"],),
        ).fetchall()
    return {r[0] for r in rows}


def role_exists(stage: Stage, name: str) -> bool:
    with stage.servers.pg.connect(autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            is not None
        )


def leases(stage: Stage) -> list[str]:
    prefix = f"{stage.target.vault.database_mount}/creds/{stage.target.database_role(stage.env)}/"
    try:
        answer = stage.servers.root().sys.list_leases(prefix)
    except hvac.exceptions.InvalidPath:
        return []
    return list(answer["data"]["keys"])


def app_login_works(stage: Stage, secret_id: str) -> bool:
    client = stage.servers.vault.client()
    try:
        client.auth.approle.login(
            role_id=stage.values["role_id"],
            secret_id=secret_id,
            mount_point=stage.target.vault.approle_mount,
            use_token=False,
        )
    except hvac.exceptions.VaultError:
        return False
    return True


def check_setup(stage: Stage) -> None:
    """What the target's set-up made, read back from the server."""
    target, client = stage.target, stage.servers.root()
    role = client.auth.approle.read_role(target.approle(stage.env))["data"]
    assert role["bind_secret_id"] is True
    for key in ("secret_id_ttl", "token_ttl", "token_max_ttl", "secret_id_num_uses"):
        assert role[key] > 0, f"{key} unbounded"
    assert role["token_policies"] == target.app_policies(stage.env)
    if stage.env != "dev":
        for key in ("secret_id_bound_cidrs", "token_bound_cidrs"):  # the server may drop "/32"
            assert [ipaddress.ip_network(c) for c in role[key]] == [
                ipaddress.ip_network("127.0.0.1/32")
            ]
    policy = client.sys.read_policy(target.app_policies(stage.env)[0])["data"]["rules"]
    assert policy == target.policy_file(stage.tree).read_text()
    # A token of the app's policies reaches nothing of another stage (the server decides).
    probe = client.auth.token.create(policies=target.app_policies(stage.env), ttl="2m")
    as_app = stage.servers.vault.client(Secret(probe["auth"]["client_token"]))
    for other in target.trees:
        if other == stage.env:
            continue
        paths = [f"{target.vault.kv_mount}/data/{p}" for p in target.read_entries(other)]
        paths.append(f"{target.vault.database_mount}/creds/{target.database_role(other)}")
        for path in paths:
            caps = as_app.sys.get_capabilities(paths=[path], token=None)["data"][path]  # self
            assert caps == ["deny"], f"the {stage.env} policy reaches {path}: {caps}"
    as_app.auth.token.revoke_self()
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    assert mounts[f"{target.vault.kv_mount}/"]["options"]["version"] == "2"
    db_role = client.secrets.database.read_role(target.database_role(stage.env))["data"]
    assert db_role["db_name"] == target.database_role(stage.env)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_ledger_deploys_serves_and_survives_its_own_rotation(
    env: str, servers: dict[str, Servers], reaper: Reaper, tmp_path: Path
) -> None:
    os.chmod(tmp_path, 0o700)
    stage = Stage(env, load_target(TARGET_FILE), servers[env], tmp_path)
    deploy(stage)
    check_setup(stage)
    exercise(stage, reaper)


def exercise(stage: Stage, reaper: Reaper) -> None:
    """Drive the app through its probes, rotate with its own tool, try every old value."""
    target, servers, env = stage.target, stage.servers, stage.env
    assert target.app is not None and target.rotation is not None
    rotation_policy = target.rotation_policy(stage.env)
    assert rotation_policy is not None
    client = servers.root()
    kv = target.vault.kv_mount
    app_entry = target.secret_entries(env)[0].path

    app = start(stage, reaper)
    try:
        # ---- before: the app serves, and every value about to be rotated works
        assert served_versions(stage, app) == {
            e: client.secrets.kv.v2.read_secret_version(
                e, mount_point=kv, raise_on_deleted_version=True
            )["data"]["metadata"]["version"]
            for e in target.read_entries(env)
        }
        assert log_in(stage, app, "not-the-passphrase").status_code in target.app.refused
        creds = credentials(stage, app)
        assert request_status(stage, app, Credentials("", "")) in target.app.refused
        assert request_status(stage, app, creds) == 200
        assert session_status(stage, app, creds) == 200
        posted = requests.post(
            app.base + "/api/v1/entries",
            json={"amount_cents": 1250, "memo": "opening balance"},
            headers={"Authorization": f"Bearer {creds.token}"},
            timeout=HTTP_TIMEOUT_S,
        )
        assert posted.status_code == 201, posted.text[:300]
        users_before = app_database_users(stage)
        assert len(users_before) == 1, users_before
        db_login = client.secrets.database.generate_credentials(target.database_role(env))["data"]
        old_db_password = stage.remember(db_login["password"])
        database = stage.values["database_name"]
        servers.pg.connect(database, db_login["username"], old_db_password).close()
        old_secret_id = stage.secret_id_file.read_text().strip()
        assert app_login_works(stage, old_secret_id)
        old_version = served_versions(stage, app)[app_entry]

        # ---- the target's own rotation tool, with a token of the policy it declares
        client.sys.create_or_update_policy("ledger-rotator", rotation_policy.read_text())
        rotator = stage.remember(
            client.auth.token.create(policies=["ledger-rotator"], ttl="10m")["auth"]["client_token"]
        )
        rotation = target.rotation.command
        done = _run(
            rotation.resolve(stage.values),
            {**servers.vault_env(rotator), **rotation.environment(stage.values)},
            target.root,
        )
        assert done.returncode == 0, f"rotate: {done.stderr[-2000:]}"

        # ---- what rotated, read from the servers
        current = client.secrets.kv.v2.read_secret_version(
            app_entry, mount_point=kv, raise_on_deleted_version=True
        )["data"]
        new_version = current["metadata"]["version"]
        assert new_version == old_version + 1, "the rotation wrote no new version of the keys"
        for value in current["data"].values():
            stage.remember(value)
        assert leases(stage) == [], "database leases left after the rotation"
        try:
            servers.pg.connect(database, db_login["username"], old_db_password).close()
            raise AssertionError("the old database login still connects after the rotation")
        except psycopg.OperationalError as exc:
            assert "password authentication failed" in str(exc)
        assert not app_login_works(stage, old_secret_id), "the old secret_id still logs in"
        new_secret_id = stage.remember(stage.secret_id_file.read_text().strip())
        assert new_secret_id.reveal() != old_secret_id
        assert stage.secret_id_file.stat().st_mode & 0o777 == 0o600
        assert app_login_works(stage, new_secret_id.reveal())

        # ---- the old token inside the grace window, then refused after it
        created = tokens_created(current["metadata"]["created_time"])
        grace, ttl = target.rotation.grace_s, target.app.cache_ttl_s
        within = time.time() - created < grace - 0.5
        status_within = request_status(stage, app, creds)
        if within:  # measured, not assumed: a slow rotation leaves no time to try
            assert status_within == 200
        assert app_database_users(stage).isdisjoint(users_before)
        for user in users_before:
            assert not role_exists(stage, user), f"the app's old database login {user} survives"
        time.sleep(max(0.0, created + grace + ttl + 0.5 - time.time()))
        late = request_status(stage, app, creds), session_status(stage, app, creds)
        assert all(code in target.app.refused for code in late), (
            f"a token or cookie of the old keys is still accepted after the grace window: {late}"
        )

        # ---- new logins work, on new keys and a new database login
        fresh = credentials(stage, app)
        assert request_status(stage, app, fresh) == 200
        assert session_status(stage, app, fresh) == 200
        assert served_versions(stage, app)[app_entry] == new_version
        entries = requests.get(
            app.base + "/api/v1/entries",
            headers={"Authorization": f"Bearer {fresh.token}"},
            timeout=HTTP_TIMEOUT_S,
        ).json()
        assert [e["memo"] for e in entries["data"]] == ["opening balance"]
        if env == "dev":
            starts_once_from_a_wrapped_secret_id(stage, reaper)
    finally:
        app.process.stop()
    assert group_members(app.process.pid or 0) == []
    assert_no_leak(done.stdout + done.stderr, stage.known, "the rotation tool's output")
    assert_no_leak(stage.directory.joinpath("app.log").read_text(), stage.known, "the app's log")


def starts_once_from_a_wrapped_secret_id(stage: Stage, reaper: Reaper) -> None:
    """CI hands the app a wrapping token, not a secret_id (.github/workflows/deploy.yml):
    the app unwraps it at start; a second start with the same token (someone else got
    there first) refuses to run, saying so."""
    role = stage.target.approle(stage.env)
    answer = stage.servers.root().auth.approle.generate_secret_id(role, wrap_ttl="60s")
    wrapped = stage.remember(answer["wrap_info"]["token"])
    wrapped_file = write_private(stage.directory / "wrapped-secret-id", wrapped.reveal())
    env = app_env(stage)
    del env["LEDGER_SECRET_ID_PATH"]
    env["LEDGER_WRAPPED_SECRET_ID_PATH"] = str(wrapped_file)
    second = start(stage, reaper, env, log="app-wrapped.log")
    try:
        assert second.get(stage.target.app.health).status_code == 200  # type: ignore[union-attr]
    finally:
        second.process.stop()
    again = _run([*stage.target.app.argv(free_port())], env, stage.target.root)  # type: ignore[union-attr]
    assert again.returncode == 2 and "wrapping token" in again.stderr, again.stderr[-500:]
    assert_no_leak(again.stderr, stage.known, "the refused start's output")


def tokens_created(created_time: str) -> float:
    from datetime import datetime

    text = created_time.replace("Z", "+00:00")
    head, _, tail = text.partition(".")
    if tail:
        digits, zone = tail[:-6], tail[-6:]
        text = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text).timestamp()


# --------------------------------------------------------------------------- flawed copies

Edit = tuple[str, str, str]  # a file under the copy's root, a text in it, its replacement

# Each flaw the issue names, made in a copy of ledger, and the check it must fail.
FLAWS: dict[str, tuple[str, list[Edit]]] = {
    "cross_environment_policy": (
        "the dev policy reaches kv-ledger/data/stage/app",
        [
            (
                "vault/policies/ledger-dev.hcl",
                'path "kv-ledger/data/dev/app"',
                'path "kv-ledger/data/+/app"',
            )
        ],
    ),
    "secret_ids_never_expire": (
        "secret_id_ttl unbounded",
        [("vault/setup.sh", "dev)   limits=(secret_id_ttl=24h", "dev)   limits=(secret_id_ttl=0")],
    ),
    "rotation_leaves_database_leases": (
        "database leases left after the rotation",
        [
            (
                "vault/rotate.sh",
                'bao lease revoke -sync -prefix "database/creds/$role" >/dev/null',
                ":",
            )
        ],
    ),
    "app_caches_its_keys_for_ever": (
        "still accepted after the grace window",
        [("ledger/vault.py", "(now + self.config.cache_ttl_s, entry)", '(float("inf"), entry)')],
    ),
}


def flawed_copy(directory: Path, edits: list[Edit]) -> Path:
    """A copy of sample_apps/ledger with ``edits`` made; its target file's path."""
    root = directory / "ledger"
    shutil.copytree(LEDGER, root, ignore=shutil.ignore_patterns("__pycache__"))
    for rel, old, new in edits:
        file = root / rel
        text = file.read_text()
        assert old in text, f"{rel} no longer holds {old!r}: the flaw would not be made"
        file.write_text(text.replace(old, new))
    return root / "target.toml"


@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_flawed_copy_of_ledger_fails_on_its_flaw(
    flaw: str, request: pytest.FixtureRequest, reaper: Reaper, tmp_path: Path
) -> None:
    message, edits = FLAWS[flaw]
    os.chmod(tmp_path, 0o700)
    target_file = flawed_copy(tmp_path, edits)
    with fresh_servers(request.config, reaper) as servers:
        stage = Stage("dev", load_target(target_file), servers["dev"], tmp_path)
        with pytest.raises(AssertionError, match=re.escape(message)):
            deploy(stage)
            check_setup(stage)
            exercise(stage, reaper)

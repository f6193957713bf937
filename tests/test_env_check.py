"""Criterion "No secrets in environment variables": compliance.checks.environment on live processes.

The passing case is the real store-erp (gunicorn master and worker) in dev, staging
and prod. Each known-bad case plants one kind of leak and asserts the check fails
for that reason, naming the pid and variable, and never printing the planted value.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from store_erp_target import store_erp

from vault_gate.compliance.checks.environment import (
    DEFAULT_ALLOW,
    check_no_secrets_in_env,
    name_finding,
    process_tree,
)
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.app.process import AppProcess
from vault_gate.fixtures.process import wait_until
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment

StartApp = Callable[..., AppProcess]

# store-erp's own names for the harness's values ([app.env]) are configuration.
ALLOW = DEFAULT_ALLOW | set(store_erp().app.env)  # type: ignore[union-attr]


def forms(value: str) -> list[str]:
    """Every text form of a planted value that must not reach a finding or evidence."""
    raw = value.encode()
    return [
        value,
        quote(value, safe=""),
        quote_plus(value),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]


def assert_no_values(result: CheckResult, values: Sequence[str]) -> None:
    """The result, as a reviewer or pytest would print it, holds none of the values."""
    text = result.explain() + repr(result)
    planted = [Secret(form) for value in values for form in forms(value)]
    assert_no_leak(text, planted, "the check's output")


def findings_matching(result: CheckResult, pattern: str) -> list[str]:
    return [f for f in result.findings if re.search(pattern, f)]


def app_pids(result: CheckResult) -> list[int]:
    return [int(e.looked_at.rsplit("/", 1)[1]) for e in result.evidence if "/proc/" in e.looked_at]


# -- the real app ----------------------------------------------------------------------


@pytest.mark.servers
def test_app_passes_in_each_environment(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    app = app_factory(env)
    assert app.process.pid is not None
    result = check_no_secrets_in_env(
        app.process.pid, env.profile.name, env.known_values(), allow=ALLOW
    )
    assert result.passed, result.explain()
    assert len(app_pids(result)) >= 2, "gunicorn's worker was not inspected"
    assert any("STORE_ERP_SECRET_ID_FILE" in e.found for e in result.evidence)
    assert_no_values(result, [v.reveal() for v in env.known_values()])


@pytest.mark.servers
def test_flask_key_in_secret_key_fails(env: BootstrappedEnvironment, app_factory: StartApp) -> None:
    key = env.tree["flask"]["secret_key"]
    assert isinstance(key, Secret)
    app = app_factory(env, extra_env={"SECRET_KEY": key.reveal()})
    assert app.process.pid is not None
    result = check_no_secrets_in_env(
        app.process.pid, env.profile.name, env.known_values(), allow=ALLOW
    )
    assert not result.passed
    assert findings_matching(result, rf"^pid {app.process.pid}: SECRET_KEY is set")
    assert findings_matching(
        result,
        rf"^pid {app.process.pid}: variable SECRET_KEY carries a known secret value "
        rf"\(as is, {key.fingerprint}\)",
    )
    worker_pids = [p for p in app_pids(result) if p != app.process.pid]
    assert worker_pids and findings_matching(result, rf"^pid {worker_pids[0]}: SECRET_KEY")
    assert_no_values(result, [key.reveal()])


@pytest.mark.servers
def test_base64_encoded_value_under_innocuous_name_fails(
    world: World, app_factory: StartApp
) -> None:
    env = world.env("staging")
    key = env.tree["jwt"]["secret_key"]
    assert isinstance(key, Secret)
    encoded = base64.b64encode(key.reveal().encode()).decode()
    app = app_factory(env, extra_env={"EXTRA_CONFIG": encoded})
    assert app.process.pid is not None
    result = check_no_secrets_in_env(app.process.pid, "staging", env.known_values(), allow=ALLOW)
    assert findings_matching(
        result, rf"variable EXTRA_CONFIG carries a known secret value \(base64, {key.fingerprint}\)"
    ), result.explain()
    assert_no_values(result, [key.reveal()])


@pytest.mark.servers
def test_url_encoded_value_fails(world: World, app_factory: StartApp) -> None:
    env = world.env("prod")
    redis_url = env.tree["redis"]["url"]
    assert isinstance(redis_url, Secret)
    app = app_factory(env, extra_env={"CACHE_LOCATION": quote(redis_url.reveal(), safe="")})
    assert app.process.pid is not None
    result = check_no_secrets_in_env(app.process.pid, "prod", env.known_values(), allow=ALLOW)
    assert findings_matching(
        result,
        rf"variable CACHE_LOCATION carries a known secret value \(URL-encoded, "
        rf"{redis_url.fingerprint}\)",
    ), result.explain()
    assert_no_values(result, [redis_url.reveal()])


@pytest.mark.servers
def test_vault_token_fails(world: World, app_factory: StartApp) -> None:
    app = app_factory(world.env("dev"), extra_env={"VAULT_TOKEN": "anything"})
    assert app.process.pid is not None
    result = check_no_secrets_in_env(app.process.pid, "dev", world.env("dev").known_values())
    assert findings_matching(result, rf"^pid {app.process.pid}: VAULT_TOKEN is set"), (
        result.explain()
    )
    assert "anything" not in result.explain()


@pytest.mark.servers
def test_database_url_with_password_fails(world: World, app_factory: StartApp) -> None:
    password = secrets.token_urlsafe(16)
    app = app_factory(
        world.env("dev"),
        extra_env={"DATABASE_URL": f"postgresql://store:{password}@127.0.0.1:5432/store"},
    )
    assert app.process.pid is not None
    result = check_no_secrets_in_env(app.process.pid, "dev", [])
    assert findings_matching(
        result, rf"^pid {app.process.pid}: DATABASE_URL carries a password in its URL"
    ), result.explain()
    assert_no_values(result, [password])


# -- process trees, argv, unreadable /proc ---------------------------------------------


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start helper processes in their own session; all are killed afterwards."""
    started: list[subprocess.Popen[str]] = []

    def start(argv: list[str], **kwargs: object) -> subprocess.Popen[str]:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            argv, text=True, start_new_session=True, **kwargs
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        # Each runs in its own session: killing the group takes the grandchildren too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_secret_in_a_grandchild_only_is_found(spawn: Callable[..., subprocess.Popen[str]]) -> None:
    """A shell with a clean environment exports a known value to the `sleep` it starts:
    only that child carries it, and the finding names the child's pid."""
    value = Secret(secrets.token_urlsafe(32))
    shell = spawn(
        ["/bin/sh", "-c", 'read v; export EXTRA_SETTING="$v"; sleep 60 & echo $!; wait'],
        env={"PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert shell.stdin is not None and shell.stdout is not None
    shell.stdin.write(value.reveal() + "\n")
    shell.stdin.close()
    child = int(shell.stdout.readline())
    assert child in process_tree(shell.pid)
    # Between fork and exec the child still shows the shell's start-up environment.
    wait_until(
        lambda: Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"sleep"),
        10,
        "the shell's child has exec'd sleep",
    )

    result = check_no_secrets_in_env(shell.pid, "dev", [value])
    assert not result.passed
    assert findings_matching(
        result,
        rf"^pid {child}: variable EXTRA_SETTING carries a known secret value "
        rf"\(as is, {value.fingerprint}\)",
    ), result.explain()
    assert not findings_matching(result, rf"^pid {shell.pid}:")
    assert_no_values(result, [value.reveal()])


def test_secret_in_argv_is_found(spawn: Callable[..., subprocess.Popen[str]]) -> None:
    value = Secret(secrets.token_urlsafe(32))
    proc = spawn(
        [sys.executable, "-c", "import time; time.sleep(60)", f"--api-key={value.reveal()}"],
        env={"PATH": "/usr/bin:/bin"},
    )
    result = check_no_secrets_in_env(proc.pid, "dev", [value])
    assert findings_matching(
        result, rf"^pid {proc.pid}: argv carries a known secret value \(as is, {value.fingerprint}"
    ), result.explain()
    assert_no_values(result, [value.reveal()])


def test_secret_looking_name_fails_unless_allowed(
    spawn: Callable[..., subprocess.Popen[str]],
) -> None:
    proc = spawn(
        ["sleep", "60"],
        env={"PATH": "/usr/bin:/bin", "SMTP_PASSWORD": "hunter2", "STORE_ERP_SECRET_ID_FILE": "/f"},
    )
    result = check_no_secrets_in_env(proc.pid, "dev", [], allow=ALLOW)
    assert result.findings == (
        f"pid {proc.pid}: SMTP_PASSWORD looks like a secret (PASSWORD in its name) "
        "and is not allowed",
    ), result.explain()
    allowed = check_no_secrets_in_env(proc.pid, "dev", [], allow=ALLOW | {"SMTP_PASSWORD"})
    assert allowed.passed, allowed.explain()
    assert "hunter2" not in result.explain() + allowed.explain()


def test_nonexistent_pid_fails_clearly() -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    result = check_no_secrets_in_env(pid_max + 1, "prod", [])
    assert not result.passed
    assert result.findings == (f"could not read /proc/{pid_max + 1}: no such process",)


def _fake_process(proc: Path, pid: int, ppid: int, environ: bytes | None, argv: bytes) -> None:
    base = proc / str(pid)
    base.mkdir(parents=True)
    (base / "stat").write_text(f"{pid} (odd ) name) S {ppid} {pid} {pid} 0 -1\n")
    if environ is not None:
        (base / "environ").write_bytes(environ)
        (base / "cmdline").write_bytes(argv)


def test_unreadable_or_vanished_descendants_are_findings(tmp_path: Path) -> None:
    """A /proc snapshot: a child whose environ is gone (it exited mid-scan), one whose
    entry cannot be read, one that is a zombie. None of them is a silent pass."""
    proc = tmp_path / "proc"
    _fake_process(proc, 100, 1, b"PATH=/bin\0", b"app\0")
    _fake_process(proc, 101, 100, None, b"")  # vanished: stat read, environ gone
    _fake_process(proc, 102, 100, None, b"")
    (proc / "102" / "environ").mkdir()  # unreadable
    _fake_process(proc, 103, 101, b"", b"")  # a zombie: neither environ nor cmdline
    _fake_process(proc, 200, 1, b"SECRET_KEY=x\0", b"other\0")  # not in the tree

    assert process_tree(100, proc) == [100, 101, 102, 103]
    result = check_no_secrets_in_env(100, "dev", [], proc=proc)
    assert result.findings == (
        f"could not read {proc}/101/environ or cmdline: the process vanished",
        f"could not read {proc}/102/environ or cmdline: IsADirectoryError: Is a directory",
        f"could not read {proc}/103/environ or cmdline: the process has exited",
    ), result.explain()


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("SECRET_KEY", "Zq9x", "SECRET_KEY is set"),
        ("JWT_SECRET_KEY", "Zq9x", "JWT_SECRET_KEY is set"),
        ("BAO_TOKEN", "s.Zq9x", "BAO_TOKEN is set"),
        ("REDIS_URL", "redis://:Zq9x@127.0.0.1:6379/0", "REDIS_URL carries a password"),
        ("DATABASE_URL", "store:Zq9x@db/store", "DATABASE_URL carries a password"),
        ("PAYMENT_API_KEY", "Zq9x", "PAYMENT_API_KEY is set"),
        ("APIKEY_OR_API_KEY", "Zq9x", "is set (an API key"),
        ("GITHUB_TOKEN", "Zq9x", "TOKEN in its name"),
        ("db_passwd", "Zq9x", "PASSWD in its name"),
        ("TLS_PRIVATE_KEY", "Zq9x", "PRIVATE_KEY in its name"),
        ("CLIENT_SECRET", "Zq9x", "SECRET in its name"),
    ],
)
def test_forbidden_names(name: str, value: str, why: str) -> None:
    finding = name_finding(name, value.encode(), DEFAULT_ALLOW)
    assert finding is not None and why in finding
    assert "Zq9x" not in finding


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql://127.0.0.1:5432/store_erp_staging"),
        ("DATABASE_URL", "postgresql://store@db:5432/store"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ("VAULT_TOKEN", ""),
        ("SECRET_KEY", ""),
        ("STORE_ERP_SECRET_ID_FILE", "/run/app/secret-id"),
        ("STORE_ERP_WRAPPED_SECRET_ID_FILE", "/run/app/wrapped"),
        ("VAULT_ADDR", "https://127.0.0.1:8200"),
        ("LANG", "C.UTF-8"),
    ],
)
def test_harmless_names(name: str, value: str) -> None:
    assert name_finding(name, value.encode(), ALLOW) is None

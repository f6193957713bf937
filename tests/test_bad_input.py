"""Bad input to the fixtures: a clear error naming the binary and the log, in bounded time.

These start real processes that are meant to fail (a missing binary, a taken port,
a config the server rejects, a Vault left sealed, a server that never answers) and
check three things each time: the error says what went wrong and where to look,
it comes within a bound, and no process is left behind.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest

from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.process import ManagedProcess, ServerStartError, group_members
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers.binaries import (
    BinaryError,
    resolve_pg_bindir,
    resolve_vault_binary,
)
from vault_gate.fixtures.servers.openbao import initialise, start_dev, start_server, unseal
from vault_gate.fixtures.servers.postgres import start_postgres
from vault_gate.fixtures.servers.tls import SessionCA


@pytest.fixture(scope="module")
def reaper() -> Reaper:
    r = Reaper()
    yield r
    r.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    d = tmp_path / "w"
    d.mkdir(mode=0o700)
    return d


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes but still answers kill(0).
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split(") ", 1)[1][0] != "Z"


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_missing_vault_binary_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bao"
    with pytest.raises(BinaryError, match=f"not found: {missing}"):
        resolve_vault_binary(str(missing))


def test_non_executable_vault_binary_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "bao"
    fake.write_text("not a program")
    fake.chmod(0o644)
    with pytest.raises(BinaryError, match=f"not executable: {fake}"):
        resolve_vault_binary(str(fake))


def test_vault_binary_env_var_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _script(tmp_path / "vault", 'echo "Vault v1.18.0 (abc), built 2025"\n')
    monkeypatch.setenv("VAULT_GATE_VAULT_BINARY", str(fake))
    binary = resolve_vault_binary()
    assert binary.path == fake and binary.flavor.value == "vault" and binary.version == "1.18.0"
    assert not binary.declares_audit_in_config


def test_something_that_is_not_vault_is_refused(tmp_path: Path) -> None:
    fake = _script(tmp_path / "bao", "echo hello\n")
    with pytest.raises(BinaryError, match="not an OpenBao or Vault version string"):
        resolve_vault_binary(str(fake))


def test_pg_bindir_override_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_GATE_PG_BINDIR", str(tmp_path))
    with pytest.raises(BinaryError, match=r"VAULT_GATE_PG_BINDIR\): initdb not found"):
        resolve_pg_bindir()
    with pytest.raises(BinaryError, match="not a directory"):
        resolve_pg_bindir(str(tmp_path / "nope"))


def test_missing_binary_at_start(reaper: Reaper, workdir: Path) -> None:
    proc = ManagedProcess("vault", [str(workdir / "gone")], workdir / "log", reaper)
    with pytest.raises(ServerStartError, match="binary not found") as info:
        proc.start()
    assert str(workdir / "gone") in str(info.value)


def test_port_taken(reaper: Reaper, workdir: Path) -> None:
    """A port already in use: the server exits, the error shows its complaint from the log."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(ServerStartError) as info:
            start_dev(resolve_vault_binary(), workdir, reaper, port=port)
        elapsed = time.monotonic() - started
    message = str(info.value)
    assert "exited with code" in message
    assert "address already in use" in message.lower()
    assert str(workdir / "server.log") in message
    assert "bao" in message
    assert elapsed < 15
    # The dev server prints its root token at start; the error never shows one.
    assert "Root Token: [redacted]" in message or "Root Token" not in message


def test_server_that_exits_at_start(reaper: Reaper, workdir: Path) -> None:
    """A config the server rejects: it exits, and the error carries the reason from its log."""
    bad = workdir / "bad.hcl"
    bad.write_text('storage "raft" {\n  path = \n')
    proc = ManagedProcess(
        "vault-bad",
        [str(resolve_vault_binary().path), "server", f"-config={bad}"],
        workdir / "server.log",
        reaper,
        env={"PATH": "/usr/bin:/bin", "HOME": str(workdir)},
    ).start()
    with pytest.raises(ServerStartError, match="exited with code") as info:
        proc.wait_ready(lambda: False, 20, "never")
    assert "error" in str(info.value).lower()
    assert not _alive(proc.pid)


def test_server_that_never_answers_is_stopped(reaper: Reaper, workdir: Path) -> None:
    """A hang becomes a timeout error, and the process (and its children) are killed."""
    hang = _script(workdir / "hang", "echo starting; sleep 300 & wait\n")
    proc = ManagedProcess("hanger", [str(hang)], workdir / "hang.log", reaper).start()
    started = time.monotonic()
    with pytest.raises(ServerStartError, match=r"not ready after 1 s \(waited for: health\)"):
        proc.wait_ready(lambda: False, 1, "health")
    assert time.monotonic() - started < 15
    assert group_members(proc.pid) == []  # the shell's `sleep` child too


def test_vault_that_stays_sealed(reaper: Reaper, workdir: Path) -> None:
    """Two keys of a threshold of three: a clear 'still sealed' error, not a hang."""
    ca = SessionCA(workdir)
    server = start_server(resolve_vault_binary(), workdir / "v", reaper, ca, name="sealed")
    try:
        keys = initialise(server)
        started = time.monotonic()
        with pytest.raises(ServerStartError, match=r"still sealed after 2 s \(2 of 3") as info:
            unseal(server, keys[:2], timeout_s=2)
        assert time.monotonic() - started < 10
        message = str(info.value)
        assert str(server.process.log_path) in message
        assert_no_leak(message, keys, "the error message")
        assert not _alive(server.process.pid)
    finally:
        server.stop()


def test_postgres_with_a_broken_binary(reaper: Reaper, tmp_path: Path) -> None:
    """A PostgreSQL bin dir whose initdb fails: the error names initdb and shows its output.

    The fake install sits in a world-readable directory, so that under root the
    unprivileged PostgreSQL user can run it where it is.
    """
    install = Path(tempfile.mkdtemp(prefix="vault-gate-fakepg-"))
    try:
        install.chmod(0o755)
        bindir = install / "bin"
        bindir.mkdir(mode=0o755)
        _script(bindir / "initdb", 'echo "initdb: error: simulated disk full" >&2; exit 1\n')
        _script(bindir / "postgres", 'echo "postgres (PostgreSQL) 18.0"\n')
        before = set(Path(tempfile.gettempdir()).glob("vault-gate-pg-*"))
        with pytest.raises(ServerStartError) as info:
            start_postgres(resolve_pg_bindir(str(bindir)), reaper, tmp_path)
        message = str(info.value)
        assert "initdb" in message and "simulated disk full" in message
        assert "exited with code 1" in message
        assert set(Path(tempfile.gettempdir()).glob("vault-gate-pg-*")) == before
    finally:
        shutil.rmtree(install)


def test_redaction_of_credentials_in_logs(tmp_path: Path) -> None:
    """Log tails shown in errors hide printed credentials and every known secret."""
    secret = Secret("s3cr3t-value-xyz")
    log = tmp_path / "log"
    log.write_text(
        "Unseal Key: AAAA+bbbb=\nRoot Token: hvs.abcdef\nconnecting with s3cr3t-value-xyz\n"
    )
    err = ServerStartError("x", "/bin/x", "died", log, (secret,))
    text = str(err)
    assert "AAAA+bbbb=" not in text and "hvs.abcdef" not in text
    assert "s3cr3t-value-xyz" not in text
    assert secret.fingerprint in text
    assert "Root Token: [redacted]" in text

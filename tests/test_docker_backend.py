"""The Docker backend on a real Docker engine (issue 10).

The servers are containers (testcontainers, host networking, bound to 127.0.0.1 by
their own configs). Proven here: each container serves what the process would
(scram-sha-256 logins that refuse a wrong password, a healthy dev server, a TLS
server-mode server with its declared audit device), listens on loopback only, runs
as the harness's user, and is removed when stopped, when its start fails, and when
pytest is killed (the reaper); the foundation's tests and the whole sign-off pass
on this backend, run as real inner pytest sessions with ``--backend docker``.

Where no engine answers (or the images cannot be had) these tests are skipped with
the reason. In CI, ``.ci/run`` starts an engine and builds the images and then sets
``VAULT_GATE_DOCKER_EXPECTED=1``: there a missing engine fails them loudly instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import orjson
import psycopg
import pytest
from inner_pytest import ROOT, SIGNOFF_SCENARIOS, run_signalled

from vault_gate.compliance.criteria import CRITERIA
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.process import ServerStartError
from vault_gate.fixtures.reaper import CONTAINER_LABEL, Reaper
from vault_gate.fixtures.servers.backends import (
    BackendOptions,
    BackendUnavailable,
    docker_engine_answers,
    make_backend,
)
from vault_gate.fixtures.servers.containers import DockerBackend, ImageUnavailable
from vault_gate.fixtures.servers.containers.core import engine, ensure_image
from vault_gate.fixtures.servers.containers.images import pg_image, vault_image
from vault_gate.fixtures.servers.containers.openbao import EXECUTABLES, start_dev
from vault_gate.fixtures.servers.openbao import initialise, unseal
from vault_gate.fixtures.servers.tls import SessionCA

pytestmark = pytest.mark.docker

EXPECTED_ENV = "VAULT_GATE_DOCKER_EXPECTED"
INNER_TIMEOUT_S = 900
BOUND_S = 120
SCENARIOS = SIGNOFF_SCENARIOS


def _unavailable(reason: str) -> None:
    """Skip, or fail where CI started an engine and built the images for these tests."""
    if os.environ.get(EXPECTED_ENV) == "1":
        pytest.fail(f"{EXPECTED_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(f"docker backend not testable here: {reason}")


@pytest.fixture(scope="module")
def client() -> Iterator[docker.DockerClient]:
    """The engine, with both images present; skips (or fails in CI) with the reason."""
    if not docker_engine_answers():
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        _unavailable(f"no Docker engine answers at {where}")
    c = engine()
    try:
        for image in (vault_image(), pg_image()):
            ensure_image(c, image)
    except ImageUnavailable as exc:
        _unavailable(str(exc))
    yield c
    c.close()


@pytest.fixture(scope="module")
def backend(client: docker.DockerClient, reaper: Reaper) -> DockerBackend:
    b = make_backend("docker", reaper, BackendOptions())
    assert isinstance(b, DockerBackend)
    return b


def _session_containers(client: docker.DockerClient, session_id: str) -> list:
    # ignore_removed: list() inspects each container afterwards, and one removed in between
    # (exactly what the cleanup tests wait for) would raise NotFound.
    return client.containers.list(
        all=True, filters={"label": f"{CONTAINER_LABEL}={session_id}"}, ignore_removed=True
    )


def _listeners(port: int) -> set[str]:
    """Local addresses listening on ``port`` in the host's network namespace (/proc/net)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if int(hexport, 16) == port and fields[3] == "0A":  # LISTEN
                if width == 8:
                    raw = bytes.fromhex(addr)[::-1]
                    found.add(socket.inet_ntop(socket.AF_INET, raw))
                else:
                    found.add(addr)
    return found


def _assert_removed(client: docker.DockerClient, container_id: str, pid: int | None) -> None:
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(container_id)
    if pid is not None:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists(), f"container process {pid} outlived it"


def test_backend_checks_images_and_reports_versions(backend: DockerBackend) -> None:
    versions = backend.versions()
    assert versions["backend"] == "docker"
    assert versions["vault"].startswith(f"{backend.vault.flavor.value} {backend.vault.version} (")
    assert backend.vault.path == Path(EXECUTABLES[backend.vault.flavor])
    assert backend.pg_version.split(".")[0].isdigit()


def test_postgres_container_scram_login_loopback_only_and_removed(
    backend: DockerBackend, client: docker.DockerClient, reaper: Reaper, tmp_path: Path
) -> None:
    pg = backend.start_postgres(reaper, tmp_path)
    proc = pg.process
    container_id, pid = proc.container_id, proc.pid  # type: ignore[attr-defined]
    try:
        with pg.connect() as conn:
            assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
            assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
        # No trust line anywhere: a wrong password is refused by PostgreSQL itself.
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            pg.connect(password=Secret("not-the-password"))
        assert _listeners(pg.port) == {"127.0.0.1"}
        attrs = client.containers.get(container_id).attrs
        assert attrs["HostConfig"]["NetworkMode"] == "host"
        assert not attrs["HostConfig"].get("PortBindings")
        # The password reached the container as a file, never in its environment.
        assert not any(pg.password.reveal() in e for e in attrs["Config"]["Env"])
        assert not (pg.directory / "superuser-password").exists()
    finally:
        pg.stop()
    _assert_removed(client, container_id, pid)


def test_dev_vault_container_healthy_loopback_and_removed(
    backend: DockerBackend, client: docker.DockerClient, reaper: Reaper, tmp_path: Path
) -> None:
    server = backend.start_dev_vault(reaper, tmp_path / "dev")
    proc = server.process
    container_id, pid = proc.container_id, proc.pid  # type: ignore[attr-defined]
    try:
        health = server.health().json()
        assert health["initialized"] and not health["sealed"]
        assert _listeners(server.port) == {"127.0.0.1"}
        attrs = client.containers.get(container_id).attrs
        assert attrs["HostConfig"]["NetworkMode"] == "host"
        assert attrs["Config"]["User"] == f"{os.getuid()}:{os.getgid()}"
        assert server.root_token is not None
        assert not any(server.root_token.reveal() in a for a in attrs["Args"])
    finally:
        server.stop()
    _assert_removed(client, container_id, pid)


def test_secure_vault_container_tls_init_unseal_audit(
    backend: DockerBackend, client: docker.DockerClient, reaper: Reaper, tmp_path: Path
) -> None:
    ca = SessionCA(tmp_path)
    server = backend.start_server_vault(reaper, tmp_path / "secure", ca, "secure")
    container_id = server.process.container_id  # type: ignore[attr-defined]
    try:
        assert server.addr.startswith("https://127.0.0.1:")
        unseal(server, initialise(server)[:3])
        assert server.is_active()
        assert server.init_file is not None and server.init_file.stat().st_mode & 0o777 == 0o600
        if server.binary.declares_audit_in_config:
            devices = server.client(server.root_token).sys.list_enabled_audit_devices()["data"]
            assert devices["file/"]["type"] == "file"
            assert server.audit_log is not None and server.audit_log.exists()
            assert server.audit_log.stat().st_uid == os.getuid()
    finally:
        server.stop()
    _assert_removed(client, container_id, None)


def test_failed_start_is_a_clear_error_and_leaves_no_container(
    backend: DockerBackend, client: docker.DockerClient, reaper: Reaper, tmp_path: Path
) -> None:
    """A taken port: the server exits at start; the error names the image and the log,
    and the container is gone."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    before = {c.id for c in _session_containers(client, reaper.session_id)}
    started = time.monotonic()
    try:
        with pytest.raises(ServerStartError) as info:
            start_dev(backend.vault_image, backend.vault, tmp_path / "dev", reaper, port=port)
    finally:
        holder.close()
    assert time.monotonic() - started < 60
    message = str(info.value)
    assert backend.vault_image in message
    assert "address already in use" in message.lower()
    assert str(tmp_path / "dev" / "server.log") in message
    assert {c.id for c in _session_containers(client, reaper.session_id)} <= before


def test_an_image_that_cannot_be_had_is_a_clear_error(client: docker.DockerClient) -> None:
    # A registry on a closed loopback port: the pull fails at once, and no traffic
    # leaves the machine.
    image = "127.0.0.1:1/vault-gate-test/no-such-image:0"
    started = time.monotonic()
    with pytest.raises(ImageUnavailable, match=r"no-such-image:0 is not on this Docker engine"):
        ensure_image(client, image)
    assert time.monotonic() - started < 90


@pytest.mark.parametrize(
    ("mode", "sig", "expected_rc"),
    [("fail", None, 1), ("wait", signal.SIGKILL, -signal.SIGKILL)],
    ids=["failed", "killed"],
)
def test_no_container_outlives_the_session(
    client: docker.DockerClient, tmp_path: Path, mode: str, sig: int | None, expected_rc: int
) -> None:
    """After a failing session, and after pytest is killed (the reaper's work), no
    container of the session, no server process and no directory is left."""
    state, rc, out = run_signalled(tmp_path, mode, "docker", sig, BOUND_S)
    assert rc == expected_rc, out
    assert state["backend"] == "docker"
    assert len(state["pids"]) == 3, state  # postgres, dev, secure
    deadline = time.monotonic() + 30
    while True:
        left = _session_containers(client, state["reaper_session"])
        live = [p for p in state["pids"] if Path(f"/proc/{p}").exists()]
        dirs = [d for d in state["dirs"] if Path(d).exists()]
        if not left and not live and not dirs:
            break
        assert time.monotonic() < deadline, f"left behind: {left}, pids {live}, dirs {dirs}"
        time.sleep(0.2)


@pytest.mark.timeout(INNER_TIMEOUT_S + 60)
def test_foundation_passes_on_docker(client: docker.DockerClient) -> None:
    """The foundation's server tests (tests/test_foundation.py), unchanged, on containers."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_foundation.py", "--backend", "docker",
         "-p", "no:cacheprovider", "-o", "addopts=", "-q", "-rA"],
        cwd=ROOT, capture_output=True, text=True, timeout=INNER_TIMEOUT_S, check=False,
    )  # fmt: skip
    output = out.stdout + out.stderr
    assert out.returncode == 0, output[-5000:]
    summary = output.strip().splitlines()[-1]
    assert " passed" in summary and not any(w in summary for w in ("failed", "error", "skipped")), (
        summary
    )


@pytest.mark.timeout(INNER_TIMEOUT_S + 60)  # a whole sign-off: beyond the default 300 s
def test_signoff_on_docker_same_verdicts_as_processes(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    """The whole sign-off on containers: every scenario passes, every criterion passes in
    every environment, as on the process backend (tests/test_signoff.py)."""
    reports = tmp_path / "reports"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-k", "success_criteria", "--backend", "docker",
         "-p", "no:cacheprovider", "--report-dir", str(reports)],
        cwd=ROOT, capture_output=True, text=True, timeout=INNER_TIMEOUT_S, check=False,
    )  # fmt: skip
    output = out.stdout + out.stderr
    assert out.returncode == 0, output[-5000:]
    assert f"{SCENARIOS} passed" in output, output[-3000:]
    data = orjson.loads((reports / "signoff.json").read_bytes())
    assert data["meta"]["backend"] == "docker"
    statuses = {
        (c["id"], env): cell["status"]
        for c in data["criteria"]
        for env, cell in c["environments"].items()
    }
    assert set(statuses) == {(c.id, e) for c in CRITERIA for e in ("dev", "staging", "prod")}
    assert {k: v for k, v in statuses.items() if v != "pass"} == {}
    assert data["passed"] is True


def test_auto_falls_back_to_processes_only_with_the_reason(
    client: docker.DockerClient, reaper: Reaper
) -> None:
    """An engine answers but an image cannot be had: auto runs processes and says why in
    the report's backend line; an explicit --backend docker fails with the same reason."""
    missing = BackendOptions(vault_image="127.0.0.1:1/vault-gate-test/no-such-image:0")
    chosen = make_backend("auto", reaper, missing)
    assert chosen.name == "process"
    assert "no-such-image:0 is not on this Docker engine" in chosen.versions()["backend"]
    with pytest.raises(BackendUnavailable, match=r"--backend docker: image .*no-such-image:0"):
        make_backend("docker", reaper, missing)
    assert make_backend("auto", reaper, BackendOptions()).name == "docker"

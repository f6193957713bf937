"""compliance.checks.running: passes on the correct set-up, fails on known-bad servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_gate.compliance.checks.running import check_vault_running
from vault_gate.compliance.profiles import profile
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.binaries import resolve_vault_binary
from vault_gate.fixtures.servers.openbao import initialise, start_server
from vault_gate.fixtures.servers.tls import SessionCA

pytestmark = pytest.mark.servers


def test_passes_for_each_environment(world: World) -> None:
    for name, env in world.environments.items():
        server = env.server
        result = check_vault_running(
            server.addr, env.profile, str(server.ca_file) if server.ca_file else None
        )
        assert result.passed, result.explain()
        assert result.environment == name and result.criterion == "vault_running"


def test_dev_server_fails_as_production(world: World) -> None:
    """The plan's docker-compose server (dev mode, plain HTTP) is not a production Vault."""
    dev = world.env("dev").server
    result = check_vault_running(dev.addr, profile("prod"))
    assert not result.passed
    assert any("requires TLS" in f for f in result.findings), result.explain()
    assert any("dev-mode server (in-memory storage)" in f for f in result.findings)


def test_unreachable_server_fails() -> None:
    result = check_vault_running(f"http://127.0.0.1:{free_port()}", profile("dev"))
    assert not result.passed
    assert result.findings == ("not reachable: ConnectionError",)


def test_untrusted_certificate_fails(world: World) -> None:
    """TLS the app's CA file cannot verify is a failure, not a warning."""
    prod = world.env("prod")
    result = check_vault_running(prod.server.addr, prod.profile, ca_file=None)
    assert not result.passed
    assert any("TLS verification failed" in f for f in result.findings), result.explain()


def test_sealed_server_fails(tmp_path: Path) -> None:
    reaper = Reaper()
    ca = SessionCA(tmp_path)
    server = start_server(resolve_vault_binary(), tmp_path / "v", reaper, ca, name="sealed")
    try:
        uninitialised = check_vault_running(server.addr, profile("prod"), str(ca.ca_file))
        assert "server is not initialised" in uninitialised.findings
        initialise(server)
        sealed = check_vault_running(server.addr, profile("prod"), str(ca.ca_file))
        assert "server is sealed" in sealed.findings, sealed.explain()
    finally:
        server.stop()
        reaper.close()

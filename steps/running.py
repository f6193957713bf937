"""Steps of features/vault_running.feature."""

from __future__ import annotations

from pytest_bdd import then, when

from vault_gate.compliance.checks.running import check_vault_running
from vault_gate.compliance.result import CheckResult
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@when("the harness checks that Vault is running and reachable", target_fixture="result")
def check_running(environment: BootstrappedEnvironment) -> CheckResult:
    """Judges the server: initialised, unsealed, TLS verified where the profile requires it, not
    dev mode outside dev."""
    server = environment.server
    return check_vault_running(
        server.addr, environment.profile, str(server.ca_file) if server.ca_file else None
    )


@then("the evidence shows the address, the seal state and the storage")
def evidence_shows(result: CheckResult) -> None:
    """The running check's evidence names the address, sys/health and sys/seal-status."""
    looked_at = {e.looked_at for e in result.evidence}
    assert {"address", "sys/health", "sys/seal-status"} <= looked_at, result.explain()

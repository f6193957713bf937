"""Steps of features/vault_running.feature."""

from __future__ import annotations

from pytest_bdd import then, when

from compliance.result import CheckResult
from compliance.running import check_vault_running
from fixtures.bootstrap import BootstrappedEnvironment


@when("the harness checks that Vault is running and reachable", target_fixture="result")
def check_running(environment: BootstrappedEnvironment) -> CheckResult:
    server = environment.server
    return check_vault_running(
        server.addr, environment.profile, str(server.ca_file) if server.ca_file else None
    )


@then("the evidence shows the address, the seal state and the storage")
def evidence_shows(result: CheckResult) -> None:
    looked_at = {e.looked_at for e in result.evidence}
    assert {"address", "sys/health", "sys/seal-status"} <= looked_at, result.explain()

"""Steps every criterion shares: choosing an environment and judging a CheckResult."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from vault_gate.compliance.result import CheckResult
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@given(
    parsers.parse("the {environment} environment's Vault server"),
    target_fixture="environment",
)
def the_environment(world: World, environment: str) -> BootstrappedEnvironment:
    """The environment's server, bootstrapped with the target's own set-up; every scenario starts
    here."""
    return world.env(environment)


@then("the check passes")
def the_check_passes(result: CheckResult) -> None:
    """The verdict: the `result` an earlier step produced passes, else its findings are the
    failure."""
    assert result.passed, result.explain()

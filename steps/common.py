"""Steps every criterion shares: choosing an environment and judging a CheckResult."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from compliance.result import CheckResult
from fixtures.bootstrap import BootstrappedEnvironment
from fixtures.world import World


@given(
    parsers.parse("the {environment} environment's Vault server"),
    target_fixture="environment",
)
def the_environment(world: World, environment: str) -> BootstrappedEnvironment:
    return world.env(environment)


@then("the check passes")
def the_check_passes(result: CheckResult) -> None:
    assert result.passed, result.explain()

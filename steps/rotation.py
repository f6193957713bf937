"""Steps of features/rotation_works.feature.

The rotation scenario runs ahead (fixtures/run/lanes.py): its work is an experiment of
fixtures/run/experiments.py, and each step waits for the stage it names.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_bdd import given, parsers, then, when

from vault_gate.compliance.checks.rotation import RotationProbe, check_no_stale_cache
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.target import Target
from vault_gate.fixtures.app.process import AppProcess
from vault_gate.fixtures.run.lanes import Experiment
from vault_gate.fixtures.run.plugin import run_ahead
from vault_gate.fixtures.run.rotation import RotationRun
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@given(parsers.parse("the application running in {name}"), target_fixture="app")
def app_running(
    request: pytest.FixtureRequest,
    environment: BootstrappedEnvironment,
    pooled_app: Callable[[BootstrappedEnvironment], AppProcess],
    target: Target,
) -> AppProcess:
    """The target's application as a real process in that environment, started with its own
    variable names and a secret_id file."""
    experiment = run_ahead(request)
    if experiment is not None:  # the scenario's app is its experiment's
        return experiment.wait("app")
    if target.app is None:
        pytest.skip(f"target {target.name} declares no application to start ([app])")
    return pooled_app(environment)


@when(
    "the harness reads the application's code for secrets cached without expiry",
    target_fixture="result",
)
def read_code_for_caches(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """Reads the target's code for a secret kept without expiry (a cache that never sees a rotated
    value)."""
    return check_no_stale_cache(target.source_files(), environment.profile.name)


@given("a user who logged in before the rotation", target_fixture="probe")
def user_logged_in(experiment: Experiment) -> RotationProbe:
    """A test user logged in through the target's login probe before the rotation (run ahead in the
    environment's lane)."""
    return experiment.wait("probe")


@when("an operator rotates every secret with the application's own rotation tool",
      target_fixture="rotated")  # fmt: skip
def operator_rotates(experiment: Experiment) -> RotationRun:
    """The target's own rotation tool, run from its root with a token of the rotation policy the
    target declares."""
    return experiment.wait("rotated")


@when("the grace window for the old values has passed")
def grace_window_passes(experiment: Experiment) -> None:
    """Waits out the target's declared grace window and cache TTL."""
    experiment.wait("grace")


@then("the application still serves the user after a new login")
def still_serves(experiment: Experiment) -> None:
    """The application still answers the user after a new login."""
    experiment.wait("still_serves")


@then(
    "every old value the target declares is refused",
    target_fixture="result",
)
def old_values_refused(experiment: Experiment) -> CheckResult:
    """Every old value is tried again: credential, session cookie, database login, secret_id; each
    must be refused."""
    result: CheckResult = experiment.wait("judged")
    assert result.passed, result.explain()
    return result


@then("the application serves the new key versions")
def serves_new_versions(result: CheckResult, app: AppProcess) -> None:
    """Where the target declares a versions probe, the app says it serves the new KV versions."""
    if app.target is None or app.target.app is None or app.target.app.versions is None:
        return  # the app does not say what it serves: the old values refused must do
    assert any("versions it serves" in e.looked_at for e in result.evidence), result.explain()
    assert not any("the app serves" in f for f in result.findings), result.explain()

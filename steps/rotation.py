"""Steps of features/rotation_works.feature.

The rotation scenario runs ahead (fixtures/lanes.py): its work is an experiment of
fixtures/experiments.py, and each step waits for the stage it names.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_bdd import given, parsers, then, when

from compliance.result import CheckResult
from compliance.rotation import RotationProbe, check_no_stale_cache
from compliance.target import Target
from fixtures.app import AppProcess
from fixtures.bootstrap import BootstrappedEnvironment
from fixtures.lanes import Experiment
from fixtures.plugin import run_ahead
from fixtures.rotation import RotationRun


@given(parsers.parse("the application running in {name}"), target_fixture="app")
def app_running(
    request: pytest.FixtureRequest,
    environment: BootstrappedEnvironment,
    pooled_app: Callable[[BootstrappedEnvironment], AppProcess],
    target: Target,
) -> AppProcess:
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
    return check_no_stale_cache(target.source_files(), environment.profile.name)


@given("a user who logged in before the rotation", target_fixture="probe")
def user_logged_in(experiment: Experiment) -> RotationProbe:
    return experiment.wait("probe")


@when("an operator rotates every secret with the application's own rotation tool",
      target_fixture="rotated")  # fmt: skip
def operator_rotates(experiment: Experiment) -> RotationRun:
    return experiment.wait("rotated")


@when("the grace window for the old values has passed")
def grace_window_passes(experiment: Experiment) -> None:
    experiment.wait("grace")


@then("the application still serves the user after a new login")
def still_serves(experiment: Experiment) -> None:
    experiment.wait("still_serves")


@then(
    "the old credential, session cookie, database login and secret_id are all refused",
    target_fixture="result",
)
def old_values_refused(experiment: Experiment) -> CheckResult:
    result: CheckResult = experiment.wait("judged")
    assert result.passed, result.explain()
    return result


@then("the application serves the new key versions")
def serves_new_versions(result: CheckResult, app: AppProcess) -> None:
    if app.target is None or app.target.app is None or app.target.app.versions is None:
        return  # the app does not say what it serves: the old values refused must do
    assert any("versions it serves" in e.looked_at for e in result.evidence), result.explain()
    assert not any("the app serves" in f for f in result.findings), result.explain()

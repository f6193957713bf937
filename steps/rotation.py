"""Steps of features/rotation_works.feature."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pytest_bdd import given, parsers, then, when

from compliance.result import CheckResult
from compliance.rotation import RotationProbe, check_no_stale_cache, check_rotation
from compliance.target import Target
from fixtures.app import AppProcess
from fixtures.bootstrap import BootstrappedEnvironment
from fixtures.rotation import RotationRun, capture_probe, run_rotation, tries
from fixtures.world import World


@given(parsers.parse("the application running in {name}"), target_fixture="app")
def app_running(
    environment: BootstrappedEnvironment,
    pooled_app: Callable[[BootstrappedEnvironment], AppProcess],
    target: Target,
) -> AppProcess:
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
def user_logged_in(environment: BootstrappedEnvironment, app: AppProcess) -> RotationProbe:
    return capture_probe(environment, app)


@when("an operator rotates every secret with the application's own rotation tool",
      target_fixture="rotated")  # fmt: skip
def operator_rotates(
    environment: BootstrappedEnvironment, app: AppProcess, target: Target
) -> RotationRun:
    if target.rotation is None:
        pytest.skip(f"not run: target {target.name} declares no rotation tool ([rotation])")
    return run_rotation(environment, app)


@when("the grace window for the old values has passed")
def grace_window_passes(target: Target) -> None:
    grace = target.rotation.grace_s if target.rotation else 0.0
    cache = target.app.cache_ttl_s if target.app else 0.0
    time.sleep(grace + cache + 0.2)


@then("the application still serves the user after a new login")
def still_serves(app: AppProcess) -> None:
    if app.target is None or app.target.app is None or app.target.app.login is None:
        pytest.skip("not run: the application declares no login ([app.login])")
    token = app.login()
    response = app.authed(token)
    assert response.status_code in app.target.app.request.ok, response.status_code  # type: ignore[union-attr]


@then(
    "the old credential, session cookie, database login and secret_id are all refused",
    target_fixture="result",
)
def old_values_refused(
    world: World,
    environment: BootstrappedEnvironment,
    app: AppProcess,
    probe: RotationProbe,
    rotated: RotationRun,
    target: Target,
) -> CheckResult:
    result = check_rotation(
        tries(world, environment, app),
        environment.profile.name,
        probe,
        rotated=rotated.after,
        before=rotated.before,
    )
    assert result.passed, result.explain()
    return result


@then("the application serves the new key versions")
def serves_new_versions(result: CheckResult, app: AppProcess) -> None:
    if app.target is None or app.target.app is None or app.target.app.versions is None:
        return  # the app does not say what it serves: the old values refused must do
    assert any("versions it serves" in e.looked_at for e in result.evidence), result.explain()
    assert not any("the app serves" in f for f in result.findings), result.explain()

"""Steps of features/rotation_works.feature."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from pytest_bdd import given, parsers, then, when

from compliance.result import CheckResult
from compliance.rotation import RotationProbe, check_no_stale_cache, check_rotation
from fixtures.app import AppProcess
from fixtures.bootstrap import BootstrappedEnvironment
from fixtures.rotation import capture_probe, rotate_everything, rotation_targets
from fixtures.target import Target
from fixtures.world import World

GRACE_S = 1
APP_CACHE_TTL_S = 1  # fixtures.app sets STORE_ERP_CACHE_TTL_S=1


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


@when(
    "an operator rotates the JWT key, the Flask key, the database logins and the secret_id",
    target_fixture="rotated",
)
def operator_rotates(
    environment: BootstrappedEnvironment, app: AppProcess, target: Target
) -> dict[str, int]:
    command = target.app.rotate_argv() if target.app else None
    return rotate_everything(environment, app, grace_s=GRACE_S, command=command)


@when("the grace window for the old JWT key has passed")
def grace_window_passes() -> None:
    time.sleep(GRACE_S + APP_CACHE_TTL_S + 0.2)


@then("the application still serves the user after a new login")
def still_serves(app: AppProcess) -> None:
    token = app.login()
    response = app.request("GET", "/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


@then(
    "the old JWT, session cookie, database login and secret_id are all refused",
    target_fixture="result",
)
def old_values_refused(
    world: World,
    environment: BootstrappedEnvironment,
    app: AppProcess,
    probe: RotationProbe,
    rotated: dict[str, int],
    target: Target,
) -> CheckResult:
    result = check_rotation(
        rotation_targets(world, environment, app),
        environment.profile.name,
        probe,
        rotated=rotated,
    )
    assert result.passed, result.explain()
    return result


@then("the application serves the new key versions")
def serves_new_versions(result: CheckResult) -> None:
    assert any(e.looked_at.endswith("/health") for e in result.evidence), result.explain()
    assert not any("the app serves" in f for f in result.findings), result.explain()

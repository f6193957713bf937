"""Steps of features/rotation_under_load.feature: rotation while clients use the app.

The scenario runs ahead (fixtures/run/lanes.py): the load and the rotations are an
experiment of fixtures/run/experiments.py; each step waits for the stage it judges.
"""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, then, when

from vault_gate.fixtures.run.experiments import LOAD_ROTATIONS
from vault_gate.fixtures.run.lanes import Experiment
from vault_gate.fixtures.run.load_rotation import LoadRotation
from vault_gate.fixtures.run.signoff import record_measurement
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@when(
    parsers.parse(
        "clients use the application while an operator rotates the application's "
        "secrets {times:d} times"
    ),
    target_fixture="load_rotation",
)
def rotate_while_loaded(
    request: pytest.FixtureRequest,
    environment: BootstrappedEnvironment,
    experiment: Experiment,
    times: int,
) -> LoadRotation:
    """Bounded clients use the application while the rotation tool runs several times
    (prod only)."""
    if times != LOAD_ROTATIONS:
        raise ValueError(f"the load experiment rotates {LOAD_ROTATIONS} times, not {times}")
    run: LoadRotation = experiment.wait("loaded")
    record_measurement(
        request.config,
        f"rotation under load [{environment.profile.name}]",
        run.measurement(),
    )
    return run


@then("no request of a client with a valid token failed")
def no_valid_request_failed(load_rotation: LoadRotation) -> None:
    """Under that load, no request of a client with a valid token failed."""
    summary = load_rotation.summary
    assert summary.requests > 0
    assert summary.failures == 0, (
        f"{summary.failures} of {summary.requests} requests failed: {summary.failure_examples}"
    )


@then("every credential issued with a rotated-away secret is refused once its grace window ends")
def old_tokens_are_refused(experiment: Experiment) -> None:
    """Every credential issued before a rotation is refused once its grace window ends."""
    problems = experiment.wait("old_refused")
    assert not problems, problems

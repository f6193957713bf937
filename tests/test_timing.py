"""fixtures/run/timing.py: where the sign-off's time went, from its scenarios' reports (plain
data; tests/test_signoff.py's browser test reads the same figures off a real run)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vault_gate.fixtures.run.timing import (
    _WORLD_READY,
    CELL_ATTR,
    EXPERIMENT_ATTR,
    WORLD_ATTR,
    _Timings,
)


def _report(nodeid: str, when: str, duration: float, env: str, **attrs: object) -> object:
    return SimpleNamespace(
        nodeid=nodeid, when=when, duration=duration, **{CELL_ATTR: {"environment": env}}, **attrs
    )


def _experiment(span: float, waited: float, waits: float) -> dict:
    return {"span_s": span, "waited_in_scenario_s": waited, "declared_waits_s": waits}


@pytest.fixture
def timings() -> _Timings:
    config = SimpleNamespace(stash=pytest.Stash())
    config.stash[_WORLD_READY] = {"world_ready_s": 5.0, "boot_s": 2.0, "bootstrap_s": 2.5}
    return _Timings(config)  # type: ignore[arg-type]


def test_a_scenario_that_ran_ahead_counts_its_experiment_not_its_wait(timings: _Timings) -> None:
    for when, d in (("setup", 0.1), ("call", 4.0), ("teardown", 0.1)):
        extra = {EXPERIMENT_ATTR: _experiment(12.0, 3.9, 10.5)} if when == "teardown" else {}
        timings.pytest_runtest_logreport(_report("rot[prod]", when, d, "prod", **extra))  # type: ignore[arg-type]
    # 4.2 s in the foreground, 3.9 of them waiting: 0.3 s of its own, and 12 s ahead
    assert timings.duration("rot[prod]") == pytest.approx(12.3)


def test_the_world_is_not_the_time_of_the_scenario_that_made_it(timings: _Timings) -> None:
    timings.pytest_runtest_logreport(  # type: ignore[arg-type]
        _report("first[prod]", "call", 5.2, "prod", **{WORLD_ATTR: 5.0})
    )
    assert timings.duration("first[prod]") == pytest.approx(0.2)


def test_the_critical_paths_are_the_longest_chain_and_the_longest_waits(
    timings: _Timings,
) -> None:
    rows = [
        _report("a[prod]", "call", 2.0, "prod"),
        _report("load[prod]", "teardown", 0.5, "prod",
                **{EXPERIMENT_ATTR: _experiment(8.0, 0.5, 7.5)}),
        _report("a[dev]", "call", 6.0, "dev"),
        _report("rot[dev]", "teardown", 0.0, "dev", **{EXPERIMENT_ATTR: _experiment(4.0, 0, 3)}),
    ]  # fmt: skip
    for r in rows:
        timings.pytest_runtest_logreport(r)  # type: ignore[arg-type]
    t = timings.run_timing()
    # prod: 2 s in the foreground + 8 s ahead; dev: 6 + 4; prod has the longest waits
    assert t["lanes"]["prod"] == {
        "foreground_s": 2.0, "ahead_s": 8.0, "waits_s": 7.5, "chain_s": 10.0,
    }  # fmt: skip
    assert t["lanes"]["dev"]["chain_s"] == 10.0 and t["lanes"]["dev"]["waits_s"] == 3.0
    assert t["critical_path_s"] == 15.0  # servers ready at 5 s + the longest chain
    assert t["critical_path_of_declared_waits_s"] == 12.5  # + prod's 7.5 s of windows
    assert t["wall_s"] > 0 and t["wall_to_critical_path"] == round(t["wall_s"] / 15.0, 2)


def test_no_timing_without_servers_or_on_an_xdist_worker(timings: _Timings) -> None:
    worker = _Timings(SimpleNamespace(stash=timings.config.stash, workerinput={}))  # type: ignore[arg-type]
    assert worker.run_timing() == {}
    assert _Timings(SimpleNamespace(stash=pytest.Stash())).run_timing() == {}  # type: ignore[arg-type]

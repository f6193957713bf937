"""fixtures/run/lanes.py: the order that lets waits overlap, when an experiment may start,
and that a failing stage stays its own scenario's (plain data and threads; the
sign-off's own runs prove it on real servers, tests/test_signoff.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from vault_gate.fixtures.run.lanes import (
    Experiment,
    ExperimentCancelled,
    Lanes,
    Planned,
    StageNotRun,
    run_ahead_order,
)


@dataclass(frozen=True)
class Item:
    name: str
    env: str | None
    ahead: bool = False


def _order(items: list[Item]) -> list[str]:
    out = run_ahead_order(items, lambda i: i.env, lambda i: i.ahead)
    return [i.name for i in out]


SIGNOFF = [
    Item("a-dev", "dev"), Item("a-stg", "staging"), Item("a-prod", "prod"),
    Item("load-prod", "prod", ahead=True),
    Item("rot-dev", "dev", ahead=True), Item("rot-stg", "staging", ahead=True),
    Item("rot-prod", "prod", ahead=True),
    Item("b-dev", "dev"), Item("b-stg", "staging"), Item("b-prod", "prod"),
]  # fmt: skip


def test_the_busiest_environment_goes_first_then_the_others_take_turns() -> None:
    assert _order(SIGNOFF) == [
        "a-prod", "b-prod",  # prod has two run-ahead scenarios: its lane starts soonest
        "a-dev", "a-stg", "b-dev", "b-stg",  # the others take turns (their apps restart)
        "load-prod", "rot-prod", "rot-dev", "rot-stg",  # results, busiest first
    ]  # fmt: skip


def test_other_tests_keep_their_places_and_nothing_is_lost() -> None:
    items = [Item("unit-1", None), *SIGNOFF[:5], Item("unit-2", None), *SIGNOFF[5:]]
    out = _order(items)
    assert out[0] == "unit-1" and out[6] == "unit-2"
    assert sorted(out) == sorted(i.name for i in items)


def test_without_run_ahead_scenarios_the_order_is_untouched() -> None:
    items = [i for i in SIGNOFF if not i.ahead]
    assert _order(items) == [i.name for i in items]


def _lanes(order: list[Item]) -> Lanes:
    planned, foreground = [], {}
    for n, it in enumerate(order):
        if it.env is None:
            continue
        if it.ahead:
            planned.append(Planned(it.name, n, it.env, "t"))
        else:
            foreground.setdefault(it.env, []).append(n)
    return Lanes(planned, foreground)


def test_an_experiment_starts_only_when_no_scenario_of_its_environment_comes_first() -> None:
    order = run_ahead_order(SIGNOFF, lambda i: i.env, lambda i: i.ahead)
    lanes = _lanes(order)
    names = [i.name for i in order]
    at = {n: names.index(n) for n in names}
    # While prod's own foreground scenarios run, none of its experiments may start.
    assert [p.nodeid for p in lanes.launchable(at["b-prod"])] == []
    # Once they are done, prod's both may (they queue in prod's lane), dev's not yet.
    assert {p.nodeid for p in lanes.launchable(at["a-dev"])} == {"load-prod", "rot-prod"}
    # After dev's last foreground scenario has begun, dev's experiment may start too.
    assert "rot-dev" in {p.nodeid for p in lanes.launchable(at["b-stg"])}
    assert "rot-stg" not in {p.nodeid for p in lanes.launchable(at["b-stg"])}


def _run(exp: Experiment) -> Experiment:
    lanes = Lanes([Planned("x", 0, exp.environment, "t")], {})
    got = lanes.launch("x", lambda _: exp, ahead=False)
    lanes.close()
    return got


def test_a_failed_stage_is_raised_where_it_is_waited_for_and_the_rest_never_run() -> None:
    ran: list[str] = []

    def ok(exp: Experiment) -> int:
        ran.append("ok")
        return 1

    def boom(exp: Experiment) -> None:
        raise AssertionError("the old credential was still accepted")

    def after(exp: Experiment) -> None:
        ran.append("after")

    undone = threading.Event()
    exp = Experiment("rotation", "dev", [("ok", ok), ("boom", boom), ("after", after)])
    exp.on_end.append(undone.set)
    _run(exp)
    assert exp.wait("ok") == 1
    with pytest.raises(AssertionError, match="still accepted"):
        exp.wait("boom")
    with pytest.raises(StageNotRun, match="'boom'"):
        exp.wait("after")
    assert ran == ["ok"] and undone.is_set()


def test_a_skip_in_a_stage_skips_the_scenario_that_waits_for_it() -> None:
    def no_app(exp: Experiment) -> None:
        pytest.skip("not run: no [app]")

    exp = _run(Experiment("rotation", "dev", [("app", no_app)]))
    with pytest.raises(pytest.skip.Exception, match="no \\[app\\]"):
        exp.wait("app")


def test_one_lane_per_environment_runs_one_experiment_at_a_time() -> None:
    running: dict[str, int] = {}
    most: dict[str, int] = {}
    lock = threading.Lock()

    def work(exp: Experiment) -> None:
        with lock:
            running[exp.environment] = running.get(exp.environment, 0) + 1
            most[exp.environment] = max(most.get(exp.environment, 0), running[exp.environment])
        time.sleep(0.05)
        with lock:
            running[exp.environment] -= 1

    planned = [Planned(f"{e}-{n}", n, e, "t") for e in ("dev", "prod") for n in range(3)]
    lanes = Lanes(planned, {})
    for p in planned:
        lanes.launch(p.nodeid, lambda p: Experiment("e", p.environment, [("w", work)]), True)
    lanes.close()
    assert most == {"dev": 1, "prod": 1}
    assert all(e.ended_at is not None for e in lanes.experiments.values())


def test_closing_wakes_an_experiment_from_its_wait() -> None:
    def long_wait(exp: Experiment) -> None:
        exp.sleep(60)

    exp = Experiment("rotation", "prod", [("grace", long_wait)])
    lanes = Lanes([Planned("x", 0, "prod", "t")], {})
    lanes.launch("x", lambda _: exp, ahead=True)
    time.sleep(0.1)
    started = time.monotonic()
    lanes.close(cancel=True)
    assert time.monotonic() - started < 5
    with pytest.raises(ExperimentCancelled):
        exp.wait("grace")


def test_declared_waits_and_stage_times_are_kept() -> None:
    def grace(exp: Experiment) -> None:
        exp.declare_wait("grace window", 0.05)
        exp.sleep(0.05)

    exp = _run(Experiment("rotation", "dev", [("grace", grace)]))
    exp.wait("grace")
    timing = exp.timing()
    assert timing["declared_waits_s"] == 0.05
    assert timing["stages_s"]["grace"] >= 0.05
    assert timing["span_s"] >= 0.05 and timing["ran_ahead"] is False


def test_an_experiment_that_cannot_be_built_fails_its_own_scenario_only() -> None:
    def build(planned: Planned) -> Experiment:
        raise KeyError("environment 'qa' not bootstrapped")

    lanes = Lanes([Planned("x", 3, "qa", "t")], {})
    exp = lanes.launch("x", build, ahead=True)  # from another scenario's setup: no raise
    lanes.close()
    with pytest.raises(KeyError, match="not bootstrapped"):
        exp.wait("app")


def test_waiting_for_a_stage_the_experiment_lacks_names_its_stages() -> None:
    exp = _run(Experiment("rotation", "dev", [("app", lambda e: 1)]))
    with pytest.raises(KeyError, match="no stage 'probe': app"):
        exp.wait("probe")

"""The scan's shared work (compliance/scan/parallel.py): every task once, results in
task order, nothing lost when a child dies, errors raised here, no child left over."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vault_gate.compliance.scan import parallel, repo

_STATE: dict[str, object] = {}
TOKEN_PREFIX = "hv" + "s."  # split: this file holds no token for our own scan to find
CHILD_START_TIMEOUT_S = 60  # a spawned child (this process has threads) imports first


def _init(offset: int, marker: str) -> None:
    _STATE.update(offset=offset, marker=marker)


def _square(task: int) -> tuple[int, int, int]:
    """(task, result, pid): which process ran it. A child says it has taken a task (the
    marker file) before it works on it."""
    Path(str(_STATE["marker"])).touch()
    time.sleep(0.001)
    return task, task * task + int(_STATE["offset"]), os.getpid()  # type: ignore[call-overload]


def _die(task: int) -> tuple[int, int, int]:
    Path(str(_STATE["marker"])).touch()
    os.kill(os.getpid(), signal.SIGKILL)
    return _square(task)


def _local_after_a_child(marker: Path) -> Callable[[int], tuple[int, int, int]]:
    """This process's tasks, once a child has taken one (so every run tests what it
    says, whether the children fork in a millisecond or spawn in a second)."""

    def local(task: int) -> tuple[int, int, int]:
        deadline = time.monotonic() + CHILD_START_TIMEOUT_S
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.001)
        return task, task * task + 1000, os.getpid()

    return local


def test_results_come_back_in_task_order_from_every_process(tmp_path: Path) -> None:
    tasks = list(range(400))
    marker = tmp_path / "taken"
    got = parallel.run_shared(
        tasks, workers=3, local=_local_after_a_child(marker), fn=_square, initializer=_init,
        initargs=(1000, str(marker)), order=list(reversed(tasks)),
    )  # fmt: skip
    assert [t for t, _, _ in got] == tasks
    assert [r for _, r, _ in got] == [t * t + 1000 for t in tasks]
    pids = {pid for _, _, pid in got}
    assert os.getpid() in pids
    assert len(pids) >= 2, "the children took no task"
    assert not multiprocessing.active_children()


def test_a_child_that_dies_loses_no_task(tmp_path: Path) -> None:
    """The child dies on the first task it takes (this process starts its own only
    after that): that task is run here after all."""
    tasks = list(range(200))
    marker = tmp_path / "taken"
    got = parallel.run_shared(
        tasks, workers=2, local=_local_after_a_child(marker), fn=_die, initializer=_init,
        initargs=(0, str(marker)),
    )  # fmt: skip
    assert marker.exists()
    assert [t for t, _, _ in got] == tasks
    assert [r for _, r, _ in got] == [t * t + 1000 for t in tasks]
    assert {pid for _, _, pid in got} == {os.getpid()}
    assert not multiprocessing.active_children()


def _always_fails(task: int) -> int:
    Path(str(_STATE["marker"])).touch()
    raise ValueError(f"task {task} read something it should not show")


def test_an_error_in_a_task_is_raised_here_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The child's task fails: the child stops quietly (no traceback of its own on
    stderr, where its message would show); the task runs again here and its error is
    raised here."""
    marker = tmp_path / "taken"
    local = _local_after_a_child(marker)

    def local_fails_on_3(task: int) -> object:
        if task == 3:
            raise ValueError("task 3 is bad")
        return local(task)

    with pytest.raises(ValueError, match="task 3 is bad"):
        parallel.run_shared(
            list(range(50)), workers=2, local=local_fails_on_3, fn=_always_fails,
            initializer=_init, initargs=(0, str(marker)),
        )  # fmt: skip
    assert marker.exists(), "the child took no task"
    assert not multiprocessing.active_children()
    assert "should not show" not in capfd.readouterr().err


def test_a_tree_scanned_in_parallel_reports_what_one_process_does(tmp_path: Path) -> None:
    """The whole scan, both ways: the same findings and counts, in the same order."""
    for i in range(120):
        folder = tmp_path / f"d{i % 7}"
        folder.mkdir(exist_ok=True)
        body = "x = 1\n" * (i * 40)
        if i % 10 == 3:
            body += f'VAULT_TOKEN="{TOKEN_PREFIX}CAESIJ8x0Ql2Wq7pRt5vYbN3mKe9sLdF4gHuTiOa"\n'
        (folder / f"f{i}.py").write_text(body)
    big = tmp_path / "big.log"
    big.write_text("line\n" * 2_000_000)  # over PARALLEL_MIN_BYTES in all
    one = repo.scan([tmp_path], workers=1)
    two = repo.scan([tmp_path], workers=2)
    assert [(f.path, f.line, f.kind, f.fingerprint) for f in two.findings] == [
        (f.path, f.line, f.kind, f.fingerprint) for f in one.findings
    ]
    assert len(one.findings) == 12
    assert two.summary() == one.summary()

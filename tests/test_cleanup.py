"""6. After the session, no server process and no temp dir is left: on a pass, a failure,
Ctrl-C, and when pytest itself is killed (then the reaper cleans up).

Each case runs a real inner pytest session (tests/data/inner_session.py) that boots
the real servers, and inspects the machine after it has ended. The last one kills the
gate itself (``pytest -k success_criteria``) while its scenarios run, apps and all.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from inner_pytest import (
    ROOT,
    gate_command,
    probed_env,
    run_signalled,
    run_tmpdir,
    wait_nothing_left,
)

from vault_gate.fixtures.process import group_members

BOUND_S = 120


def _assert_nothing_left(state: dict, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        live = [pid for pid in state["pids"] if group_members(pid)]
        dirs = [d for d in state["dirs"] if Path(d).exists()]
        if not live and not dirs:
            break
        assert time.monotonic() < deadline, f"left behind: processes {live}, dirs {dirs}"
        time.sleep(0.1)
    assert state["pids"], "the inner session reported no server processes"
    assert len(state["dirs"]) >= 2


@pytest.mark.parametrize(
    ("mode", "sig", "expected_rc"),
    [
        ("pass", None, 0),
        ("fail", None, 1),
        ("wait", signal.SIGINT, 2),  # Ctrl-C: pytest's "interrupted"
        ("wait", signal.SIGKILL, -signal.SIGKILL),  # pytest dies; the reaper cleans up
    ],
    ids=["passed", "failed", "ctrl-c", "killed"],
)
def test_nothing_outlives_the_session(
    tmp_path: Path, mode: str, sig: int | None, expected_rc: int
) -> None:
    state, rc, out = run_signalled(tmp_path, mode, "process", sig, BOUND_S)
    assert rc == expected_rc, out
    _assert_nothing_left(state)
    if sig == signal.SIGKILL:
        # The reaper did the work, and then left too.
        deadline = time.monotonic() + 20
        while Path(f"/proc/{state['reaper']}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{state['reaper']}").exists() or _zombie(state["reaper"])


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# The reaper's grace (5 s) plus a loaded machine; measured: well under 10 s.
REAPED_WITHIN_S = 60
APPS_BEFORE_KILL = 3


def test_the_gate_killed_midway_leaves_nothing(tmp_path: Path) -> None:
    """SIGKILL to the gate's pytest while scenarios run (apps started, servers busy):
    the reaper ends every server and app and removes every directory, and the run's
    TMPDIR ends up empty, within a bound."""
    probe = tmp_path / "probe"
    probe.mkdir()
    tmpdir = run_tmpdir()
    state_file = probe / "state.json"
    proc = subprocess.Popen(
        gate_command("--backend", "process", "--basetemp", str(tmp_path / "basetemp")),
        cwd=ROOT,
        env=probed_env(probe, tmpdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + BOUND_S * 3
        state: dict = {}
        while state.get("apps", 0) < APPS_BEFORE_KILL:
            assert proc.poll() is None, "the gate ended before it could be killed"
            assert time.monotonic() < deadline, "the gate never started its apps"
            time.sleep(0.2)
            if state_file.exists():
                state = json.loads(state_file.read_text())
        proc.kill()  # pytest alone: servers, apps and the reaper are in sessions of their own
        proc.wait(timeout=30)
        state = json.loads(state_file.read_text())
        killed_at = time.monotonic()
        live, left = wait_nothing_left(
            [*state["pids"], state["reaper"]], state["dirs"], REAPED_WITHIN_S
        )
        assert not live and not left, f"left behind: processes {live}, dirs {left}"
        while any(tmpdir.iterdir()) and time.monotonic() < killed_at + REAPED_WITHIN_S:
            time.sleep(0.1)
        assert sorted(p.name for p in tmpdir.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)

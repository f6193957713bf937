"""6. After the session, no server process and no temp dir is left: on a pass, a failure,
Ctrl-C, and when pytest itself is killed (then the reaper cleans up).

Each case runs a real inner pytest session (tests/data/inner_session.py) that boots
the real servers, and inspects the machine after it has ended.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from inner_pytest import ROOT, inner_command, inner_env

from fixtures.process import group_members

BOUND_S = 120


def _run_inner(tmp_path: Path, mode: str, sig: int | None = None) -> tuple[dict, int, str]:
    state_file = tmp_path / "state.json"
    proc = subprocess.Popen(
        inner_command("--backend", "process"),
        cwd=ROOT,
        env=inner_env(state_file, mode),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if sig is not None:
            deadline = time.monotonic() + BOUND_S
            while not state_file.exists():
                assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "inner session never booted"
                time.sleep(0.1)
            proc.send_signal(sig)
        out, _ = proc.communicate(timeout=BOUND_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return json.loads(state_file.read_text()), proc.returncode, out.decode()


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
    state, rc, out = _run_inner(tmp_path, mode, sig)
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

"""Running a real inner pytest session (tests/data/inner_session.py) from a test.

Used where the harness must be watched from outside: cleanup after the session,
options such as --keep-servers, what the world looked like. The inner session writes
its server pids, directories and a few facts to a JSON state file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vault_gate.fixtures.process import group_members

ROOT = Path(__file__).resolve().parent.parent
INNER = ROOT / "tests" / "data" / "inner_session.py"
# One sign-off scenario per Examples row naming an environment, in every feature of the
# sign-off (faults.feature is not one: it breaks servers of its own, outside the gate).
SIGNOFF_SCENARIOS = sum(
    len(re.findall(r"(?m)^\s*\|\s*(?:dev|staging|prod)\s*\|", p.read_text()))
    for p in (ROOT / "features").glob("*.feature")
    if p.name != "faults.feature"
)
TIMEOUT_S = 180


def inner_command(*args: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest", str(INNER), "-q", "-p", "no:cacheprovider",
        "-o", "addopts=", *args,
    ]  # fmt: skip


def inner_env(state_file: Path, mode: str) -> dict[str, str]:
    """``mode``: pass, fail, or wait (to be interrupted or killed)."""
    return {**os.environ, "VAULT_GATE_STATE_FILE": str(state_file), "VAULT_GATE_INNER_MODE": mode}


@dataclass
class InnerRun:
    returncode: int
    output: str
    state: dict | None


def run_inner(tmp_path: Path, mode: str, *args: str) -> InnerRun:
    state_file = tmp_path / "state.json"
    out = subprocess.run(
        inner_command(*args), cwd=ROOT, env=inner_env(state_file, mode),
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    state = json.loads(state_file.read_text()) if state_file.exists() else None
    return InnerRun(out.returncode, out.stdout + out.stderr, state)


# -- the gate itself as the inner run, watched by tests/data/hygiene_probe.py ---------------

PROBE_PATH = os.pathsep.join([str(ROOT / "tests"), str(ROOT / "tests" / "data")])


def gate_command(*args: str) -> list[str]:
    """``pytest -k success_criteria`` (the gate) with the hygiene probe loaded."""
    return [
        sys.executable, "-m", "pytest", "-k", "success_criteria", "-p", "no:cacheprovider",
        "-p", "hygiene_probe", *args,
    ]  # fmt: skip


def probed_env(out: Path, tmpdir: Path, **extra: str) -> dict[str, str]:
    """The inner run's environment: the probe writes to ``out``; every temp dir the run
    makes goes under ``tmpdir``, so "nothing left behind" is "``tmpdir`` is empty"."""
    path = os.pathsep.join(p for p in (PROBE_PATH, os.environ.get("PYTHONPATH", "")) if p)
    return {
        **os.environ, "PYTHONPATH": path, "TMPDIR": str(tmpdir),
        "VAULT_GATE_HYGIENE_OUT": str(out), **extra,
    }  # fmt: skip


def run_tmpdir() -> Path:
    """A fresh TMPDIR for an inner run: 0711, so PostgreSQL's unprivileged user can reach
    its own 0700 directory inside, and nobody can list it."""
    path = Path(tempfile.mkdtemp(prefix="vault-gate-run-"))
    path.chmod(0o711)
    return path


def wait_nothing_left(pids: list[int], dirs: list[str], timeout_s: float) -> tuple[list, list]:
    """Poll until no process group of ``pids`` has a live member and no dir of ``dirs``
    exists, for at most ``timeout_s``; returns what is still there (empty when clean)."""
    deadline = time.monotonic() + timeout_s
    while True:
        live = [pid for pid in pids if group_members(pid)]
        left = [d for d in dirs if Path(d).exists()]
        if (not live and not left) or time.monotonic() >= deadline:
            return live, left
        time.sleep(0.1)


def run_signalled(
    tmp_path: Path, mode: str, backend: str, sig: int | None = None, bound_s: float = 120
) -> tuple[dict, int, str]:
    """An inner session on ``backend``; with ``sig``, sent once the session has booted
    (its state file exists). Returns its state, exit code and output; the inner pytest
    is killed if it outlives the bound, so a failing test leaves no process behind."""
    state_file = tmp_path / "state.json"
    proc = subprocess.Popen(
        inner_command("--backend", backend),
        cwd=ROOT,
        env=inner_env(state_file, mode),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if sig is not None:
            deadline = time.monotonic() + bound_s
            while not state_file.exists():
                assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "inner session never booted"
                time.sleep(0.1)
            proc.send_signal(sig)
        out, _ = proc.communicate(timeout=bound_s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert state_file.exists(), out.decode()
    return json.loads(state_file.read_text()), proc.returncode, out.decode()

"""Running a real inner pytest session (tests/data/inner_session.py) from a test.

Used where the harness must be watched from outside: cleanup after the session,
options such as --keep-servers, what the world looked like. The inner session writes
its server pids, directories and a few facts to a JSON state file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INNER = ROOT / "tests" / "data" / "inner_session.py"
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

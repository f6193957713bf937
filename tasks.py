#!/usr/bin/env python3
"""Set up and run vault-gate on a machine that has only Python 3.11+ and pip.

    python3 tasks.py signoff [PYTEST ARGS...]   the main job: the sign-off on the plan's
                                                success criteria (pytest -k success_criteria)
    python3 tasks.py test    [PYTEST ARGS...]   the whole test suite

Each command first makes (or refreshes) a virtual environment in .venv with
everything pyproject.toml declares, so a fresh clone needs nothing else. The
environment is rebuilt only when pyproject.toml changes. Standard library only:
this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".vault-gate-installed"
MIN_PYTHON = (3, 11)

COMMANDS = {
    # The sign-off's scenarios are all in one module: collecting only it saves a second.
    # The sign-off has no hypothesis tests: its plugin's start (1-4 s) is left out.
    "signoff": [
        *("-m", "pytest", "steps/test_success_criteria.py", "-k", "success_criteria"),
        *("-p", "no:hypothesispytest"),
    ],
    "test": ["-m", "pytest"],
}


def _python() -> Path:
    return VENV / "bin" / "python"


def _run(argv: list[str]) -> None:
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)  # noqa: S603 - fixed commands


def _make_venv() -> None:
    try:
        _run([sys.executable, "-m", "venv", str(VENV)])
    except subprocess.CalledProcessError:
        # Some distributions ship Python without ensurepip; virtualenv brings its own pip.
        _run([sys.executable, "-m", "pip", "install", "--quiet", "virtualenv"])
        _run([sys.executable, "-m", "virtualenv", str(VENV)])


def ensure_environment() -> Path:
    """The project's virtual environment, installed to match pyproject.toml."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(
            f"vault-gate needs Python {'.'.join(map(str, MIN_PYTHON))}+, "
            f"this is {sys.version.split()[0]}"
        )
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if _python().exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return _python()
    if not _python().exists():
        _make_venv()
    py = str(_python())
    _run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip"])
    _run(
        [
            py,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[test]",
        ]
    )
    STAMP.write_text(wanted)
    return _python()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, extra = argv[0], argv[1:]
    python = ensure_environment()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.call([str(python), *COMMANDS[command], *extra], cwd=ROOT, env=env)  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

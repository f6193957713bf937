"""The sign-off run on a sample application's copy, as its team would run it: the
copy is its own git repository (with a flaw applied and committed, or none), the
sign-off runs in a separate pytest, and the report's JSON is read back.

Shared by the sample applications' sign-off tests (test_ledger_signoff.py,
test_courier_signoff.py, test_parcels_signoff.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SIGNOFF_TIMEOUT_S = 900
ENVS = ("dev", "staging", "prod")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def copy_app(
    app: Path, tmp_path: Path, flaw: Callable[[Path], None] | None, *leave_out: str
) -> Path:
    """A copy of ``app`` as its own repository, without ``leave_out`` (glob patterns)
    and ``__pycache__``, with ``flaw`` applied and committed."""
    repo = tmp_path / app.name
    shutil.copytree(app, repo, ignore=shutil.ignore_patterns("__pycache__", *leave_out))
    if flaw is not None:
        flaw(repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", app.name)
    return repo


def signoff(tmp_path: Path, repo: Path) -> tuple[int, dict, str]:
    """(exit code, signoff.json, the tail of pytest's output) of the sign-off of
    ``repo``'s target file."""
    reports = tmp_path / "reports"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "steps/test_success_criteria.py", "-k",
         "success_criteria", "-p", "no:cacheprovider", "--report-dir", str(reports),
         "--target", str(repo / "target.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=SIGNOFF_TIMEOUT_S, check=False,
    )  # fmt: skip
    data = orjson.loads((reports / "signoff.json").read_bytes())
    return out.returncode, data, out.stdout[-4000:] + out.stderr[-2000:]


def cells(data: dict) -> dict[str, dict[str, str]]:
    """criterion -> environment -> status."""
    return {
        c["id"]: {e: x["status"] for e, x in c["environments"].items()} for c in data["criteria"]
    }


def findings(data: dict, criterion: str, env: str) -> list[str]:
    """A cell's findings and its errors (why it was not judged)."""
    cell = next(c for c in data["criteria"] if c["id"] == criterion)["environments"][env]
    return [f for r in cell["results"] for f in r["findings"]] + [
        e for e in cell.get("errors", []) if isinstance(e, str)
    ]


def sub(path: Path, pattern: str, replacement: str, *, literal: bool = False) -> None:
    """Edit ``path``: ``pattern`` (multiline) must be there. ``replacement`` is a
    ``re.sub`` template (``\\1``), or with ``literal`` the text as it is."""
    text = path.read_text()
    repl: str | Callable[[re.Match[str]], str] = (
        (lambda _m: replacement) if literal else replacement
    )
    new, n = re.subn(pattern, repl, text, flags=re.MULTILINE)
    assert n, f"{pattern!r} not found in {path}"
    path.write_text(new)


def line_of(path: Path, text: str) -> int:
    """The first line of ``path`` holding ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)

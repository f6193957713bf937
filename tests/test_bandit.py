"""bandit in CI: no medium or high finding in the app, scripts, checks and fixtures, and
every ``# nosec`` names the test it silences and says why."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("store_erp", "scripts", "compliance", "fixtures")
# "# nosec B103 - the reason" (several ids: "B603,B607 - reason").
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)$")
EXPLAINED = re.compile(r"^\s+B\d{3}(?:\s*,\s*B\d{3})*\s+-\s+\S.*$")


def bandit_findings(paths: list[Path]) -> list[dict]:
    """bandit's medium- and high-severity results for ``paths`` (its JSON report)."""
    options = ["-q", "-f", "json", "--severity-level", "medium"]
    run = subprocess.run(
        [sys.executable, "-m", "bandit", *options, "-r", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: findings; anything else: bandit failed
    return json.loads(run.stdout)["results"]


def unexplained_nosec(paths: list[Path]) -> list[str]:
    """``file:line`` of each ``# nosec`` without a test id and a reason."""
    found = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = NOSEC.search(line)
                if match and not EXPLAINED.match(match.group("rest")):
                    found.append(f"{path}:{number}")
    return found


def _summary(results: list[dict]) -> list[str]:
    return [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_severity']}: "
        f"{r['issue_text']}"
        for r in results
    ]


def test_no_medium_or_high_finding_and_every_nosec_explained() -> None:
    paths = [ROOT / p for p in SCANNED]
    assert _summary(bandit_findings(paths)) == []
    assert unexplained_nosec(paths) == []


def test_known_bad_code_is_caught(tmp_path: Path) -> None:
    """The two checks fail on code that should fail them."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import subprocess\n\n\n"
        "def run(cmd):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    subprocess.call(cmd, shell=True)  # nosec\n"
        "    subprocess.call(cmd, shell=True)  # nosec B602\n"
        "    subprocess.call(cmd, shell=True)  # nosec B602 - callers pass constants\n"
    )
    findings = bandit_findings([bad])
    assert [(r["test_id"], r["line_number"]) for r in findings] == [("B602", 5)]
    assert unexplained_nosec([bad]) == [f"{bad}:6", f"{bad}:7"]

"""The fault scenarios run only on what the target declares: a target without
[app.outage], [app.diagnostics], [app.fallback], [app.write] or [app.cluster] gets the
scenarios that need them skipped, each naming the missing part (not run, never
passed), before any server starts. Watched from outside: an inner pytest run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120
SCENARIOS = 10  # features/faults.feature, Examples rows counted

BARE = """\
name = "bare"
source = []
docs = "docs"
workflows = []

[app]
command = ["python3", "-m", "http.server", "{port}"]

[app.request]
path = "/"
"""
LOGIN = '[app.login]\npath = "/login"\ntoken = "token"\n'
OUTAGE = """\
[app.outage]
unreachable = "unreachable"
sealed = "sealed"
login_refused = "refused"
audit_failed = "audit"
"""


def _run_faults(tmp_path: Path, target: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "target.toml"
    path.write_text(target)
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "steps/test_faults.py", "-m", "faults",
            "--target", str(path), "-p", "no:cacheprovider", "-q", "-rs",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip


def _skips(output: str) -> list[str]:
    """Each skip reason, once per skipped test (``SKIPPED [n] where: reason``)."""
    out = []
    for count, reason in re.findall(r"(?m)^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", output):
        out += [reason] * int(count)
    return out


def test_scenarios_without_their_contract_are_skipped_naming_it(tmp_path: Path) -> None:
    done = _run_faults(tmp_path, BARE + LOGIN)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"{SCENARIOS} skipped" in output and "passed" not in output, output
    skips = _skips(output)
    assert len(skips) == SCENARIOS, output
    assert all(s.startswith("not run: the target bare") for s in skips), skips
    wanted = {
        "declares no [app.outage], [app.diagnostics]: this scenario needs [app.outage] and "
        "[app.diagnostics] vault_logins, database_logins": 1,
        "declares no [app.outage], [app.fallback], [app.diagnostics]:": 1,
        "declares no [app.outage], [app.fallback]: this scenario needs": 1,
        "declares no [app.diagnostics]: this scenario needs [app.diagnostics] vault_logins, "
        "token_renewals": 1,
        "declares no [app.outage]: this scenario needs [app.outage]": 3,
        "declares no [app.write], [app.request] items:": 2,
        "declares no [app.cluster], [app.diagnostics]:": 1,
    }
    for words, count in wanted.items():
        assert sum(words in s for s in skips) == count, (words, skips)
    assert "vault-gate-" not in output  # no server started, nothing left to name


def test_a_scenario_whose_app_has_no_login_is_skipped_naming_it(tmp_path: Path) -> None:
    """The contract's own sections are there, the app's login is not: the audit and
    secret_id scenarios get as far as starting the app, and stop there, saying why."""
    done = _run_faults(tmp_path, BARE + OUTAGE)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    skips = _skips(output)
    assert len(skips) == SCENARIOS, output
    no_login = [s for s in skips if "declares no [app.login]" in s]
    assert len(no_login) == 3, skips  # the audit device's, and both secret_id scenarios

"""Live mode's findings as SARIF 2.1.0, through the project's writer (compliance.report.sarif).

One rule per live check (``live/<check>``), one result per finding. A finding is
about a server, not a file, so results carry no location; the message names the
environment and the address.
"""

from __future__ import annotations

from pathlib import Path

from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.live.output import Results
from vault_gate.compliance.live.runner import CHECKS


def live_sarif(results: Results, layout: Layout, addr: str) -> dict[str, object]:
    from vault_gate.compliance.report.sarif import SarifFinding, sarif_log

    rules = {f"live/{c.id}": c.title for c in CHECKS}
    findings = [
        SarifFinding(
            rule_id=f"live/{check.id}",
            message=f"{layout.profile.name} ({addr}): {finding}",
            path=None,
            line=None,
        )
        for check, result in results
        for finding in (result.findings or ("no evidence was gathered",) * (not result.passed))
    ]
    return sarif_log(findings, rules)


def write_live_sarif(path: Path, results: Results, layout: Layout, addr: str) -> None:
    from vault_gate.compliance.report.sarif import write_sarif

    write_sarif(path, live_sarif(results, layout, addr))

"""Live mode's results as text, JSON (schema_version 1) and JUnit XML.

SARIF goes through :mod:`vault_gate.compliance.report.sarif`, shared with ``vault-gate scan``.
Like every report here, these hold findings and evidence, never a value.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.live.runner import LiveCheck
from vault_gate.compliance.result import CheckResult

SCHEMA_VERSION = 1
Results = Sequence[tuple[LiveCheck, CheckResult]]


def passed(results: Results) -> bool:
    return all(r.passed for _, r in results)


def to_text(results: Results, layout: Layout, addr: str, token_source: str) -> str:
    lines = [f"vault-gate check: {layout.profile.name} at {addr} (token: {token_source})"]
    for check, result in results:
        lines.append(f"[{check.id}] {result.explain()}")
    failed = [c.id for c, r in results if not r.passed]
    lines.append(
        f"{len(results) - len(failed)} of {len(results)} checks passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return "\n".join(lines)


def to_json(
    results: Results,
    layout: Layout,
    addr: str,
    token_source: str,
    requests: Sequence[tuple[str, str]],
) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "mode": "live",
        "environment": layout.profile.name,
        "addr": addr,
        "token_source": token_source,
        "passed": passed(results),
        "requests": dict(Counter(op for op, _ in requests)),
        "layout": {
            "app": layout.app,
            "paths": list(layout.paths),
            "other_paths": {env: list(p) for env, p in layout.other_paths.items()},
            "roles": list(layout.roles) or "every role on the AppRole mounts",
            "approle_mounts": list(layout.approle_mounts) or "every approle mount",
            "policies": list(layout.policies),
            "audit_devices": list(layout.audit_devices) or "any enabled device",
        },
        "checks": [
            {
                "id": check.id,
                "title": check.title,
                "criterion": result.criterion,
                "passed": result.passed,
                "findings": list(result.findings),
                "evidence": [{"looked_at": e.looked_at, "found": e.found} for e in result.evidence],
            }
            for check, result in results
        ],
    }


def to_junit(results: Results, layout: Layout) -> bytes:
    """One testsuite, one testcase per check; a failed check's findings are its failure."""
    failures = sum(not r.passed for _, r in results)
    suite = ET.Element(
        "testsuite",
        name=f"vault-gate live {layout.profile.name}",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for check, result in results:
        case = ET.SubElement(
            suite, "testcase", classname=f"vault-gate.live.{layout.profile.name}", name=check.id
        )
        if not result.passed:
            failure = ET.SubElement(
                case,
                "failure",
                message="; ".join(result.findings) or "no evidence was gathered",
            )
            failure.text = result.explain()
        out = ET.SubElement(case, "system-out")
        out.text = result.explain()
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, results: Results, layout: Layout) -> None:
    path.write_bytes(to_junit(results, layout))

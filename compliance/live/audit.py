"""Audit devices enabled and logging hashed; and, where the log is at hand, this run's
own request found in it.

``sys/audit`` (read, which Vault guards with sudo) lists the enabled devices, at
whatever path and of whatever type the operators chose (file, socket, syslog).
At least one must be enabled (Vault then refuses a request no device could log);
the layout may name device paths that must be among them; ``log_raw`` on a
device is a finding (secret values reach its log unhashed). OpenBao declares
devices in its config and HashiCorp Vault enables them through the API; both list
them here.

Whether a device really writes can only be seen in its log. When the caller has
the log (``--audit-log FILE``: a file device's file, a copy, or what a socket or
syslog device's collector wrote), the run reads a path no one else would
(``sys/policies/acl/vault-gate-live-<nonce>``, a policy that does not exist) and
looks for that request in it; found, whichever device wrote it counts. Request
paths are logged in clear, so no ``sys/audit-hash`` is needed: that endpoint is an
update, and asking it writes the HMAC of its input into the log.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from vault_gate.compliance.checks.audit import AUDIT_CRITERION, AuditStats, iter_entries
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import Layout, mount_table
from vault_gate.compliance.result import CheckResult, Evidence

MARKER_PREFIX = "sys/policies/acl/vault-gate-live-"
KNOWN_TYPES = ("file", "socket", "syslog")
_TRUE = frozenset({"1", "true", "t", "yes", "on"})


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _where(options: dict[str, Any]) -> str:
    for key in ("file_path", "path", "address", "facility", "tag"):
        if options.get(key):
            return f"{key}={options[key]}"
    return "no destination option"


def judge_devices(devices: dict[str, Any], layout: Layout) -> tuple[list[Evidence], list[str]]:
    evidence: list[Evidence] = []
    findings: list[str] = []
    listed = ", ".join(sorted(devices)) or "none"
    evidence.append(Evidence("sys/audit", f"enabled devices: {listed}"))
    if not devices:
        findings.append(
            "no audit device is enabled (sys/audit lists none): nothing records who read what"
        )
    for path in layout.audit_devices:
        if path.strip("/") + "/" not in devices:
            findings.append(
                f"audit device {path.strip('/')}/ is not enabled (sys/audit lists: {listed})"
            )
    for path, info in sorted(devices.items()):
        kind = info.get("type")
        options = info.get("options") if isinstance(info.get("options"), dict) else {}
        evidence.append(
            Evidence(
                f"sys/audit {path}",
                f"type={kind} {_where(options)} log_raw={options.get('log_raw', '(absent)')} "
                f"hmac_accessor={options.get('hmac_accessor', '(absent)')}",
            )
        )
        if _truthy(options.get("log_raw")):
            findings.append(
                f"audit device {path} has log_raw on: secret values reach its log unhashed"
            )
        if kind not in KNOWN_TYPES:
            evidence.append(Evidence(f"sys/audit {path}", f"type {kind}: not one live mode knows"))
    return evidence, findings


def _raw_mentions(path: Path, marker: str) -> int:
    """Lines naming the marker in a log whose lines are not bare JSON (a syslog device's
    messages carry a syslog prefix); the marker is random, so a mention is this run's."""
    needle = marker.encode()
    with path.open("rb") as fh:
        return sum(1 for line in fh if needle in line)


def check_audit(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    answer = vault.read("sys/audit")
    if answer.ok:
        dev_evidence, dev_findings = judge_devices(mount_table(answer), layout)
        evidence += dev_evidence
        findings += dev_findings
    else:
        findings.append(answer.not_checked("audit devices"))

    marker = MARKER_PREFIX + secrets.token_hex(8)
    vault.read(marker)  # a 404 by design: the request is what is looked for
    if layout.audit_log is None:
        evidence.append(
            Evidence(
                "audit log",
                "not at hand (no --audit-log): whether the devices write was not searched; "
                "the server refuses requests when no device can log them (audit blocking)",
            )
        )
    else:
        stats = AuditStats()
        try:
            found = sum(1 for e in iter_entries(layout.audit_log, stats) if e.path == marker)
        except OSError as exc:
            findings.append(f"could not read the audit log {layout.audit_log}: {exc.strerror}")
        else:
            framed = 0 if found else _raw_mentions(layout.audit_log, marker)
            evidence.append(
                Evidence(
                    f"audit log {layout.audit_log}",
                    f"{stats.describe()}; this run's marker request {marker}: {found} entries"
                    + (f", {framed} framed lines (syslog or collector prefix)" if framed else ""),
                )
            )
            found += framed
            if not found:
                findings.append(
                    f"this run's request ({marker}) is not in the audit log {layout.audit_log}: "
                    "the log examined is not one the server writes, or nothing is logged"
                )
    return CheckResult(AUDIT_CRITERION, profile.name, tuple(evidence), tuple(findings))

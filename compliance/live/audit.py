"""Audit devices present and enabled, logging hashed; and, where the log is at hand,
this run's own request found in it.

``sys/audit`` (read, which Vault guards with sudo) lists the enabled devices; they
are judged by the sign-off's rules (:func:`compliance.audit._judge_devices`: the
profile's devices, of type file, ``log_raw`` off). OpenBao declares devices in its
config and HashiCorp Vault enables them through the API; both list them here.

Whether a device really writes can only be seen in its log. When the caller has
the log (``--audit-log FILE``: the server's file, or a copy), the run reads a path
no one else would (``sys/policies/acl/vault-gate-live-<nonce>``, a policy that does
not exist) and looks for that request in the log. Request paths are logged in
clear, so no ``sys/audit-hash`` is needed: that endpoint is an update, and asking
it writes the HMAC of its input into the log, so the auditor policy does not grant it.
"""

from __future__ import annotations

import secrets

from compliance.audit import AUDIT_CRITERION, AuditStats, _judge_devices, iter_entries
from compliance.live.client import ReadOnlyVault
from compliance.live.spec import LiveSpec
from compliance.result import CheckResult, Evidence

MARKER_PREFIX = "sys/policies/acl/vault-gate-live-"


def check_audit(vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    profile = spec.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    answer = vault.read("sys/audit")
    if answer.ok:
        devices = answer.data or {k: v for k, v in answer.body.items() if k.endswith("/")}
        dev_evidence, dev_findings, _ = _judge_devices(devices, profile, None)
        evidence += dev_evidence
        findings += dev_findings
    else:
        findings.append(answer.not_checked("audit devices"))

    marker = MARKER_PREFIX + secrets.token_hex(8)
    vault.read(marker)  # a 404 by design: the request is what is looked for
    if spec.audit_log is None:
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
            found = sum(1 for e in iter_entries(spec.audit_log, stats) if e.path == marker)
        except OSError as exc:
            findings.append(f"could not read the audit log {spec.audit_log}: {exc.strerror}")
        else:
            evidence.append(
                Evidence(
                    f"audit log {spec.audit_log}",
                    f"{stats.describe()}; this run's marker request {marker}: {found} entries",
                )
            )
            if not found:
                findings.append(
                    f"this run's request ({marker}) is not in the audit log {spec.audit_log}: "
                    "the log examined is not the one the server writes, or nothing is logged"
                )
    return CheckResult(AUDIT_CRITERION, profile.name, tuple(evidence), tuple(findings))

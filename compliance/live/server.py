"""The server itself: sealed or not, HA, version, TLS on the listener, not dev mode.

Reachability, TLS verification, initialisation, sealing and in-memory storage are
judged by the sign-off's own check (:func:`compliance.checks.running.check_vault_running`);
live mode adds what an auditor token can read beyond it: the HA leader, the
version and flavour (a server this code does not know is a finding: its answers
and capabilities may differ), and the listeners and storage from the server's
sanitized configuration (``sys/config/state/sanitized``).
"""

from __future__ import annotations

from typing import Any

from vault_gate.compliance.checks.running import CRITERION, check_vault_running
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.profiles import ServerMode
from vault_gate.compliance.result import CheckResult, Evidence

# Major versions this code was written and tested against, per flavour. OpenBao forked
# HashiCorp Vault 1.14 and numbers from 2.0; Vault is 1.x.
KNOWN_MAJORS = {"OpenBao": (2,), "HashiCorp Vault": (1,)}
_TRUE = frozenset({"1", "true", "t", "yes", "on"})


def flavour(version: str) -> tuple[str, int | None]:
    """(flavour, major) from a version string such as ``2.4.1`` or ``1.18.3+ent``."""
    head = version.strip().lstrip("v").split(".", 1)[0]
    try:
        major = int(head)
    except ValueError:
        return "unknown", None
    for name, majors in KNOWN_MAJORS.items():
        if major in majors:
            return name, major
    return "unknown", major


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def check_server(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    """The sign-off's vault_running check, plus HA, version and the configured listeners."""
    profile = layout.profile
    ca_file = vault.verify if isinstance(vault.verify, str) else None
    base = check_vault_running(vault.addr, profile, ca_file)
    evidence = list(base.evidence)
    findings = list(base.findings)
    if any(f.startswith(("not reachable", "TLS verification failed")) for f in findings):
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

    health = vault.read(
        "sys/health", {"standbyok": "true", "sealedcode": "200", "uninitcode": "200"}, auth=False
    )
    version = str(health.body.get("version", "")) if health.ok else ""
    name, _major = flavour(version)
    evidence.append(Evidence("version", f"{version or '(none)'}: {name}"))
    if name == "unknown":
        known = ", ".join(f"{n} {'/'.join(f'{m}.x' for m in ms)}" for n, ms in KNOWN_MAJORS.items())
        findings.append(
            f"server version {version or '(not reported)'} is not one live mode knows ({known}): "
            "its endpoints and capabilities may differ, so every check below may be incomplete"
        )

    leader = vault.read("sys/leader", auth=False)
    if leader.ok:
        data = leader.body
        evidence.append(
            Evidence(
                "sys/leader",
                f"ha_enabled={data.get('ha_enabled')} is_self={data.get('is_self')} "
                f"leader={'set' if data.get('leader_address') else 'none'}",
            )
        )
        if data.get("ha_enabled") and not data.get("leader_address"):
            findings.append("HA is enabled but there is no active node (no leader address)")
    else:
        findings.append(leader.not_checked("HA state"))

    _judge_config(vault, layout, evidence, findings)
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))


def _judge_config(
    vault: ReadOnlyVault, layout: Layout, evidence: list[Evidence], findings: list[str]
) -> None:
    """Listeners and storage as the server was configured (sanitized: no secrets in it)."""
    profile = layout.profile
    config = vault.read("sys/config/state/sanitized")
    if not config.ok:
        findings.append(config.not_checked("listener TLS and storage configuration"))
        return
    data = config.data
    storage = data.get("storage") if isinstance(data.get("storage"), dict) else {}
    storage_type = storage.get("type", "unknown")
    listeners = [x for x in data.get("listeners") or [] if isinstance(x, dict)]
    shown = []
    for listener in listeners:
        conf = listener.get("config") if isinstance(listener.get("config"), dict) else {}
        tls_off = _truthy(conf.get("tls_disable"))
        address = conf.get("address", "?")
        shown.append(f"{listener.get('type', '?')} {address} tls={'off' if tls_off else 'on'}")
        if profile.tls and tls_off:
            findings.append(
                f"{profile.name} requires TLS, but the server has a listener without it "
                f"({address}, tls_disable)"
            )
    evidence.append(
        Evidence(
            "sys/config/state/sanitized",
            f"storage={storage_type}; listeners: {'; '.join(shown) or 'none'}",
        )
    )
    if storage_type == "inmem" and profile.mode is not ServerMode.DEV:
        message = (
            f"dev-mode server (in-memory storage) in {profile.name}: secrets vanish on restart"
        )
        if message not in findings:
            findings.append(message)

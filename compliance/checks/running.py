"""Criterion "Vault running and reachable".

Answering on a port is not enough. The server must be initialised and unsealed,
speak TLS (verified against the CA the app is given) where the environment's
profile requires it, and must not be a dev-mode server (in-memory storage, which
loses every secret on restart) outside development.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from vault_gate.compliance.profiles import Profile, ServerMode
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "vault_running"
TIMEOUT_S = 5


def check_vault_running(addr: str, profile: Profile, ca_file: str | None = None) -> CheckResult:
    """Judge the server at ``addr`` against what ``profile`` requires.

    ``ca_file`` is what the app verifies the server with; None means the system's CAs.
    """
    evidence: list[Evidence] = []
    findings: list[str] = []
    scheme = urlsplit(addr).scheme
    verify: str | bool = ca_file or True

    if profile.tls and scheme != "https":
        findings.append(f"{profile.name} requires TLS, but the address is {scheme}://")
    evidence.append(Evidence("address", f"{addr} ({'TLS' if scheme == 'https' else 'no TLS'})"))

    try:
        health = requests.get(
            f"{addr}/v1/sys/health",
            params={"standbyok": "true", "sealedcode": "200", "uninitcode": "200"},
            verify=verify,
            timeout=TIMEOUT_S,
        ).json()
        seal = requests.get(f"{addr}/v1/sys/seal-status", verify=verify, timeout=TIMEOUT_S).json()
    except requests.exceptions.SSLError as exc:
        findings.append(
            f"TLS verification failed against {ca_file or 'the system CAs'}: {type(exc).__name__}"
        )
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
    except (requests.RequestException, ValueError) as exc:
        findings.append(f"not reachable: {type(exc).__name__}")
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

    evidence.append(
        Evidence(
            "sys/health",
            f"initialized={health.get('initialized')} sealed={health.get('sealed')} "
            f"standby={health.get('standby')} version={health.get('version')}",
        )
    )
    storage = seal.get("storage_type", "unknown")
    evidence.append(Evidence("sys/seal-status", f"type={seal.get('type')} storage={storage}"))
    if not health.get("initialized"):
        findings.append("server is not initialised")
    if health.get("sealed"):
        findings.append("server is sealed")
    if storage == "inmem" and profile.mode is not ServerMode.DEV:
        findings.append(
            f"dev-mode server (in-memory storage) in {profile.name}: secrets vanish on restart"
        )
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

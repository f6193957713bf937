"""Run the live checks for one environment: each once, in a fixed order, never crashing.

A check that raises (a server answering in a shape no one expected) becomes a
failed result saying what was not checked and why, so one surprise cannot hide
the other checks' verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vault_gate.compliance.live.approle import check_approle
from vault_gate.compliance.live.audit import check_audit
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.kv import check_kv
from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.live.policies import check_policies
from vault_gate.compliance.live.preflight import ConnectionProblem, diagnose
from vault_gate.compliance.live.server import check_server
from vault_gate.compliance.live.tokens import check_gate_token, check_root_tokens
from vault_gate.compliance.live.tree import check_tree
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

Check = Callable[[ReadOnlyVault, Layout], CheckResult]


@dataclass(frozen=True)
class LiveCheck:
    id: str
    title: str
    run: Check


CHECKS: tuple[LiveCheck, ...] = (
    LiveCheck("server", "Sealed state, HA, version, TLS on the listener, not dev mode",
              check_server),
    LiveCheck("gate_token", "The gate's own token is read-only", check_gate_token),
    LiveCheck("audit", "Audit devices present, enabled, logging hashed", check_audit),
    LiveCheck("policies", "The app's policies grant least privilege", check_policies),
    LiveCheck("approle", "The app's AppRole settings", check_approle),
    LiveCheck("kv", "Versioning on the app's KV mounts (v1 has none)", check_kv),
    LiveCheck("tree", "The app's entries present (names only)", check_tree),
    LiveCheck("root_tokens", "No root token left", check_root_tokens),
)  # fmt: skip
CHECK_IDS = tuple(c.id for c in CHECKS)


def connect(addr: str, token: Secret | None, ca_file: str | None = None) -> ReadOnlyVault:
    return ReadOnlyVault(addr.rstrip("/"), token, verify=ca_file or True)


def preflight(vault: ReadOnlyVault, layout: Layout) -> ConnectionProblem | None:
    """The connection diagnosed before any check (:mod:`vault_gate.compliance.live.preflight`)."""
    return diagnose(vault, layout)


def run_one(check: LiveCheck, vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    try:
        return check.run(vault, layout)
    except Exception as exc:  # the promise: a finding, never a crash
        return CheckResult(
            check.id,
            layout.profile.name,
            (Evidence(check.title, f"raised {type(exc).__name__}"),),
            (f"not checked: {check.title}: the check failed on an unexpected answer "
             f"({type(exc).__name__})",),
        )  # fmt: skip


def run_checks(
    vault: ReadOnlyVault, layout: Layout, only: tuple[str, ...] = CHECK_IDS
) -> Iterator[tuple[LiveCheck, CheckResult]]:
    """(check, result) for each check in ``only``, in the order of :data:`CHECKS`.
    Call :func:`preflight` first: on a server that cannot answer every check would only
    say so, twenty times over."""
    for check in CHECKS:
        if check.id in only:
            yield check, run_one(check, vault, layout)

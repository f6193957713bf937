"""Run the live checks for one environment: each once, in a fixed order, never crashing.

A check that raises (a server answering in a shape no one expected) becomes a
failed result saying what was not checked and why, so one surprise cannot hide
the other checks' verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from compliance.live.approle import check_approle
from compliance.live.audit import check_audit
from compliance.live.client import ReadOnlyVault
from compliance.live.kv import check_kv
from compliance.live.policies import check_policies
from compliance.live.server import check_server
from compliance.live.spec import LiveSpec
from compliance.live.tokens import check_gate_token, check_root_tokens
from compliance.live.tree import check_tree
from compliance.result import CheckResult, Evidence
from compliance.secret import Secret

Check = Callable[[ReadOnlyVault, LiveSpec], CheckResult]


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
    LiveCheck("kv", "KV v2 versioning on the app's mount", check_kv),
    LiveCheck("tree", "The plan's secret tree complete (names only)", check_tree),
    LiveCheck("root_tokens", "No root token left", check_root_tokens),
)  # fmt: skip
CHECK_IDS = tuple(c.id for c in CHECKS)


def connect(spec: LiveSpec, token: Secret) -> ReadOnlyVault:
    return ReadOnlyVault(spec.addr, token, verify=spec.verify)


def run_one(check: LiveCheck, vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    try:
        return check.run(vault, spec)
    except Exception as exc:  # the promise: a finding, never a crash
        return CheckResult(
            check.id,
            spec.profile.name,
            (Evidence(check.title, f"raised {type(exc).__name__}"),),
            (f"not checked: {check.title}: the check failed on an unexpected answer "
             f"({type(exc).__name__})",),
        )  # fmt: skip


def run_checks(
    vault: ReadOnlyVault, spec: LiveSpec, only: tuple[str, ...] = CHECK_IDS
) -> Iterator[tuple[LiveCheck, CheckResult]]:
    """(check, result) for each check in ``only``, in the order of :data:`CHECKS`."""
    for check in CHECKS:
        if check.id in only:
            yield check, run_one(check, vault, spec)

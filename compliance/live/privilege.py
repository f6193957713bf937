"""Least privilege for the policies a role's token holds, judged against the layout.

The judgement itself is :func:`vault_gate.compliance.checks.least_privilege.judge`:
the same function judges a policy file (the static check) and what the server holds (here), over the
same scope, so the two cannot disagree. This module keeps live mode's names for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from vault_gate.compliance.checks.least_privilege import (
    SYSTEM,
    TOKEN_MAINTENANCE,
    Scope,
    is_token_maintenance,
    judge,
)
from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.policy.acl import Entity, Policy
from vault_gate.compliance.result import CheckResult

Zones = Scope  # live mode's older name for the scope

__all__ = ["SYSTEM", "TOKEN_MAINTENANCE", "Zones", "is_token_maintenance", "judge_policies"]


def judge_policies(
    policies: Sequence[Policy],
    layout: Layout,
    zones: Scope,
    holder: str,
    *,
    entity: Entity | None = None,
    entity_unknown: str = "",
) -> CheckResult:
    """Judge the policies one token holds (``holder`` names it, e.g. the AppRole role)."""
    return judge(
        policies,
        zones,
        layout.profile.name,
        holder=holder,
        entity=entity,
        entity_unknown=entity_unknown,
    )

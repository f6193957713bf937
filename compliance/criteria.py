"""The plan's success criteria, named once.

Each id is a pytest marker and a Gherkin tag (``@vault_running``), a key in the
report, and the ``criterion`` of every CheckResult that judges it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    impact: str  # "critical" | "high" | "medium": what a failure risks
    plan_text: str  # the plan's own words


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "vault_running",
        "Vault running and reachable",
        "critical",
        "Vault running and accessible",
    ),
)

BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}

"""The plan's success criteria, named once.

Each id is a pytest marker and a Gherkin tag (``@vault_running``), a key in the
report, and the ``criterion`` of every CheckResult that judges it. The plan's list
has eight lines; "no secrets in environment variables" and the repository half of
it are separate criteria here, and "policies least-privilege" is added, because a
migration that grants every environment to one app is not done.
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
    Criterion("vault_running", "Vault running and reachable", "critical",
              "Vault running and accessible"),
    Criterion("secrets_migrated", "All secrets migrated to Vault", "critical",
              "All secrets migrated to Vault"),
    Criterion("app_reads_from_vault", "The application retrieves its secrets from Vault",
              "critical", "Application retrieves secrets from Vault"),
    Criterion("cicd_updated", "CI/CD workflows authenticate to Vault", "high",
              "CI/CD workflows updated"),
    Criterion("rotation_works", "Rotation works and invalidates old values", "critical",
              "Secret rotation working"),
    Criterion("docs_complete", "Documentation complete", "medium", "Documentation complete"),
    Criterion("no_secrets_in_env", "No secrets in environment variables", "critical",
              "No secrets in environment variables"),
    Criterion("no_secrets_in_repo", "No secrets in the repository", "critical",
              "(Current issues: secrets stored in .env files)"),
    Criterion("audit_enabled", "Audit logging enabled", "high", "Audit logging enabled"),
    Criterion("least_privilege", "Policies grant least privilege", "critical",
              "(Security considerations: Vault access control, policies)"),
)  # fmt: skip

BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}

# A team's own scenarios (``vault-gate signoff --features DIR``) are criteria of their own,
# named by their feature's tag; the run registers them before the report is written.
_TEAM: dict[str, Criterion] = {}


def register_team_criterion(criterion: Criterion) -> None:
    """Add a team's criterion; a packaged criterion's id cannot be taken over."""
    if criterion.id in BY_ID:
        raise ValueError(f"@{criterion.id} is one of vault-gate's own criteria")
    _TEAM[criterion.id] = criterion


def clear_team_criteria() -> None:
    """Forget the team's criteria: each run registers its own (pytest may run twice in
    one process)."""
    _TEAM.clear()


def all_criteria() -> tuple[Criterion, ...]:
    """The packaged criteria in the plan's order, then the team's in the order registered."""
    return CRITERIA + tuple(_TEAM.values())


def criterion(criterion_id: str) -> Criterion | None:
    """The criterion of that id, packaged or the team's; None for any other tag."""
    return BY_ID.get(criterion_id) or _TEAM.get(criterion_id)

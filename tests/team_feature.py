"""A team's own sign-off scenario and its step, as a team would add them with
``vault-gate signoff --features DIR`` (used by test_installed.py and
test_team_features.py)."""

from __future__ import annotations

from pathlib import Path

TEAM_FEATURE = """\
@success_criteria @health_answers
Feature: The application answers its health check
  Scenario Outline: The application in <environment> answers its health check
    Given the <environment> environment's Vault server
    And the application running in <environment>
    When the team asks the application's health page
    Then the check passes

    Examples:
      | environment |
      | dev         |
      | staging     |
      | prod        |
"""

TEAM_STEPS = '''\
"""The team's own step: its app's health page, judged as a CheckResult."""
from pytest_bdd import when

from vault_gate.compliance.result import CheckResult, Evidence


@when("the team asks the application's health page", target_fixture="result")
def ask_health(app, environment):
    answer = app.request("GET", app.target.app.health, timeout=10)
    findings = () if answer.status_code == 200 else (f"health answered {answer.status_code}",)
    return CheckResult(
        "health_answers",
        environment.profile.name,
        (Evidence(app.target.app.health, f"HTTP {answer.status_code}"),),
        findings,
    )
'''


def write_team_features(folder: Path) -> Path:
    """The feature and its conftest.py in ``folder`` (made), returned."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "health.feature").write_text(TEAM_FEATURE)
    (folder / "conftest.py").write_text(TEAM_STEPS)
    return folder

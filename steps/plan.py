"""Steps of the plan's criteria judged from Vault, the code and the repository:
secrets migrated, documentation complete, CI/CD workflows updated."""

from __future__ import annotations

from pytest_bdd import when

from vault_gate.compliance.checks.cicd import check_cicd_updated
from vault_gate.compliance.checks.docs import check_docs_complete
from vault_gate.compliance.checks.migrated import allowed_reads, check_secrets_migrated
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.target import Target
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@when(
    "the harness checks that every secret of the plan is in Vault and nowhere else",
    target_fixture="result",
)
def check_migrated(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """Every secret the target declares is in the environment's tree, and no code reads a secret or
    a Vault token from the environment."""
    return check_secrets_migrated(
        environment.operator(),
        environment.profile,
        source_files=target.source_files(),
        fallback_files=target.fallback_files,
        plan_secrets=target.migrated_secrets(environment.profile.name),
        kv_mount=environment.profile.kv_mount,
        credential_env=target.credential_env,
        allow=allowed_reads(target),
    )


@when("the harness checks the documentation", target_fixture="result")
def check_docs(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """The target's guides exist and every script, option and variable they name exists."""
    return check_docs_complete(
        target.docs_dir,
        environment.profile.name,
        repo_root=target.root,
        tool_help=target.tool_help(),
        env_prefixes=target.doc_variable_prefixes,
        source_files=target.source_files(),
        exclude=target.scan_exclude,
    )


@when("the harness checks the CI/CD workflows", target_fixture="result")
def check_cicd(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """The deploy workflows log in with AppRole or OIDC, with no static token and no secret
    literal."""
    return check_cicd_updated(
        target.workflow_files(), environment.profile.name, known_values=environment.known_values()
    )

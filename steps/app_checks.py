"""Steps of the criteria judged on the running application: its environment, its
repository and logs, Vault's audit log, and its policy against what it did."""

from __future__ import annotations

from dataclasses import replace

from pytest_bdd import given, when

from vault_gate.compliance.checks.audit import (
    app_paths,
    check_app_reads_from_vault,
    check_audit_enabled,
    role_request_paths,
)
from vault_gate.compliance.checks.database_access import (
    DatabaseLogin,
    check_admin_password_retired,
    check_logins_stay_in_their_environment,
)
from vault_gate.compliance.checks.environment import DEFAULT_ALLOW, check_no_secrets_in_env
from vault_gate.compliance.checks.least_privilege import (
    CRITERION,
    Scope,
    assumed_mounts,
    check_least_privilege,
)
from vault_gate.compliance.checks.suggest import with_suggestion
from vault_gate.compliance.live.approle import check_approle
from vault_gate.compliance.live.policies import check_policies
from vault_gate.compliance.live.targetfile import layout_from_target, names_of
from vault_gate.compliance.policy.acl import Policy, load_policies, parse_policy, sys_capabilities
from vault_gate.compliance.report.signoff import EVIDENCE_FILES
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.scan.repo import (
    check_no_secrets_in_logs,
    check_no_secrets_in_repo,
    load_allowlist,
)
from vault_gate.compliance.secret import Secret
from vault_gate.compliance.target import Target
from vault_gate.fixtures.app.process import AppProcess, issued_values
from vault_gate.fixtures.run.scan_cache import SharedRepoScan
from vault_gate.fixtures.run.server_checks import judge_server
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment


@given("a user who logged in and made an authenticated request")
def user_made_a_request(app: AppProcess) -> None:
    """A test user logs in and makes an authenticated request, so the audit log shows the app
    serving it."""
    spec = app.target.app if app.target else None
    if spec is None or spec.login is None or spec.request is None:
        return  # an app without users: its own reads at start are what the audit log shows
    response = app.authed(app.login())
    assert response.status_code in spec.request.ok, response.status_code


@when(
    "the harness reads the application's AppRole and the policies it attaches from the server",
    target_fixture="result",
)
def judge_role_on_server(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """Reads the app's AppRole role and the policies it attaches back from the server and judges
    their settings."""
    return judge_server(environment, target, (check_approle, check_policies), CRITERION)


@when(
    "the harness tries the environment's database logins on every environment's database",
    target_fixture="result",
)
def try_database_logins(environment: BootstrappedEnvironment, world: World) -> CheckResult:
    """The admin password handed to the set-up is refused; a login Vault issues here is
    refused by every other environment's database (compliance/database_access.py)."""
    name = environment.profile.name
    db = environment.profile.database_name
    if not db or not environment.profile.database_role:
        return CheckResult(
            CRITERION, name,
            (Evidence("database logins", "the target declares no database role: none to try"),),
            (),
        )  # fmt: skip
    assert world.pg is not None
    host, port = world.pg.host, world.pg.port
    admin = check_admin_password_retired(
        name, host, port, db, environment.db_admin_user,
        environment.db_admin_password or Secret(""),
    )  # fmt: skip
    user, password = environment.database_credentials()
    issued_by = f"{environment.profile.database_mount}/creds/{environment.profile.database_role}"
    others = {
        e.profile.name: e.profile.database_name
        for e in world.environments.values()
        if e.profile.name != name and e.profile.database_name not in ("", db)
    }
    stays = check_logins_stay_in_their_environment(
        name, host, port, DatabaseLogin(user, password, issued_by), others
    )
    return CheckResult(
        CRITERION, name, admin.evidence + stays.evidence, admin.findings + stays.findings
    )


@when("the harness inspects every process of the application for secrets", target_fixture="result")
def inspect_processes(
    environment: BootstrappedEnvironment, app: AppProcess, target: Target
) -> CheckResult:
    """Reads the environment of every process of the application: no known value, no secret-named
    variable."""
    assert app.process.pid is not None
    env = target.app.env if target.app else {}
    # Its names for the harness's values are allowed by name; literals the deployment
    # passes are judged by value.
    literals = {var for var, source in env.items() if source.startswith("=")}
    return check_no_secrets_in_env(
        app.process.pid,
        environment.profile.name,
        environment.known_values(),
        allow=DEFAULT_ALLOW | (set(env) - literals),
        literals=literals,
    )


@when("the harness scans the repository and its history", target_fixture="result")
def scan_repository(
    environment: BootstrappedEnvironment, target: Target, repo_scan: SharedRepoScan
) -> CheckResult:
    """Scans the target's repository, its untracked files and all its history for secrets and this
    run's values."""
    return check_no_secrets_in_repo(
        target.root,
        environment.profile.name,
        environment.known_values(),
        exclude=target.scan_exclude,
        allowed=load_allowlist(target.scan_allowlist) if target.scan_allowlist else None,
        scanner=repo_scan,
    )


@when("the harness scans the application's logs", target_fixture="result")
def scan_logs(environment: BootstrappedEnvironment, app: AppProcess) -> CheckResult:
    """Scans the application's log for this run's values, and for the values the servers
    issued to it (its database logins' passwords, its tokens)."""
    text = app.process.log_path.read_text(errors="replace")
    issued = issued_values(app, text)  # what the servers issued: the app's logins' values
    result = check_no_secrets_in_logs(
        [app.process.log_path], environment.profile.name, [*environment.known_values(), *issued]
    )
    if app.kept_log is None:
        return result
    kept = Evidence(
        f"{EVIDENCE_FILES}{app.kept_log.name}",
        "the app's log, kept in the report when the app stops (known values fingerprinted)",
    )
    return replace(result, evidence=(*result.evidence, kept))


def app_policies(
    environment: BootstrappedEnvironment, target: Target
) -> tuple[list[Policy], list[tuple[str, str]]]:
    """The app's policies, parsed, and their (source, text): its policy file for the
    environment, or, where the target says its set-up renders them (``policies = { from =
    "server" }``), what the set-up wrote, read back from the server (no stale rendered
    copy is judged)."""
    if not target.policies_from_server:
        policy_file = target.policy_file(environment.profile.tree)
        return load_policies([policy_file]), [
            (target.relative(policy_file), policy_file.read_text())
        ]
    client = environment.operator()
    texts = [
        (f"{environment.server.addr} sys/policies/acl/{name}",
         client.sys.read_acl_policy(name)["data"]["policy"])
        for name in environment.profile.policy_names
    ]  # fmt: skip
    return [parse_policy(text, source) for source, text in texts], texts


@when("the harness analyses the application's policy file", target_fixture="result")
def analyse_policy_file(environment: BootstrappedEnvironment, target: Target) -> CheckResult:
    """Parses the app's policy file (or what its set-up wrote, read back from the server) as
    the server does and judges it for the environment."""
    return check_least_privilege(
        app_policies(environment, target)[0],
        environment.profile,
        layout=_layout(environment, target),
    )


def _layout(environment: BootstrappedEnvironment, target: Target):  # type: ignore[no-untyped-def]
    """The target's layout in this environment: the scope both policy checks judge in."""
    return layout_from_target(names_of(target), environment.profile, profiles=target.profiles())


@when("the harness plants a canary in Vault and checks the audit log", target_fixture="result")
def audit_with_canary(environment: BootstrappedEnvironment, app: AppProcess) -> CheckResult:
    """Plants a canary value in Vault and checks that the audit log records requests, hashed, never
    raw."""
    assert environment.server.audit_log is not None
    return check_audit_enabled(
        environment.operator(),
        environment.server.audit_log,
        environment.profile,
        canary=environment.plant_canary(),
        app_role=environment.profile.approle_name,
        start=app.audit_offset,
        logins=app.logins,
    )


@when("the harness reads the audit log for the application's reads", target_fixture="result")
def audit_reads(
    environment: BootstrappedEnvironment, app: AppProcess, target: Target
) -> CheckResult:
    """The audit log shows the application's own tokens reading each of its secrets."""
    assert environment.server.audit_log is not None
    return check_app_reads_from_vault(
        environment.server.audit_log,
        environment.profile,
        environment.profile.approle_name,
        target.vault_paths_for(environment.profile.tree) or list(app_paths(environment.profile)),
        start=app.audit_offset,
        logins=app.logins,
    )


@when(
    "the harness analyses the application's policy against the server and the audit log",
    target_fixture="result",
)
def analyse_policy(
    environment: BootstrappedEnvironment, app: AppProcess, target: Target
) -> CheckResult:
    """Judges the app's policy against sys/capabilities and the audit log: every grant needed and
    used."""
    assert environment.server.audit_log is not None
    app_token = Secret(environment.app_login().token)
    policies, texts = app_policies(environment, target)
    layout = _layout(environment, target)
    result = check_least_privilege(
        policies,
        environment.profile,
        layout=layout,
        server_capabilities=sys_capabilities(environment.operator(), app_token),
        used_paths=role_request_paths(
            environment.server.audit_log,
            environment.profile.approle_name,
            start=app.audit_offset,
            logins=app.logins,
        ),
    )
    return with_suggestion(
        result,
        policies,
        texts,
        environment.server.audit_log,
        environment.profile.approle_name,
        start=app.audit_offset,
        logins=app.logins,
        scope=Scope.of_layout(layout, assumed_mounts(layout, [environment.profile.kv_mount])),
    )

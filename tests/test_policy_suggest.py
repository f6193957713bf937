"""``vault-gate policy suggest``: the tightest policy from what the app did.

Plain-data tests pin the reading (attribution, the capability each operation needs,
lease paths, environments, bad input) on audit lines shaped like OpenBao's; the
server tests prove the suggestion on a real OpenBao: an app's requests are made, the
suggestion is made from the server's own audit log, applied to the app's AppRole,
the same requests are made again, and the audit log shows none denied, the
least-privilege check finds no unused grant, and ``sys/capabilities`` of the
suggestion on every path of the log equals what the requests needed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest

from vault_gate.compliance.checks.least_privilege import (
    Scope,
    assumed_mounts,
    check_least_privilege,
)
from vault_gate.compliance.checks.suggest import AppIdentity, SuggestError, observe, suggest
from vault_gate.compliance.cli import main
from vault_gate.compliance.live.targetfile import layout_from_target, names_of
from vault_gate.compliance.policy.acl import capabilities, parse_policy
from vault_gate.compliance.profiles import ENVIRONMENTS, PROFILES
from vault_gate.compliance.target import load_target
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers.binaries import resolve_vault_binary
from vault_gate.fixtures.servers.openbao import VaultServer, start_dev

ROOT = Path(__file__).resolve().parent.parent
STORE_ERP = ROOT / "store_erp" / "target.toml"
PLAN = ROOT / "tests" / "known_bad" / "plan_sketch" / "target.toml"


# --------------------------------------------------------------------------- plain data


def _login(role: str, accessor: str, ttl: int = 1200, time: str = "2026-12-07T21:00:00Z") -> dict:
    return {
        "type": "response",
        "time": time,
        "auth": {"accessor": accessor, "metadata": {"role_name": role}},
        "request": {"path": "auth/approle/login", "operation": "update", "mount_type": "approle"},
        "response": {"auth": {"accessor": accessor, "lease_duration": ttl, "renewable": True,
                              "metadata": {"role_name": role}}},
    }  # fmt: skip


def _entry(accessor: str, path: str, op: str, time: str, **extra: object) -> list[dict]:
    request = {"path": path, "operation": op}
    role = ROLE if accessor == A else "other-app"
    auth = {"accessor": accessor, "metadata": {"role_name": role}}
    base = {"auth": auth, "request": request, "time": time}
    response = {"type": "response", **base, **extra}
    return [{"type": "request", **base}, response]


def _log(tmp_path: Path, records: list[dict], junk: list[bytes] = ()) -> Path:  # type: ignore[assignment]
    log = tmp_path / "audit.log"
    with log.open("wb") as out:
        for r in records:
            out.write(json.dumps(r, separators=(",", ":")).encode() + b"\n")  # as the server
        for j in junk:
            out.write(j + b"\n")
    return log


ROLE = "store-erp-development"
A = "hmac-sha256:aaaa"


def _app_log(tmp_path: Path, junk: list[bytes] = ()) -> Path:  # type: ignore[assignment]
    t = "2026-12-07T21:00:0{}Z".format
    records = [
        _login(ROLE, A),
        *_entry(A, "secret/data/store-erp/development/flask", "read", t(1)),
        *_entry(A, "secret/data/store-erp/development/flask", "read", t(2)),
        *_entry(A, "secret/metadata/store-erp/development/", "list", t(3)),
        *_entry(A, "secret/data/store-erp/development/jwt", "update", t(4)),
        *_entry(A, "database/creds/store-erp-development", "read", t(5),
                response={"secret": {"lease_id": "database/creds/store-erp-development/abc",
                                     "renewable": True}}),
        *_entry(A, "sys/leases/renew/database/creds/store-erp-development/abc", "update", t(6)),
        *_entry(A, "auth/token/lookup-self", "read", t(7)),
        *_entry(A, "secret/data/store-erp/production/flask", "read", t(8)),
        *_entry(A, "secret/data/store-erp/development/api", "read", t(9),
                error="1 error occurred:\n\t* permission denied\n\n"),
        *_entry("hmac-sha256:other", "secret/data/other/x", "read", t(9)),
        _login("someone-else", "hmac-sha256:bbbb"),
    ]  # fmt: skip
    return _log(tmp_path, records, junk)


def _scope(env: str = "dev") -> Scope:
    target = load_target(STORE_ERP)
    layout = layout_from_target(names_of(target), target.bind(PROFILES[env]),
                                profiles=target.profiles())  # fmt: skip
    return Scope.of_layout(layout, assumed_mounts(layout, ["secret"]))


def test_each_request_gets_its_capability_on_its_literal_path(tmp_path: Path) -> None:
    obs = observe(_app_log(tmp_path), AppIdentity("role", ROLE))
    result = suggest(obs, scope=_scope(), environment="dev", implied=False)
    got = {r.path: r.capabilities for r in result.rules}
    assert got == {
        "secret/data/store-erp/development/flask": ("read",),
        "secret/metadata/store-erp/development/": ("list",),
        "secret/data/store-erp/development/jwt": ("update",),
        "database/creds/store-erp-development": ("read",),
        # A lease id is the next run's no more: its role's leases, not the id.
        "sys/leases/renew/database/creds/store-erp-development/*": ("update",),
        "auth/token/lookup-self": ("read",),
    }
    flask = next(r for r in result.rules if r.path.endswith("/flask"))
    assert flask.comment == ("covers read x2 (2026-12-07T21:00:01Z to 2026-12-07T21:00:02Z)")
    # Another environment's path: a finding, never a rule; a denied request: not granted.
    assert result.findings == (
        "the app's requests cross environments: read x1 on "
        "secret/data/store-erp/production/flask (prod paths); not put in the suggestion",
    )
    text = result.hcl()
    assert "# Denied, not granted: read on secret/data/store-erp/development/api x1" in text
    assert "other" not in {r.path.split("/")[2] for r in result.rules}
    policy = parse_policy(text, "suggested.hcl")  # the server's parser takes it
    assert [r.path for r in policy.rules] == [r.path for r in result.rules]


def test_the_suggestion_passes_least_privilege_with_nothing_unused(tmp_path: Path) -> None:
    obs = observe(_app_log(tmp_path), AppIdentity("role", ROLE))
    result = suggest(obs, scope=_scope(), environment="dev")
    target = load_target(STORE_ERP)
    prof = target.bind(PROFILES["dev"])
    layout = layout_from_target(names_of(target), prof, profiles=target.profiles())
    used = [p for p in obs.uses if not p.endswith("*")]
    judged = check_least_privilege(
        [parse_policy(result.hcl(), "suggested.hcl")], prof, layout=layout, read_only=False,
        used_paths=[*used, "sys/leases/renew/database/creds/store-erp-development/abc"],
    )  # fmt: skip
    assert judged.passed, judged.explain()


def test_time_dependent_grants_only_when_declared_or_implied(tmp_path: Path) -> None:
    obs = observe(_app_log(tmp_path), AppIdentity("role", ROLE))
    assert obs.token_ttl == 1200 and obs.token_renewable
    implied = {r.path: r for r in suggest(obs).rules if r.time_dependent}
    assert set(implied) == {"auth/token/renew-self", "sys/leases/renew"}
    assert (
        "implied by the token TTL (1200 s, renewable)" in implied["auth/token/renew-self"].comment
    )
    assert implied["auth/token/renew-self"].comment.startswith("time-dependent: token renewal")
    none = suggest(obs, implied=False)
    assert not any(r.time_dependent for r in none.rules)
    declared = suggest(obs, implied=False, declared=["token-revocation"])
    assert [r.path for r in declared.rules if r.time_dependent] == ["auth/token/revoke-self"]
    assert "not in the log: declared" in declared.hcl()


def test_truncated_and_non_json_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    junk = [b'{"type":"response","auth":{"accessor":"' + A.encode() + b'"', b"not json at all"]
    obs = observe(_app_log(tmp_path, junk), AppIdentity("role", ROLE))
    assert obs.stats.corrupt == 2  # every line that is no JSON object, the app's or not
    result = suggest(obs, implied=False)
    assert "# Skipped: 2 lines that are not JSON" in result.hcl()


def test_a_log_without_the_app_says_how_it_looked_and_what_it_found(tmp_path: Path) -> None:
    log = _app_log(tmp_path)
    with pytest.raises(SuggestError) as caught:
        suggest(observe(log, AppIdentity("role", "store-erp-staging")))
    message = str(caught.value)
    assert "looked for the tokens of logins to AppRole role 'store-erp-staging'" in message
    assert "found no login to it" in message
    assert "requests by tokens of AppRole roles store-erp-development (" in message
    assert str(log) in message


def test_an_accessor_names_one_token(tmp_path: Path) -> None:
    obs = observe(_app_log(tmp_path), AppIdentity("accessor", "hmac-sha256:other"))
    assert [r.path for r in suggest(obs, implied=False).rules] == ["secret/data/other/x"]


def test_cli_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _app_log(tmp_path)
    out = tmp_path / "suggested.hcl"
    code = main(["policy", "suggest", "--audit-log", str(log), "--target", str(STORE_ERP),
                 "--env", "dev", "--out", str(out)])  # fmt: skip
    assert code == 1  # the cross-environment request is a finding
    assert "finding: the app's requests cross environments" in capsys.readouterr().err
    parse_policy(out.read_text(), str(out))
    assert main(["policy", "suggest", "--audit-log", str(log), "--role", ROLE]) == 0
    capsys.readouterr()
    assert main(["policy", "suggest", "--audit-log", str(log), "--role", "nobody"]) == 2
    err = capsys.readouterr().err
    assert "looked for the tokens of logins to AppRole role 'nobody'" in err
    assert main(["policy", "suggest", "--audit-log", str(tmp_path / "none")]) == 2
    assert main(["policy", "suggest", "--audit-log", str(log)]) == 2
    assert "name the app" in capsys.readouterr().err


# --------------------------------------------------------------------------- on a server

PLAN_POLICY = PLAN.parent / "vault" / "policies" / "app-policy.hcl"


@dataclass
class Bao:
    server: VaultServer
    root: hvac.Client

    @property
    def log(self) -> Path:
        assert self.server.audit_log is not None
        return self.server.audit_log

    def offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0


@pytest.fixture(scope="module")
def bao(
    reaper: Reaper, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bao]:
    directory = tmp_path_factory.mktemp("suggest")
    directory.chmod(0o700)
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    server = start_dev(binary, directory / "bao", reaper)
    try:
        assert server.root_token is not None
        root = server.client(server.root_token)
        root.sys.enable_auth_method("approle")
        yield Bao(server, root)
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _plan_client(bao: Bao, role: str, tree: str) -> hvac.Client:
    """The plan's client (src/vault_client.py) as it would run in one environment: an
    AppRole login, then its entries of that environment's tree read through KV v2."""
    role_id = bao.root.auth.approle.read_role_id(role)["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id(role)["data"]["secret_id"]
    app = bao.server.client()
    app.auth.approle.login(role_id, secret_id)
    for entry in ("flask", "jwt"):
        app.secrets.kv.v2.read_secret_version(
            path=f"store-erp/{tree}/{entry}", mount_point="secret", raise_on_deleted_version=True
        )
    app.auth.token.lookup_self()
    return app


def _denied(bao: Bao, role: str, start: int) -> list[str]:
    from vault_gate.compliance.checks.audit import role_records

    return [
        f"{r['request'].get('operation')} {r['request'].get('path')}"
        for is_login, r in role_records(bao.log, role, start=start)
        if not is_login and r.get("type") == "response" and r.get("error")
    ]


@pytest.mark.servers
def test_the_plan_s_policy_yields_one_suggestion_per_environment_proven_on_the_server(
    bao: Bao,
) -> None:
    """The plan grants one AppRole development and production; what each environment's
    app did gives its own suggestion, which reaches no other tree; applied to the
    environment's role, the same requests pass with nothing denied, least privilege
    passes with nothing unused, and sys/capabilities on every path of the log is what
    the requests needed, from the server and from the analyzer alike."""
    plan = load_target(PLAN)
    bao.root.sys.create_or_update_policy("app-policy", PLAN_POLICY.read_text())
    bao.root.auth.approle.create_or_update_approle(
        role_name="store-erp", token_policies=["app-policy"], token_ttl="1h", token_max_ttl="4h"
    )
    suggestions: dict[str, str] = {}
    for env in ENVIRONMENTS:
        tree = plan.tree(env)
        for entry in ("flask", "jwt"):
            bao.root.secrets.kv.v2.create_or_update_secret(
                path=f"store-erp/{tree}/{entry}", secret={"secret_key": "x"}, mount_point="secret"
            )
        # The plan's policy grants staging nothing (its app would only be refused): staging's
        # app runs under a role that reads its own tree; dev's and prod's under the plan's.
        start = bao.offset()
        if env == "staging":
            bao.root.sys.create_or_update_policy("plan-staging", stanza_read(tree))
            bao.root.auth.approle.create_or_update_approle(
                role_name="store-erp-staging-plan", token_policies=["plan-staging"]
            )
            role = "store-erp-staging-plan"
        else:
            role = "store-erp"
        _plan_client(bao, role, tree)
        obs = observe(bao.log, AppIdentity("role", role), start=start)
        result = suggest(obs, scope=_plan_scope(plan, env), environment=env, implied=False)
        assert not result.findings, result.findings
        text = result.hcl()
        suggestions[env] = text
        assert {r.path for r in result.rules} == {
            f"secret/data/store-erp/{tree}/flask",
            f"secret/data/store-erp/{tree}/jwt",
            "auth/token/lookup-self",
        }
        # Applied: the environment's own role holds only the suggestion.
        name = f"suggested-{env}"
        bao.root.sys.create_or_update_policy(name, text)
        bao.root.auth.approle.create_or_update_approle(
            role_name=name, token_policies=[name], token_no_default_policy=True
        )
        again = bao.offset()
        _plan_client(bao, name, tree)
        assert _denied(bao, name, again) == []
        used = observe(bao.log, AppIdentity("role", name), start=again)
        assert used.requests == obs.requests
        prof = plan.bind(PROFILES[env])
        layout = layout_from_target(names_of(plan), prof, profiles=plan.profiles())
        judged = check_least_privilege(
            [parse_policy(text, f"{name}.hcl")], prof, layout=layout, used_paths=list(used.uses)
        )
        assert judged.passed, judged.explain()
        # sys/capabilities of the suggestion on every path of the log = what was needed.
        token = bao.root.auth.token.create(policies=[name], no_default_policy=True, ttl="5m")
        paths = sorted(used.uses)
        server = bao.root.sys.get_capabilities(paths, token=token["auth"]["client_token"])["data"]
        needed = {p: sorted(set(used.uses[p].operations)) for p in paths}
        ours = {p: capabilities([parse_policy(text, name)], p) for p in paths}
        assert {p: server[p] for p in paths} == ours == needed
    # Three suggestions, each of its own tree only.
    for env, text in suggestions.items():
        others = [plan.tree(e) for e in ENVIRONMENTS if e != env]
        assert not any(f"/{t}/" in text for t in others), text


@pytest.mark.servers
def test_requests_that_cross_environments_are_a_finding_not_a_rule(bao: Bao) -> None:
    """The plan's client, as written, reads development's flask whatever its environment:
    run as prod's app under the plan's policy, that request is a finding."""
    plan = load_target(PLAN)
    bao.root.sys.create_or_update_policy("app-policy", PLAN_POLICY.read_text())
    bao.root.auth.approle.create_or_update_approle(
        role_name="store-erp", token_policies=["app-policy"]
    )
    for tree in ("development", "production"):
        bao.root.secrets.kv.v2.create_or_update_secret(
            path=f"store-erp/{tree}/flask", secret={"secret_key": "x"}, mount_point="secret"
        )
    start = bao.offset()
    app = _plan_client(bao, "store-erp", "production")
    app.secrets.kv.v2.read_secret_version(
        path="store-erp/development/flask", mount_point="secret", raise_on_deleted_version=True
    )
    obs = observe(bao.log, AppIdentity("role", "store-erp"), start=start)
    result = suggest(obs, scope=_plan_scope(plan, "prod"), environment="prod", implied=False)
    assert result.findings == (
        "the app's requests cross environments: read x1 on "
        "secret/data/store-erp/development/flask (dev paths); not put in the suggestion",
    )
    assert "development" not in "".join(r.hcl() for r in result.rules)


def stanza_read(tree: str) -> str:
    return f'path "secret/data/store-erp/{tree}/*" {{\n  capabilities = ["read"]\n}}\n'


def _plan_scope(plan, env: str) -> Scope:  # type: ignore[no-untyped-def]
    prof = plan.bind(PROFILES[env])
    layout = layout_from_target(names_of(plan), prof, profiles=plan.profiles())
    return Scope.of_layout(layout, assumed_mounts(layout, ["secret"]))


def test_the_sign_off_s_evidence_holds_the_suggestion_and_its_diff(tmp_path: Path) -> None:
    """least_privilege failing on an unused, too-broad grant: the evidence carries the
    suggested policy and a unified diff from the app's policy text to it."""
    from vault_gate.compliance.checks.suggest import SUGGESTED, SUGGESTED_DIFF, with_suggestion

    text = PLAN_POLICY.read_text()
    policies = [parse_policy(text, str(PLAN_POLICY))]
    log = _app_log(tmp_path)
    obs = observe(log, AppIdentity("role", ROLE))
    prof = load_target(STORE_ERP).bind(PROFILES["dev"])
    result = check_least_privilege(policies, prof, used_paths=list(obs.uses))
    assert not result.passed
    shown = with_suggestion(result, policies, [("app-policy.hcl", text)], log, ROLE,
                            scope=_scope())  # fmt: skip
    assert shown.findings == result.findings
    evidence = {e.looked_at: e.found for e in shown.evidence}
    parse_policy(evidence[SUGGESTED], "suggested.hcl")
    diff = evidence[SUGGESTED_DIFF]
    assert diff.startswith("--- app-policy.hcl\n+++ suggested\n")
    assert '-path "secret/data/store-erp/production/*" {' in diff
    assert '+path "secret/data/store-erp/development/flask" {' in diff
    # A passing result is left as it is.
    assert with_suggestion(shown.__class__("least_privilege", "dev", shown.evidence), policies,
                           [], log, ROLE).evidence == shown.evidence  # fmt: skip


def test_the_flavour_names_whose_capabilities_the_policy_uses(tmp_path: Path) -> None:
    """OpenBao's scan has no capability in HashiCorp Vault: a finding, not a rule."""
    t = "2026-12-07T21:00:0{}Z".format
    log = _log(tmp_path, [_login(ROLE, A), *_entry(A, "secret/metadata/x/", "scan", t(1)),
                          *_entry(A, "secret/data/x", "read", t(2))])  # fmt: skip
    obs = observe(log, AppIdentity("role", ROLE))
    bao = suggest(obs, implied=False)
    assert [(r.path, r.capabilities) for r in bao.rules] == [
        ("secret/data/x", ("read",)), ("secret/metadata/x/", ("scan",))]  # fmt: skip
    vault = suggest(obs, implied=False, flavour="vault")
    assert [r.path for r in vault.rules] == ["secret/data/x"]
    assert vault.findings == (
        "scan on secret/metadata/x/: no such capability in vault's policies; "
        "not put in the suggestion",
    )
    assert vault.hcl().startswith("# Suggested by vault-gate policy suggest (vault)")


def test_a_raw_audit_device_s_log_is_read_alike(tmp_path: Path) -> None:
    """log_raw on: accessors and tokens in the clear, paths as ever; the app is told by
    its role's logins the same way, and a raw accessor is never printed."""
    raw = "7gJq3kQ0yYbQ2n1Xc0dP9s8u"  # an accessor as a raw device writes it
    t = "2026-12-07T21:00:0{}Z".format
    log = _log(tmp_path, [_login(ROLE, raw), *_entry(raw, "secret/data/store-erp/development/flask",
                                                     "read", t(1))])  # fmt: skip
    by_role = suggest(observe(log, AppIdentity("role", ROLE)), implied=False)
    assert [r.path for r in by_role.rules] == ["secret/data/store-erp/development/flask"]
    by_accessor = suggest(observe(log, AppIdentity("accessor", raw)), implied=False)
    assert [r.path for r in by_accessor.rules] == [r.path for r in by_role.rules]
    assert raw not in by_accessor.hcl() and "(fingerprint)" in by_accessor.hcl()

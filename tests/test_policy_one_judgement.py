"""One judgement per concern: a policy file and the same policy held by the server are
judged alike, and identity templates are rendered for the token's entity as the server
renders them.

On one real dev-mode OpenBao: every policy file of the repository (the bundled apps',
the plan sketch's, the harness's own) and a set of written cases (token
self-maintenance, sys/ and auth/ grants, writes, globs over environments) is stored
under its name and attached to an AppRole role; then the static check
(:func:`vault_gate.compliance.checks.least_privilege.check_least_privilege`, the file)
and live mode's server check (:func:`vault_gate.compliance.live.policies.check_policies`,
the server's copy read back with its mounts) must give the same findings, in every
environment of the policy's app.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import hvac
import pytest

from vault_gate.compliance.checks.least_privilege import check_least_privilege
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.live.policies import check_policies
from vault_gate.compliance.live.targetfile import layout_from_target, names_of
from vault_gate.compliance.policy.acl import (
    Entity,
    Policy,
    capabilities,
    load_policies,
    parse_policy,
)
from vault_gate.compliance.profiles import ENVIRONMENTS, PROFILES
from vault_gate.compliance.secret import Secret
from vault_gate.compliance.target import Target, load_target
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.servers.binaries import resolve_vault_binary
from vault_gate.fixtures.servers.openbao import VaultServer, start_dev

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent
STORE_ERP = ROOT / "store_erp" / "target.toml"
LEDGER = ROOT / "sample_apps" / "ledger" / "target.toml"
PLAN = ROOT / "tests" / "known_bad" / "plan_sketch" / "target.toml"
COURIER = ROOT / "sample_apps" / "courier" / "target.toml"
# Each policy file with the app whose policy it is judged as.
FILES: list[tuple[Path, Path]] = [
    *((f, STORE_ERP) for f in sorted((ROOT / "vault" / "policies").glob("*.hcl"))),
    *((f, LEDGER) for f in sorted((LEDGER.parent / "vault" / "policies").glob("*.hcl"))),
    *((f, PLAN) for f in sorted((PLAN.parent / "vault" / "policies").glob("*.hcl"))),
    *((f, COURIER) for f in sorted((COURIER.parent / "ops" / "policies").glob("*.hcl"))),
]


def stanza(path: str, *caps: str) -> str:
    return f'path "{path}" {{\n  capabilities = {json.dumps(list(caps))}\n}}\n'


# Written cases, as store-erp's policy (each a known way to be right or wrong).
CASES: dict[str, str] = {
    "case-token-self-maintenance": (
        stanza("secret/data/store-erp/development/*", "read")
        + stanza("auth/token/renew-self", "update")
        + stanza("auth/token/lookup-self", "read")
        + stanza("auth/token/revoke-self", "update")
        + stanza("sys/leases/renew", "update")
        + stanza("sys/leases/lookup", "update")
    ),
    "case-more-than-maintenance": stanza("auth/token/renew-self", "update", "read"),
    "case-sys-and-auth": stanza("sys/mounts", "read")
    + stanza("auth/approle/role/+/secret-id", "update"),
    "case-writes": stanza("secret/data/store-erp/development/*", "create", "read", "update"),
    "case-everything": stanza("*", "read", "list"),
    "case-every-env": stanza("secret/data/store-erp/*", "read"),
    "case-segment": stanza("secret/+/store-erp/+/flask", "read"),
    "case-shadow": stanza("*", "read") + stanza("sys/*", "deny") + stanza("auth/*", "deny"),
    "case-sudo": stanza("secret/data/store-erp/production/*", "read", "sudo"),
    "case-metadata-list": stanza("secret/metadata/store-erp/development/+", "list"),
    "case-db-other": stanza("database/creds/+", "read"),
}


@dataclass
class Server:
    server: VaultServer
    root: hvac.Client

    def vault(self) -> ReadOnlyVault:
        token = self.server.root_token
        assert token is not None
        return ReadOnlyVault(self.server.addr, token, verify=True)


@pytest.fixture(scope="module")
def bao(
    reaper: Reaper, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("one-judgement")
    directory.chmod(0o700)
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    server = start_dev(binary, directory / "bao", reaper)
    try:
        assert server.root_token is not None
        root = server.client(server.root_token)
        for mount in ("kv-ledger", "courier-kv"):
            root.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
        root.sys.enable_secrets_engine("database")
        root.sys.enable_auth_method("approle")
        yield Server(server, root)
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _layout(target: Target, env: str) -> Layout:
    profile = target.bind(PROFILES[env])
    return layout_from_target(names_of(target), profile, profiles=target.profiles())


def _on_server(bao: Server, name: str, text: str) -> str:
    """Store the policy under ``name`` and attach it to a role of the same name."""
    bao.root.sys.create_or_update_policy(name, text)
    bao.root.auth.approle.create_or_update_approle(
        role_name=name, token_policies=[name], token_ttl="20m", token_max_ttl="1h"
    )
    return name


def _both(bao: Server, policy: Policy, text: str, target: Target, env: str) -> tuple[set, set]:
    layout = _layout(target, env)
    static = check_least_privilege([policy], target.bind(PROFILES[env]), layout=layout)
    role = _on_server(bao, policy.name, text)
    live_layout = replace(layout, roles=(role,), approle_mounts=("approle",), policies=())
    live = check_policies(bao.vault(), live_layout)
    return set(static.findings), set(live.findings)


def test_the_file_and_the_server_s_copy_get_equal_findings(bao: Server) -> None:
    """Every policy of the repository and every written case, in every environment."""
    compared = failing = 0
    cases = [(load_policies([f])[0], f.read_text(), load_target(t)) for f, t in FILES]
    store_erp = load_target(STORE_ERP)
    cases += [(parse_policy(t, f"{n}.hcl"), t, store_erp) for n, t in CASES.items()]
    differences = []
    for policy, text, target in cases:
        for env in ENVIRONMENTS:
            static, live = _both(bao, policy, text, target, env)
            compared += 1
            failing += bool(static)
            if static != live:
                differences.append((policy.name, env, static ^ live))
    assert not differences, differences
    # The comparison is not vacuous: both verdicts occur, and the cases were all seen.
    assert compared == 3 * (len(FILES) + len(CASES))
    assert 0 < failing < compared
    print(
        f"equal findings: {compared} judgements ({failing} failing, {compared - failing} passing)"
    )


def test_token_self_maintenance_is_no_finding_in_either(bao: Server) -> None:
    store_erp = load_target(STORE_ERP)
    text = CASES["case-token-self-maintenance"]
    static, live = _both(bao, parse_policy(text, "case-token-self-maintenance.hcl"), text,
                         store_erp, "dev")  # fmt: skip
    assert static == live == set()


# --------------------------------------------------------------------------- templates

TEMPLATED = (
    stanza("secret/data/apps/{{identity.entity.id}}/*", "read")
    + stanza("secret/data/names/{{identity.entity.name}}", "read")
    + stanza("secret/data/roles/{{identity.entity.aliases.%s.metadata.role_name}}/*", "read")
    + stanza("secret/data/alias/{{identity.entity.aliases.%s.name}}", "list")
    + stanza("secret/data/meta/{{identity.entity.metadata.team}}/*", "read")  # no such metadata
    + stanza("secret/data/nobody/{{identity.entity.aliases.auth_nope_1.name}}", "read")
    + stanza("secret/data/group/{{identity.groups.names.payments.id}}", "read")
)


def _login(bao: Server, role: str) -> tuple[Secret, str]:
    """A login to the role: its token and the entity id the server tied it to."""
    role_id = bao.root.auth.approle.read_role_id(role)["data"]["role_id"]
    secret_id = bao.root.auth.approle.generate_secret_id(role)["data"]["secret_id"]
    auth = bao.root.auth.approle.login(role_id, secret_id, use_token=False)["auth"]
    return Secret(auth["client_token"]), auth["entity_id"]


def test_identity_templates_render_as_the_server_renders_them(bao: Server) -> None:
    """Differential: the analyzer, given the entity the server made at login (read back
    with its groups), answers sys/capabilities as the server answers for the token."""
    accessor = bao.root.sys.list_auth_methods()["data"]["approle/"]["accessor"]
    text = TEMPLATED.replace("%s", accessor)
    name = _on_server(bao, "templated", text)
    token, entity_id = _login(bao, name)
    group = bao.root.secrets.identity.create_or_update_group(
        name="payments", member_entity_ids=[entity_id]
    )["data"]["id"]
    data = bao.root.secrets.identity.read_entity(entity_id)["data"]
    groups = [bao.root.secrets.identity.read_group(g)["data"] for g in data["group_ids"]]
    entity = Entity.from_answer(data, groups)
    alias = entity.aliases[0]
    assert alias.metadata.get("role_name") == name
    paths = [
        f"secret/data/apps/{entity_id}/x", "secret/data/apps/other/x",
        f"secret/data/names/{entity.name}", "secret/data/names/x",
        f"secret/data/roles/{name}/x", "secret/data/roles/other/x",
        f"secret/data/alias/{alias.name}", f"secret/data/group/{group}",
        "secret/data/meta/x/y", "secret/data/nobody/x",
        "secret/data/apps/{{identity.entity.id}}/x",
    ]  # fmt: skip
    server = bao.root.sys.get_capabilities(paths, token=token.reveal())["data"]
    policy = parse_policy(text, "templated.hcl")
    ours = {p: capabilities([policy], p, entity=entity) for p in paths}
    assert ours == {p: server[p] for p in paths}
    assert ours[f"secret/data/roles/{name}/x"] == ["read"]  # not vacuous
    assert ours[f"secret/data/group/{group}"] == ["read"]
    # Without the entity (a token from auth/token/create) the same text grants nothing.
    assert all(capabilities([policy], p) == ["deny"] for p in paths)


def test_live_mode_judges_a_templated_policy_for_the_role_s_entity(bao: Server) -> None:
    """A template that renders into another environment's tree is found, named with what
    it rendered to; before any login the role has no entity: "not checked"."""
    store_erp = load_target(STORE_ERP)
    accessor = bao.root.sys.list_auth_methods()["data"]["approle/"]["accessor"]
    text = stanza(
        f"secret/data/store-erp/{{{{identity.entity.aliases.{accessor}.metadata.role_name}}}}/*",
        "read",
    )
    layout = replace(_layout(store_erp, "dev"), approle_mounts=("approle",), policies=())
    role = _on_server(bao, "production", text)  # a role named like another tree
    before = check_policies(bao.vault(), replace(layout, roles=(role,)))
    assert any(
        f.startswith("not checked: policy production:") and "nobody has logged in" in f
        for f in before.findings
    ), before.explain()
    _login(bao, role)
    after = check_policies(bao.vault(), replace(layout, roles=(role,)))
    assert any(
        "(rendered secret/data/store-erp/production/*)" in f and "cross-environment" in f
        for f in after.findings
    ), after.explain()
    good = _on_server(bao, "development", text)
    _login(bao, good)
    assert check_policies(bao.vault(), replace(layout, roles=(good,))).passed


# --------------------------------------------------------------------------- the gate's token


def test_the_gate_token_s_value_probe_reads_kv_v2_data_paths_one_finding_per_problem(
    bao: Server,
) -> None:
    """A gate token that can read ``secret/data/...`` (the app's values on KV v2) and
    create tokens: two problems, two findings; the first names the app's data/ paths, though the
    target names its entries by their logical paths."""
    from vault_gate.compliance.live.tokens import check_gate_token

    auditor = (ROOT / "vault" / "policies" / "auditor.hcl").read_text()
    text = auditor + stanza("secret/data/*", "read") + stanza("auth/token/create", "update")
    bao.root.sys.create_or_update_policy("leaky-gate", text)
    token = Secret(
        bao.root.auth.token.create(policies=["leaky-gate"], no_default_policy=True, ttl="5m")[
            "auth"
        ]["client_token"]
    )
    vault = ReadOnlyVault(bao.server.addr, token, verify=True)
    layout = _layout(load_target(PLAN), "dev")  # logical paths: secret/store-erp/development/..
    assert all("/data/" not in p for p in layout.paths)
    result = check_gate_token(vault, layout)
    assert len(result.findings) == 2, result.explain()
    values, writes = result.findings
    assert values.startswith('the gate\'s token is not read-only: sys/policies/acl/leaky-gate: '
                             'path "secret/data/*" ')  # fmt: skip
    assert "secret/data/store-erp/development/flask (read)" in values
    assert writes.endswith('path "auth/token/create" grants update: the gate only reads; '
                           "live mode never reads there; reaches secret values: "
                           "auth/token/create (update)")  # fmt: skip

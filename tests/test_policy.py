"""Least privilege: the policy analyzer (compliance/policy/acl.py), checked against a real server.

The matcher is first pinned on plain data (the priority examples of the Vault/OpenBao
policy docs and the corner cases the server was seen to take), then held to the dev
server by a differential property test: for generated policies and paths, the
analyzer's answer must be the server's ``sys/capabilities`` answer. The check is shown
to pass on each environment's real policy, cross-checked by the server, and to fail for
each reason it knows, each on an input bad for that reason alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import hvac
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_erp_target import PROFILES

from vault_gate.compliance.checks.least_privilege import check_least_privilege
from vault_gate.compliance.policy.acl import (
    KNOWN_CAPABILITIES,
    OPENBAO_CAPABILITIES,
    Entity,
    Pattern,
    Policy,
    PolicyError,
    capabilities,
    load_policies,
    parse_policy,
    sys_capabilities,
)
from vault_gate.compliance.profiles import ENVIRONMENTS
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.run.world import World

REPO = Path(__file__).resolve().parent.parent
POLICY_DIR = REPO / "vault" / "policies"
PLAN_POLICY = REPO / "tests" / "known_bad" / "plan_sketch" / "vault" / "policies" / "app-policy.hcl"
TEST_POLICY_PREFIX = "vault-gate-test-policy"
DEV, PROD = PROFILES["dev"], PROFILES["prod"]


def app_policy(env: str) -> list[Policy]:
    return load_policies([POLICY_DIR / f"{PROFILES[env].policy_name}.hcl"])


def policy(text: str, source: str = "synthetic.hcl") -> list[Policy]:
    return [parse_policy(text, source)]


def stanza(path: str, *caps: str) -> str:
    return f'path "{path}" {{\n  capabilities = {json.dumps(list(caps))}\n}}\n'


def findings_with(result_findings: Sequence[str], text: str) -> list[str]:
    return [f for f in result_findings if text in f]


# --------------------------------------------------------------------------- parsing


def test_real_policies_parse_with_their_options() -> None:
    files = sorted(POLICY_DIR.glob("*.hcl"))
    policies = {p.name: p for p in load_policies(files)}
    assert set(policies) == {f.stem for f in files}
    deploy = policies["store-erp-production-deploy"]
    secret_id = next(r for r in deploy.rules if r.path.endswith("/secret-id"))
    assert secret_id.capabilities == {"update"}
    assert (secret_id.min_wrapping_ttl, secret_id.max_wrapping_ttl) == ("1m", "10m")
    assert secret_id.source == str(POLICY_DIR / "store-erp-production-deploy.hcl")
    app = policies["store-erp-production"]
    assert [(r.path, r.capabilities) for r in app.rules] == [
        ("secret/data/store-erp/production/*", {"read"}),
        ("database/creds/store-erp-production", {"read"}),
    ]


def test_malformed_hcl_names_the_source_and_the_parsers_reason() -> None:
    reason = r"line 3, column 1: error parsing list, expected comma or list end, got: RBRACE"
    with pytest.raises(PolicyError, match=rf"^broken\.hcl: malformed HCL: {reason}"):
        parse_policy('path "a" {\n  capabilities = ["read"\n}\n', "broken.hcl")


def test_unknown_capability_names_it_and_the_known_ones() -> None:
    with pytest.raises(PolicyError) as excinfo:
        parse_policy(stanza("secret/data/x", "read", "admin"), "p.hcl")
    message = str(excinfo.value)
    assert message.startswith("p.hcl: line 1: ")
    assert "unknown capability 'admin'; known:" in message
    assert "known: create, delete, deny, list, patch, read, scan, sudo, update" in message


def test_each_flavour_knows_its_own_capabilities() -> None:
    """OpenBao (the default) has "scan"; Vault has "subscribe" and "recover" instead."""
    text = stanza("sys/events/subscribe/*", "subscribe")
    assert parse_policy(text, "v.hcl", flavour="vault").rules[0].capabilities == {"subscribe"}
    with pytest.raises(PolicyError, match="unknown capability 'subscribe'"):
        parse_policy(text, "v.hcl")
    with pytest.raises(PolicyError, match="unknown capability 'scan'"):
        parse_policy(stanza("a", "scan"), "v.hcl", flavour="vault")
    assert parse_policy(text, "v.hcl", known=KNOWN_CAPABILITIES).rules[0].capabilities == {
        "subscribe"
    }
    assert parse_policy(stanza("a", "scan"), "v.hcl", known=OPENBAO_CAPABILITIES).rules


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (stanza("a/+*", "read"), r"invalid use of wildcards \('\+\*' is forbidden\)"),
        ('path "a" {\n  capabilites = ["read"]\n}\n', "invalid key .capabilites. \\(unknown key"),
        ('path "a" {\n  capabilities = [read]\n}\n', "malformed HCL: line 2, column 19: .*: IDENT"),
        ('paths "a" {\n  capabilities = ["read"]\n}\n', "top level: invalid key.*paths"),
        ('path "a" {\n  policy = "admin"\n}\n', "invalid policy 'admin'"),
        ("", "empty policy"),
    ],
    ids=["plus-star", "unknown-key", "bare-word", "top-level-key", "old-policy", "empty"],
)
def test_what_the_server_refuses_is_a_policy_error(text: str, reason: str) -> None:
    with pytest.raises(PolicyError, match=reason):
        parse_policy(text, "bad.hcl")


def test_json_policies_and_old_style_policy_stanzas() -> None:
    json_policy = parse_policy(
        json.dumps({"path": {"secret/data/a/*": {"capabilities": ["read", "list"]}}}), "p.json"
    )
    assert [(r.path, r.capabilities) for r in json_policy.rules] == [
        ("secret/data/a/*", {"read", "list"})
    ]
    old = parse_policy('path "a" {\n  policy = "write"\n}\n', "old.hcl")
    assert old.rules[0].capabilities == {"create", "read", "update", "delete", "list"}
    deny = parse_policy(stanza("a", "read", "deny"), "d.hcl")
    assert deny.rules[0].capabilities == {"deny"}


# --------------------------------------------------------------------------- matching

# (rules as (path, capabilities), request path, sys/capabilities' answer). The first
# block is the docs' priority list, one example per rule; the rest are the corners the
# server was seen to take (and the differential test keeps checking).
MATCHING_CASES = [
    # Docs: "secret/*" vs "secret/+/+/foo/*": same first wildcard, both globs, fewer + wins.
    ([("secret/*", ["read"]), ("secret/+/+/foo/*", ["list"])], "secret/a/b/foo/x", ["read"]),
    # 1. the later first wildcard/glob wins: foo/bar/+/baz over foo/+/bar/baz ...
    ([("foo/bar/+/baz", ["read"]), ("foo/+/bar/baz", ["list"])], "foo/bar/bar/baz", ["read"]),
    # ... and foo/a* over foo/+
    ([("foo/a*", ["read"]), ("foo/+", ["list"])], "foo/ab", ["read"]),
    # 2. not ending in *: foo/+/bar over foo/+/ba*, foo/+ over foo/*
    ([("foo/+/bar", ["read"]), ("foo/+/ba*", ["list"])], "foo/x/bar", ["read"]),
    ([("foo/+", ["read"]), ("foo/*", ["list"])], "foo/x", ["read"]),
    # 3. fewer + segments: a/+/c/d over a/+/+/d
    ([("a/+/c/d", ["read"]), ("a/+/+/d", ["list"])], "a/b/c/d", ["read"]),
    # 4. longer: foo/+/bar/ba* over foo/+/bar/b*
    ([("foo/+/bar/ba*", ["read"]), ("foo/+/bar/b*", ["list"])], "foo/x/bar/baz", ["read"]),
    # An exact rule wins outright; among plain globs the longest prefix wins.
    ([("secret/foo", ["read"]), ("secret/*", ["list"])], "secret/foo", ["read"]),
    ([("secret/*", ["read"]), ("secret/foo*", ["list"])], "secret/foobar", ["list"]),
    # The winner alone decides: a more specific rule takes capabilities away.
    ([("secret/*", ["read", "list"]), ("secret/a/*", [])], "secret/a/b", ["deny"]),
    ([("secret/*", ["read"]), ("secret/a/*", ["deny"])], "secret/a/b", ["deny"]),
    # No rule: deny. + is exactly one segment (possibly empty), * only at the end.
    ([("a/+", ["read"])], "a/b/c", ["deny"]),
    ([("a/+", ["read"])], "a/", ["read"]),
    ([("a/*/c", ["read"])], "a/b/c", ["deny"]),
    ([("a/*/c", ["read"])], "a/*/c", ["read"]),
    # sys/capabilities asks as a LIST: one trailing / is dropped for exact rules ...
    ([("a/b", ["read"])], "a/b/", ["read"]),
    # ... and for globs only when nothing matched with it (OpenBao 2.x order).
    ([("a/+", ["read"])], "a/x/", ["read"]),
    ([("a/+", ["list"]), ("a/*", ["delete"])], "a/c/", ["delete"]),
    # "a/+b" holds "/+", so the server files it as a segment-wildcard rule, but "+b"
    # is compared literally.
    ([("a/+b", ["read"]), ("a/*", ["list"])], "a/+b", ["read"]),
    ([("a/+b", ["read"]), ("a/*", ["list"])], "a/xb", ["list"]),
    # Leading slashes: one is stripped from rule paths, all from request paths.
    ([("/a/b", ["read"])], "//a/b", ["read"]),
    # The server sorts: create, delete, list, patch, read, scan, sudo, update.
    ([("a", ["update", "sudo", "read", "create", "scan", "patch"])], "a",
     ["create", "patch", "read", "scan", "sudo", "update"]),
]  # fmt: skip


@pytest.mark.parametrize(("rules", "path", "expected"), MATCHING_CASES)
def test_matching_and_priority(
    rules: list[tuple[str, list[str]]], path: str, expected: list[str]
) -> None:
    text = "".join(stanza(p, *caps) for p, caps in rules)
    assert capabilities(policy(text), path) == expected


def test_same_path_merges_across_policies_and_deny_absorbs() -> None:
    reader = parse_policy(stanza("secret/data/a/*", "read"), "reader.hcl")
    lister = parse_policy(stanza("secret/data/a/*", "list"), "lister.hcl")
    denier = parse_policy(stanza("secret/data/a/*", "deny"), "denier.hcl")
    assert capabilities([reader, lister], "secret/data/a/x") == ["list", "read"]
    assert capabilities([reader, denier, lister], "secret/data/a/x") == ["deny"]
    assert capabilities([denier, reader], "secret/data/a/x") == ["deny"]


def test_default_policy_only_when_asked() -> None:
    default = parse_policy(stanza("auth/token/lookup-self", "read"), "default")
    app = app_policy("dev")
    assert capabilities(app, "auth/token/lookup-self") == ["deny"]
    assert capabilities(app, "auth/token/lookup-self", default_policy=default) == ["read"]


def test_pattern_matches_on_its_own() -> None:
    assert Pattern.of("secret/data/store-erp/+/flask").matches("secret/data/store-erp/x/flask")
    assert not Pattern.of("secret/data/store-erp/+/flask").matches("secret/data/a/b/flask")
    assert Pattern.of("secret/data/*").matches("secret/data/a/b/c")
    assert not Pattern.of("secret/data/a").matches("secret/data/a/b")


# --------------------------------------------------------------------------- the check


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_environments_policy_passes(env: str) -> None:
    result = check_least_privilege(app_policy(env), PROFILES[env])
    assert result.passed, result.explain()
    assert result.criterion == "least_privilege" and result.environment == env
    assert any(str(POLICY_DIR / f"{PROFILES[env].policy_name}.hcl") in e.looked_at
               for e in result.evidence)  # fmt: skip


@pytest.mark.parametrize(("env", "other"), [("prod", "development"), ("dev", "production")])
def test_the_plans_policy_fails_with_cross_environment_access(env: str, other: str) -> None:
    result = check_least_privilege(load_policies([PLAN_POLICY]), PROFILES[env])
    assert not result.passed
    cross = findings_with(result.findings, "cross-environment access")
    assert len(cross) == 1, result.explain()
    assert f"the {other} paths (e.g. secret/data/store-erp/{other}/" in cross[0]
    assert cross[0].startswith(f'policy app-policy: path "secret/data/store-erp/{other}/*" '
                               "grants read: ")  # fmt: skip


def test_sudo_is_a_finding() -> None:
    text = stanza("secret/data/store-erp/development/*", "read", "sudo")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "secret/data/store-erp/development/*" grants read, sudo: sudo',
    ), result.explain()


def test_sys_paths_are_a_finding() -> None:
    text = app_text("dev") + stanza("sys/mounts", "read")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "sys/mounts" grants read: access to sys/ paths',
    ), result.explain()


def test_auth_paths_are_a_finding() -> None:
    text = app_text("dev") + stanza("auth/approle/role/+/secret-id", "read")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "auth/approle/role/+/secret-id" grants read: access to auth/ paths',
    ), result.explain()


@pytest.mark.parametrize("glob", ["secret/data/*", "secret/data/store-erp/*", "secret/+/+/+/*"])
def test_a_glob_over_every_environment_is_one_finding(glob: str) -> None:
    result = check_least_privilege(policy(stanza(glob, "read")), DEV)
    assert len(result.findings) == 1, result.explain()
    assert result.findings[0].startswith(f'policy synthetic: path "{glob}" grants read: ')
    assert "the production paths" in result.findings[0]
    assert "the staging paths" in result.findings[0]


def test_an_exact_path_outside_the_tree_is_a_finding() -> None:
    text = app_text("dev") + stanza("secret/data/other-app/config", "read")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "secret/data/other-app/config" grants read: path beyond dev\'s '
        "own paths (secret/data/store-erp/development/, secret/metadata/store-erp/development/, "
        "secret/subkeys/store-erp/development/, secret/delete/store-erp/development/, "
        "secret/undelete/store-erp/development/, secret/destroy/store-erp/development/, "
        "database/creds/store-erp-development)",
    ), result.explain()


def test_the_cross_check_takes_the_servers_word() -> None:
    """Plain data: a server that denies everything disagrees on every granted path."""
    result = check_least_privilege(app_policy("dev"), DEV, server_capabilities=lambda _: ["deny"])
    disagree = findings_with(result.findings, "the analyzer and the server disagree")
    assert (
        "the analyzer and the server disagree on secret/data/store-erp/development/x: "
        "analyzer read; server deny (the server is right)"
    ) in disagree, result.explain()
    assert len(disagree) == len(result.findings)


def test_a_glob_inside_the_tree_is_not_broad() -> None:
    text = app_text("dev") + stanza("secret/metadata/store-erp/development/+", "list")
    result = check_least_privilege(policy(text), DEV)
    assert result.passed, result.explain()


def test_a_deny_rule_grants_nothing_to_complain_about() -> None:
    text = app_text("prod") + stanza("secret/data/store-erp/development/*", "deny")
    assert check_least_privilege(policy(text), PROD).passed


def test_write_capabilities_are_a_finding_when_read_only() -> None:
    text = stanza("secret/data/store-erp/development/*", "read", "update", "create")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "secret/data/store-erp/development/*" grants create, read, '
        "update: writes (create, update) where the app only reads",
    ), result.explain()
    assert check_least_privilege(policy(text), DEV, read_only=False).passed


def test_two_problems_of_one_rule_are_one_finding_two_rules_two() -> None:
    text = stanza("secret/data/*", "read", "sudo") + stanza("sys/mounts", "update")
    result = check_least_privilege(policy(text), DEV)
    assert len(result.findings) == 2, result.explain()
    assert "sudo; cross-environment access" in result.findings[0]
    assert "writes (update) where the app only reads; access to sys/ paths" in result.findings[1]


def test_a_shadowing_deny_keeps_sys_closed_but_the_glob_is_still_broad() -> None:
    text = stanza("*", "read") + stanza("sys/*", "deny") + stanza("auth/*", "deny")
    result = check_least_privilege(policy(text), DEV)
    assert len(result.findings) == 1, result.explain()
    assert result.findings[0].startswith('policy synthetic: path "*" grants read: cross-env')
    assert "sys/" not in result.findings[0] and "auth/" not in result.findings[0]


def test_granted_but_never_used() -> None:
    used = ["secret/data/store-erp/development/flask", "secret/data/store-erp/development/jwt"]
    result = check_least_privilege(app_policy("dev"), DEV, used_paths=used)
    assert not result.passed
    assert len(result.findings) == 1, result.explain()
    assert (
        'path "database/creds/store-erp-development" is granted but never used'
        in (result.findings[0])
    )
    everything = [*used, "database/creds/store-erp-development"]
    assert check_least_privilege(app_policy("dev"), DEV, used_paths=iter(everything)).passed


def test_a_rule_shadowed_for_every_used_path_counts_as_unused() -> None:
    text = app_text("dev") + stanza("secret/data/store-erp/development/flask", "read")
    used = ["secret/data/store-erp/development/flask", "database/creds/store-erp-development"]
    result = check_least_privilege(policy(text), DEV, used_paths=used)
    assert result.findings == (
        'policy synthetic: path "secret/data/store-erp/development/*" is granted but never used '
        "(no request among 2 audited paths was decided by it)",
    ), result.explain()


TOKEN_SELF_MAINTENANCE = (
    stanza("auth/token/renew-self", "update")
    + stanza("auth/token/lookup-self", "read")
    + stanza("auth/token/revoke-self", "update")
    + stanza("sys/leases/renew", "update")
    + stanza("sys/leases/lookup", "update")
)


def test_token_self_maintenance_is_not_a_finding_nor_unused() -> None:
    """The issue's app: renews at 2/3 of a 20-minute TTL, so a 30 s run sees no renewal."""
    used = ["secret/data/store-erp/development/flask", "database/creds/store-erp-development"]
    text = app_text("dev") + TOKEN_SELF_MAINTENANCE
    result = check_least_privilege(policy(text), DEV, used_paths=used)
    assert result.passed, result.explain()
    maintenance = next(e for e in result.evidence if "token-maintenance" in e.looked_at)
    assert "auth/token/renew-self" in maintenance.found
    waiting = next(e for e in result.evidence if "depends on time" in e.looked_at)
    assert "auth/token/renew-self" in waiting.found and "2/3" in waiting.found
    assert "auth/token/revoke-self" in waiting.found and "shutdown" in waiting.found


def test_more_than_self_maintenance_on_auth_token_is_a_finding() -> None:
    text = app_text("dev") + stanza("auth/token/renew-self", "update", "read")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'policy synthetic: path "auth/token/renew-self" grants read, update: writes (update) '
        "where the app only reads; access to auth/ paths",
    ), result.explain()


def test_an_identity_template_without_an_entity_is_not_judged() -> None:
    text = app_text("dev") + stanza("secret/data/{{identity.entity.name}}/*", "read")
    result = check_least_privilege(policy(text), DEV)
    assert result.findings == (
        'not checked: policy synthetic: path "secret/data/{{identity.entity.name}}/*" is an '
        "identity template, granted per token entity; a policy file names no token, so no "
        "entity renders it",
    ), result.explain()


def test_an_identity_template_is_judged_for_the_entity() -> None:
    own = stanza("secret/data/store-erp/{{identity.entity.metadata.tree}}/*", "read")
    mine = Entity("e1", "entity_1", {"tree": "development"})
    theirs = Entity("e2", "entity_2", {"tree": "production"})
    assert check_least_privilege(policy(own), DEV, entity=mine).passed
    result = check_least_privilege(policy(own), DEV, entity=theirs)
    assert len(result.findings) == 1, result.explain()
    assert "(rendered secret/data/store-erp/production/*)" in result.findings[0]
    assert "cross-environment access" in result.findings[0]
    # No value for the template: the server drops the rule; nothing granted, nothing found.
    dropped = check_least_privilege(policy(own), DEV, entity=Entity("e3"))
    assert not any("production" in f for f in dropped.findings), dropped.explain()


def test_no_policy_is_no_pass() -> None:
    result = check_least_privilege([], DEV)
    assert not result.passed
    assert result.findings == ("no policy rules were given, so nothing grants or limits anything",)


def app_text(env: str) -> str:
    return (POLICY_DIR / f"{PROFILES[env].policy_name}.hcl").read_text()


# --------------------------------------------------------------------------- real server


@pytest.fixture
def dev_root(world: World) -> hvac.Client:
    """A root client on the dev server (the only one that keeps its root token)."""
    server = world.env("dev").server
    assert server.root_token is not None
    return server.client(server.root_token)


@contextmanager
def token_holding(root: hvac.Client, texts: Sequence[str], tag: str) -> Iterator[Secret]:
    """A token holding exactly these policies (no default policy); all removed afterwards."""
    names = [f"{TEST_POLICY_PREFIX}-{tag}-{i}" for i in range(len(texts))]
    for name, text in zip(names, texts, strict=True):
        root.sys.create_or_update_policy(name, text)
    token = Secret(
        root.auth.token.create(policies=names, no_default_policy=True, ttl="10m")["auth"][
            "client_token"
        ]
    )
    try:
        yield token
    finally:
        root.auth.token.revoke(token.reveal())
        for name in names:
            root.sys.delete_policy(name)


@pytest.mark.servers
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_real_policy_passes_cross_checked_by_the_server(dev_root: hvac.Client, env: str) -> None:
    with token_holding(dev_root, [app_text(env)], f"real-{env}") as token:
        ask = sys_capabilities(dev_root, token)
        result = check_least_privilege(app_policy(env), PROFILES[env], server_capabilities=ask)
        assert ask(f"secret/data/{PROFILES[env].kv_prefix}/flask") == ["read"]
    assert result.passed, result.explain()
    checked = next(e for e in result.evidence if e.looked_at.startswith("sys/capabilities on"))
    assert f"database/creds/{PROFILES[env].database_role}=read" in checked.found


@pytest.mark.servers
def test_sys_capabilities_answer_format(dev_root: hvac.Client) -> None:
    """The response maps each asked path to its sorted list; one path also gets "capabilities"."""
    with token_holding(dev_root, [stanza("a/b", "update", "read")], "format") as token:
        many = dev_root.sys.get_capabilities(["a/b", "a/c"], token=token.reveal())["data"]
        one = dev_root.sys.get_capabilities(["a/b"], token=token.reveal())["data"]
    assert (many["a/b"], many["a/c"]) == (["read", "update"], ["deny"])
    assert "capabilities" not in many
    assert one["capabilities"] == one["a/b"] == ["read", "update"]


@pytest.mark.servers
def test_a_cross_check_mismatch_is_a_finding(dev_root: hvac.Client) -> None:
    """The server answers for the plan's policy while the analyzer reads dev's: they differ."""
    with token_holding(dev_root, [PLAN_POLICY.read_text()], "mismatch") as token:
        result = check_least_privilege(
            app_policy("dev"), DEV, server_capabilities=sys_capabilities(dev_root, token)
        )
    mismatches = findings_with(result.findings, "the analyzer and the server disagree")
    assert (
        "the analyzer and the server disagree on database/creds/store-erp-development: "
        "analyzer read; server deny (the server is right)"
    ) in mismatches, result.explain()


@pytest.mark.servers
def test_the_servers_default_policy_parses_and_matches(dev_root: hvac.Client) -> None:
    """The server's own default policy, read back, parsed and matched like the server does."""
    default = parse_policy(dev_root.sys.read_policy("default")["data"]["rules"], "default")
    paths = [
        "auth/token/lookup-self",
        "auth/token/create",
        "cubbyhole/anything/below",
        "sys/tools/hash/sha2-256",
        "identity/oidc/provider/p/authorize",
        "identity/entity/id/some-id",
        "identity/entity/id/{{identity.entity.id}}",  # templated: dropped for this token
        "secret/data/store-erp/development/flask",
    ]
    app = app_policy("dev")
    name = f"{TEST_POLICY_PREFIX}-with-default"
    dev_root.sys.create_or_update_policy(name, app_text("dev"))
    token = Secret(dev_root.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"])
    try:
        answers = dev_root.sys.get_capabilities(paths, token=token.reveal())["data"]
    finally:
        dev_root.auth.token.revoke(token.reveal())
        dev_root.sys.delete_policy(name)
    ours = {p: capabilities(app, p, default_policy=default) for p in paths}
    assert ours == {p: answers[p] for p in paths}
    assert ours["cubbyhole/anything/below"] == ["create", "delete", "list", "read", "update"]


# --------------------------------------------------------------------------- differential

SEGMENT = st.sampled_from(["a", "b", "c", "+"])
CAPABILITY = st.sampled_from(sorted(OPENBAO_CAPABILITIES))


@st.composite
def rule_paths(draw: st.DrawFn) -> str:
    """a/+/c, a/b*, +/*, ...: segments from a tiny alphabet, so that rules collide."""
    segments = draw(st.lists(SEGMENT, min_size=1, max_size=3))
    tail = draw(st.sampled_from(["", "*", "/*"]))
    if segments[-1] == "+" and tail == "*":
        tail = "/*"  # "+*" is refused by the server (and the parser)
    return "/".join(segments) + tail


RULES = st.lists(
    st.tuples(rule_paths(), st.lists(CAPABILITY, max_size=3, unique=True)), min_size=1, max_size=4
)
REQUEST_PATHS = st.lists(
    st.builds(
        lambda parts, slash: "/".join(parts) + slash,
        st.lists(st.sampled_from(["a", "b", "c", "ab", ""]), min_size=1, max_size=4),
        st.sampled_from(["", "/"]),
    ).filter(bool),
    min_size=1,
    max_size=6,
)


def instances(rule_path: str) -> list[str]:
    """The rule's own path and concrete paths it matches, so that rules get hit."""
    stem = rule_path.removesuffix("*")
    filled = "/".join("a" if s == "+" else s for s in stem.split("/"))
    return [p for p in {rule_path, filled, filled + "b/c", filled + "/"} if p]


@pytest.mark.servers
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(policies=st.lists(RULES, min_size=1, max_size=2), requests=REQUEST_PATHS)
def test_analyzer_agrees_with_the_server(
    dev_root: hvac.Client,
    policies: list[list[tuple[str, list[str]]]],
    requests: list[str],
) -> None:
    texts = ["".join(stanza(p, *caps) for p, caps in rules) or "\n" for rules in policies]
    parsed = [parse_policy(t, f"generated-{i}.hcl") for i, t in enumerate(texts)]
    paths = sorted({*requests, *(p for rules in policies for r, _ in rules for p in instances(r))})
    with token_holding(dev_root, texts, "differential") as token:
        server = dev_root.sys.get_capabilities(paths, token=token.reveal())["data"]
    disagreements = {
        path: (capabilities(parsed, path), server[path])
        for path in paths
        if capabilities(parsed, path) != server[path]
    }
    assert not disagreements, f"analyzer vs server: {disagreements}\npolicies:\n" + "\n".join(texts)

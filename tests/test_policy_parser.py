"""The policy reader on plain data: HCL1 as the server reads it, rule by rule.

Each case here was read in OpenBao's source (internal/vault/policy/policy.go and acl.go,
hashicorp/hcl v1) and confirmed on a real server: the server's side of the same cases
is held by tests/test_policy_differential.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from policy_cases import SURPRISES

from vault_gate.compliance.policy import hcl1
from vault_gate.compliance.policy.acl import (
    Acl,
    PolicyError,
    capabilities,
    load_policies,
    parse_policy,
)
from vault_gate.compliance.secret import Secret, assert_no_leak


def accepts(text: str, **kwargs: object) -> bool:
    try:
        parse_policy(text, "p.hcl", **kwargs)  # type: ignore[arg-type]
    except PolicyError:
        return False
    return True


@pytest.mark.parametrize(("text", "paths", "accepted"), SURPRISES)
def test_the_surprises(text: str, paths: list[str], accepted: bool) -> None:
    assert accepts(text) is accepted


def test_the_tutorials_layout_and_old_policy_values() -> None:
    """HashiCorp's tutorials put the brace on the next line; python-hcl2 refused that."""
    text = 'path "secret/*"\n{\n  policy = "write"\n}\n\npath "sys/*" {\n  policy = "deny"\n}\n'
    policy = parse_policy(text, "tutorial.hcl")
    assert [(r.path, sorted(r.capabilities), r.line) for r in policy.rules] == [
        ("secret/*", ["create", "delete", "list", "read", "update"], 1),
        ("sys/*", ["deny"], 6),
    ]


def test_repeated_blocks_are_separate_rules_that_merge() -> None:
    """Two blocks for one path are two rules (a dictionary-building parser keeps one);
    the server unions them, and a deny among them wins."""
    text = 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }\n'
    policy = parse_policy(text, "twice.hcl")
    assert len(policy.rules) == 2
    assert capabilities([policy], "a") == ["list", "read"]
    deny = parse_policy(text + 'path "a" { capabilities = ["deny"] }\n', "deny.hcl")
    assert capabilities([deny], "a") == ["deny"]


def test_errors_name_the_file_the_line_and_the_reason() -> None:
    text = 'path "a" {\n  capabilities = ["read"]\n}\n\npath "b" {\n  capabilities = ["raed"]\n}\n'
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "policies/app.hcl")
    assert str(info.value).startswith('policies/app.hcl: line 5: path "b": unknown capability')
    with pytest.raises(PolicyError, match=r"^x\.hcl: malformed HCL: line 2, column 3: "):
        parse_policy('path "a" {\n  = ["read"]\n}\n', "x.hcl")


def test_a_file_that_is_not_hcl_names_the_file(tmp_path: Path) -> None:
    for name, content in [
        ("values.yaml", "vault:\n  policies:\n    - name: app\n"),
        ("setup.sh", "#!/bin/sh\nvault policy write app app.hcl\n"),
        ("notes.md", "# Policies\n\nThe app reads `secret/data/app`.\n"),
    ]:
        f = tmp_path / name
        f.write_text(content)
        with pytest.raises(PolicyError) as info:
            load_policies([f])
        assert str(info.value).startswith(f"{f}: ")


def test_a_pasted_value_is_not_quoted_in_any_refusal() -> None:
    secret = Secret("S3cr3tPastedIntoThePolicy0123456789abcdef")
    for text in [
        f'path "a" {{ capabilities = ["{secret.reveal()}"] }}',
        f'path "a" {{ policy = "{secret.reveal()}" }}',
        f'path "a" {{ {secret.reveal()} = 1 }}',
        f'{secret.reveal()} "a" {{ capabilities = ["read"] }}',
        f'path "a" {{ capabilities = ["read"] }} {secret.reveal()}',
        f'path "a" {{ min_wrapping_ttl = "{secret.reveal()}" }}',
    ]:
        with pytest.raises(PolicyError) as info:
            parse_policy(text, "pasted.hcl")
        assert_no_leak(str(info.value), [secret], "the refusal")


def test_expiration_drops_the_rule_when_it_passes() -> None:
    """OpenBao's per-rule expiration: the rule grants until then, nothing after."""
    text = 'path "a" {\n  capabilities = ["read"]\n  expiration = "2030-01-01T00:00:00Z"\n}\n'
    before = datetime(2029, 12, 31, tzinfo=UTC)
    policy = parse_policy(text, "e.hcl", now=before)
    assert policy.rules[0].expiration == datetime(2030, 1, 1, tzinfo=UTC)
    assert capabilities([policy], "a", now=before) == ["read"]
    assert capabilities([policy], "a", now=before + timedelta(days=2)) == ["deny"]
    # Written after it expired: dropped at once, and not even checked.
    late = parse_policy(
        text.replace('"read"', '"nonsense"'), "e.hcl", now=before + timedelta(days=2)
    )
    assert late.rules == ()
    with pytest.raises(PolicyError, match="invalid expiration time"):
        parse_policy(text.replace("2030-01-01T00:00:00Z", "soon"), "e.hcl")


@pytest.mark.parametrize(
    ("low", "high", "accepted"),
    [('"1m"', '"10m"', True), ('"10m"', '"1m"', False), ("600", '"5m"', False),
     ('"1d"', '"23h"', False), ('"1m"', '"1m"', True), ('"0"', '"1s"', True),
     ('"10m"', '"0"', True), ('"1h"', '"bad"', False)],
)  # fmt: skip
def test_wrapping_ttls_in_order(low: str, high: str, accepted: bool) -> None:
    """max below min is refused; a zero on either side means "not set"."""
    text = f'path "a" {{\n capabilities = ["update"]\n min_wrapping_ttl = {low}\n'
    text += f" max_wrapping_ttl = {high}\n}}\n"
    assert accepts(text) is accepted


def test_plus_and_star_where_they_may_stand() -> None:
    assert not accepts('path "a/+*" { capabilities = ["read"] }')
    assert not accepts('path "/+*" { capabilities = ["read"] }')
    mid = parse_policy('path "a/*/c" { capabilities = ["read"] }', "m.hcl")
    assert capabilities([mid], "a/*/c") == ["read"]  # "*" inside is a literal character
    assert capabilities([mid], "a/b/c") == ["deny"]
    seg = parse_policy('path "a/+/c/*" { capabilities = ["list"] }', "s.hcl")
    assert capabilities([seg], "a//c/") == ["list"]  # "+" matches an empty segment too


def test_templated_paths_for_a_token_without_an_entity() -> None:
    """identity.* templates drop the rule; time.* ones render to Unix seconds."""
    text = (
        'path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }\n'
        'path "tmp/{{time.now}}/*" { capabilities = ["read"] }\n'
    )
    policy = parse_policy(text, "t.hcl")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = int(now.timestamp())
    assert capabilities([policy], "secret/{{identity.entity.id}}/x", now=now) == ["deny"]
    assert capabilities([policy], f"tmp/{stamp}/x", now=now) == ["read"]
    assert not accepts('path "a/{{identity.entity.id}" { capabilities = ["read"] }')


def test_flavours_differ_in_keys() -> None:
    openbao_only = 'path "a" {\n capabilities = ["list"]\n pagination_limit = 10\n}\n'
    vault_only = 'path "a" {\n capabilities = ["read"]\n subscribe_event_types = ["*"]\n}\n'
    assert accepts(openbao_only) and not accepts(openbao_only, flavour="vault")
    assert accepts(vault_only, flavour="vault") and not accepts(vault_only)
    with pytest.raises(ValueError, match="unknown flavour"):
        parse_policy(openbao_only, "p.hcl", flavour="consul")  # type: ignore[arg-type]


def test_an_empty_or_base64_policy_as_the_server_takes_it() -> None:
    assert not accepts("")
    assert accepts("\n")  # no rules: stored, grants nothing
    assert (
        parse_policy("cGF0aCAiYSIgeyBjYXBhYmlsaXRpZXMgPSBbInJlYWQiXSB9", "b").rules[0].path == "a"
    )


def test_multi_policy_tokens_merge_only_the_same_path() -> None:
    reader = parse_policy('path "secret/*" { capabilities = ["read", "list"] }', "r.hcl")
    narrow = parse_policy('path "secret/app/*" { capabilities = ["update"] }', "n.hcl")
    again = parse_policy('path "secret/*" { capabilities = ["create"] }', "c.hcl")
    acl = Acl([reader, narrow, again])
    assert acl.capabilities("secret/x") == ["create", "list", "read"]
    assert acl.capabilities("secret/app/x") == ["update"]  # the longer prefix alone decides


def test_the_tree_keeps_every_item_and_its_line() -> None:
    tree = hcl1.parse('# c\npath "a" {\n  capabilities = ["read"]\n}\npath "a" "b" {}\n')
    assert [([k.value() for k in i.keys], i.line) for i in tree.items] == [
        (["path", "a"], 2),
        (["path", "a", "b"], 5),
    ]
    with pytest.raises(hcl1.HclError, match="line 1, column 1: illegal char"):
        hcl1.parse("\x01")

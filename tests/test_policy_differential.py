"""The policy analyzer against the session's real dev server: it must accept what the
server stores, refuse what it refuses, and answer ``sys/capabilities`` as it does.

Three sources of policies: the surprising cases read in OpenBao's source and pinned
here with the server's own answer; a corpus of real policies from public repositories
(``$VAULT_GATE_POLICY_CORPUS``, see tests/data/policy_corpus/README.md), alone and
four to a token; and hypothesis-generated policies in HCL1's corners (legacy
``policy``, ``deny`` first or last, repeated blocks, ``+`` and ``*`` anywhere, wrapping
TTLs in either order, expirations past and future, unknown keys, JSON). Every server
call is batched (one write per policy, one token and one ``sys/capabilities`` call per
group of policies), against the one dev server of the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_cases import SURPRISES, SYSTEM_PATHS, ServerJudge, compare, corpus

from vault_gate.compliance.policy.acl import Flavour
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.binaries import Flavor


@pytest.fixture
def judge(world: World) -> Iterator[ServerJudge]:
    """The dev server's root, for storing policies and making tokens; all removed after."""
    server = world.env("dev").server
    assert server.root_token is not None
    # The analyzer takes the flavour of the server it judges (OpenBao, or HashiCorp Vault
    # given with --vault-binary).
    flavour: Flavour = "openbao" if server.binary.flavor is Flavor.OPENBAO else "vault"
    j = ServerJudge(server.client(server.root_token), "t", flavour)
    try:
        yield j
    finally:
        j.close()


@pytest.mark.servers
def test_the_surprises_are_the_servers(judge: ServerJudge) -> None:
    """Each surprising case: the server does what the source says, and so does the analyzer."""
    stored = {}
    for i, (text, _paths, _accepted) in enumerate(SURPRISES):
        name, _refusal = judge.store(text)
        stored[i] = name is not None
    assert stored == {i: accepted for i, (_t, _p, accepted) in enumerate(SURPRISES)}
    groups = [[(f"surprise-{i}.hcl", text)] for i, (text, _p, _a) in enumerate(SURPRISES)]
    tally = compare(judge, groups, extra_paths=[p for _t, paths, _a in SURPRISES for p in paths])
    assert not tally.disagreements, "\n".join(map(str, tally.disagreements))


@pytest.mark.servers
def test_a_disagreement_is_reported_with_the_servers_answer(judge: ServerJudge) -> None:
    """Known-bad: judged as Vault, OpenBao's "scan" is refused by the analyzer and stored
    by the server; the disagreement names both answers."""
    judge.flavour = "vault"
    tally = compare(judge, [[("scan.hcl", 'path "a" { capabilities = ["scan"] }')]])
    assert [str(d) for d in tally.disagreements] == [
        'scan.hcl: accepts the policy: analyzer \'scan.hcl: line 1: path "a": unknown '
        "capability \\'scan\\'; known: create, delete, deny, list, patch, read, recover, "
        "subscribe, sudo, update', server 'accepted'"
    ]


@pytest.mark.servers
def test_the_corpus_agrees_with_the_server(judge: ServerJudge) -> None:
    """Every real policy alone, then four to a token (rules with the same path merge
    across policies, the winner among different paths decides)."""
    files = corpus()
    if files is None:
        pytest.skip("no corpus: VAULT_GATE_POLICY_CORPUS or shared/policy_corpus (its README)")
    texts = [(f"{f.repository}/{f.source_path}", f.path.read_text(encoding="utf-8")) for f in files]
    alone = compare(judge, [[t] for t in texts])
    together = compare(judge, [texts[i : i + 4] for i in range(0, len(texts), 4)])
    disagreements = alone.disagreements + together.disagreements
    print(  # the figures, for -s and the closing note
        f"corpus: {alone.policies} policies from {len({f.repository for f in files})} "
        f"repositories, {alone.accepted} stored; cases: {alone.cases} alone, "
        f"{together.cases} four to a token; disagreements: {len(disagreements)}"
    )
    assert not disagreements, "\n".join(map(str, disagreements))
    assert alone.policies == len(files) >= 100
    assert len({f.repository for f in files}) >= 10
    assert alone.cases + together.cases > 10 * len(files)


# --------------------------------------------------------------------------- generated

SEGMENTS = st.sampled_from(["a", "b", "+", "*", "ab", "", "{{identity.entity.id}}"])
CAPABILITIES = st.sampled_from(
    ["read", "list", "create", "update", "delete", "patch", "sudo", "scan", "deny", "root"]
)
TTLS = st.sampled_from(
    ["1m", "10m", "30s", "60", "1h", "2d", "bad", "", "-5s", "1.5h"]
) | st.integers(-5, 7200)
EXPIRATIONS = st.sampled_from(
    ["2001-01-01T00:00:00Z", "2999-12-31T23:59:59Z", "2999-12-31T23:59:59.5+02:00",
     "978307200", "32503680000", "yesterday", "2024-02-30T00:00:00Z"]
)  # fmt: skip


CONTROL_GROUP = (
    '@{ factor "f" { controlled_capabilities = ["read"] identity { group_names = ["g"] '
    "approvals = 1 } } }"
)


def _hcl_value(value: object) -> str:
    return (
        json.dumps(value) if not isinstance(value, str) or not value.startswith("@") else value[1:]
    )


@st.composite
def rule_paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(SEGMENTS, min_size=1, max_size=4))
    tail = draw(st.sampled_from(["", "", "*", "/*", "/"]))
    lead = draw(st.sampled_from(["", "", "", "/"]))
    return lead + "/".join(segments) + tail


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, object]:
    body: dict[str, object] = {}
    if draw(st.booleans()) or draw(st.booleans()):
        body["capabilities"] = draw(st.lists(CAPABILITIES, max_size=4))
    if draw(st.integers(0, 5)) == 0:
        body["policy"] = draw(st.sampled_from(["read", "write", "deny", "sudo", "admin"]))
    for key in ("min_wrapping_ttl", "max_wrapping_ttl"):
        if draw(st.integers(0, 4)) == 0:
            body[key] = draw(TTLS)
    if draw(st.integers(0, 4)) == 0:
        body["expiration"] = draw(EXPIRATIONS)
    extra = draw(
        st.sampled_from(
            [
                None, None, None, ("pagination_limit", 10), ("pagination_limit", "-1"),
                ("allowed_parameters", "@{ \"x\" = [] }"), ("denied_parameters", "@{ \"*\" = [] }"),
                ("required_parameters", ["x"]), ("comment", "note"), ("mfa_methods", ["m"]),
                ("capabilites", ["read"]), ("control_group", "@{ ttl = \"1h\" }"),
                ("control_group", CONTROL_GROUP),
            ]
        )
    )  # fmt: skip
    if extra:
        body[extra[0]] = extra[1]
    return body


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    rules = draw(st.lists(st.tuples(rule_paths(), bodies()), min_size=1, max_size=4))
    if draw(st.integers(0, 5)) == 0:
        rules.append(rules[0])  # the same block twice
    if draw(st.integers(0, 6)) == 0:  # JSON: one object per path (repeats collapse)
        plain = {
            p: {k: v for k, v in b.items() if not (isinstance(v, str) and v.startswith("@"))}
            for p, b in rules
        }
        return json.dumps({"path": plain})
    layout = draw(st.sampled_from(['path {p} {{\n{b}}}\n', 'path {p}\n{{\n{b}}}\n',
                                   'path {p} "x" {{ {b} }}\n']))  # fmt: skip
    out = []
    for path, body in rules:
        lines = "".join(f"  {k} = {_hcl_value(v)}\n" for k, v in body.items())
        out.append(layout.format(p=json.dumps(path), b=lines))
    return "".join(out)


REQUESTS = st.lists(
    st.builds(
        lambda parts, slash: "/".join(parts) + slash,
        st.lists(
            st.sampled_from(["a", "b", "ab", "abc", "+", "*", "", "x"]), min_size=1, max_size=5
        ),
        st.sampled_from(["", "/"]),
    ),
    max_size=8,
)


@pytest.mark.servers
@settings(
    max_examples=int(os.environ.get("VAULT_GATE_DIFFERENTIAL_EXAMPLES", "80")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(policy_texts(), min_size=1, max_size=3), requests=REQUESTS)
def test_generated_policies_agree(
    judge: ServerJudge, texts: list[str], requests: list[str]
) -> None:
    """Accept/refuse for each generated policy, then capabilities for a token holding
    the accepted ones on their rules' edges, the requests and the system paths."""
    group = [(f"generated-{i}.hcl", t) for i, t in enumerate(texts)]
    tally = compare(judge, [group], extra_paths=[*requests, *SYSTEM_PATHS[:5]])
    judge.close()
    assert not tally.disagreements, (
        "\n".join(map(str, tally.disagreements)) + "\n\n" + "\n".join(texts)
    )


# Pieces of HCL and JSON, glued at random: mostly malformed, sometimes a policy. The
# scanner's and parser's corners (comments, heredocs, numbers, escapes, interpolation,
# commas, labels, assignments) must be accepted and refused exactly as the server does.
PIECES = [
    "path", "name", "comment", "capabilities", "policy", "min_wrapping_ttl",
    "max_wrapping_ttl", "expiration", "allowed_parameters", "control_group", "x",
    ' "a"', ' "a/+"', ' "a/*"', ' "/b"', ' "+*"', ' "a\\tb"', ' "\\u00e9"', ' "${x}"',
    ' "\\x41"', ' "\\400"', ' "\\xc3\\xa9"', ' "\\x80"',
    ' "a\\qb"', ' ""', " {", " }", " [", " ]", " =", ",", ":",
    ' "read"', ' "deny"', ' "list"', ' "write"', ' "1m"', ' "10m"', " 60", " 0x1F", " 017",
    " 1.5", " 1e3", " true", " -", " +", " .5", "\n", "\n", " ", "\t", "#c\n", "//c\n",
    "/*c*/", "<<EOT\nx\nEOT\n", "<<-EOT\n  x\n  EOT\n", "/", '"', "\\", "{{", "}}",
]  # fmt: skip
SHAPES = [
    'path "a" {{ capabilities = [{x}] }}',
    'path "a" {{ {x} }}',
    '{x} "a" {{ capabilities = ["read"] }}',
    'path {x} {{ capabilities = ["read"] }}',
    'path "a" {{ capabilities = ["read"] }}{x}',
    "{x}",
    '{{"path": {{"a": {{"capabilities": [{x}]}}}}}}',
    '{{"path": {{{x}}}}}',
]


@pytest.mark.servers
@settings(
    max_examples=int(os.environ.get("VAULT_GATE_DIFFERENTIAL_EXAMPLES", "80")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.sampled_from(SHAPES),
    pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=8),
)
def test_glued_pieces_are_judged_as_the_server_does(
    judge: ServerJudge, shape: str, pieces: list[str]
) -> None:
    text = shape.format(x="".join(pieces))
    tally = compare(judge, [[("glued.hcl", text)]], extra_paths=["a", "b", "a/x", "path"])
    judge.close()
    assert not tally.disagreements, "\n".join(map(str, tally.disagreements)) + "\n\n" + text

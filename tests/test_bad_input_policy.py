"""Bad policy files: malformed HCL and JSON, unknown capabilities, weird paths, bad bytes.

Each parse either succeeds (and then the matcher and the least-privilege check run on
the result without error) or raises PolicyError naming the file; never another
exception, never a hang, and a secret-looking value pasted into the file never
appears in the error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input import BAD_INPUT, json_values, outcome, secret_values
from hypothesis import given
from hypothesis import strategies as st
from store_erp_target import PROFILES

from vault_gate.compliance.checks.least_privilege import check_least_privilege
from vault_gate.compliance.policy.acl import (
    KNOWN_CAPABILITIES,
    OPENBAO_CAPABILITIES,
    PolicyError,
    capabilities,
    load_policies,
    parse_policy,
)
from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
REAL_POLICIES = sorted((ROOT / "vault" / "policies").glob("*.hcl"))
HCL_PIECES = [
    'path "', '" {', "}", "{", "capabilities", " = ", "[", "]", '"read"', '"list"', ",",
    '"sudo"', '"deny"', "policy", "allowed_parameters", "= {", '"*" = []', "\n", "#", "//",
    "/*", "*/", "<<EOT\n", "EOT\n", "${", '"', "\\", "\\u", "\\ud800", "+", "*", "..", "%2e",
]  # fmt: skip


def _judge(policy_text: str, source: str, planted: list[Secret]) -> None:
    """Parse; on success the matcher and the check must run too."""
    result = outcome(lambda: parse_policy(policy_text, source), PolicyError, planted)
    if result.error is not None:
        assert source in str(result.error)
        return
    policy = result.value
    for path in ("secret/data/store-erp/production/flask", "sys/policy", "", "a/b/c"):
        assert outcome(lambda p=path: capabilities([policy], p), ()).value
    for prof in PROFILES.values():
        outcome(lambda p=prof: check_least_privilege([policy], p), ())


@BAD_INPUT
@given(
    base=st.sampled_from(REAL_POLICIES),
    cut=st.floats(min_value=0, max_value=1),
    inserts=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.sampled_from(HCL_PIECES) | st.text()),
        max_size=4,
    ),
)
def test_mangled_real_policies(base: Path, cut: float, inserts: list[tuple[float, str]]) -> None:
    """The repository's own policies, truncated and with pieces of HCL (or any text) put in."""
    text = base.read_text()
    text = text[: int(len(text) * cut)] if cut < 0.9 else text
    for where, piece in inserts:
        at = int(len(text) * where)
        text = text[:at] + piece + text[at:]
    _judge(text, base.name, [])


@BAD_INPUT
@given(text=st.text(max_size=300))
def test_any_text(text: str) -> None:
    _judge(text, "any.hcl", [])


@BAD_INPUT
@given(
    path=st.text(max_size=40) | st.sampled_from(["", "/", "//", "..", "a/../b", "%2e%2e/x", "+*"]),
    caps=st.lists(st.sampled_from(sorted(KNOWN_CAPABILITIES)) | st.text(max_size=12), max_size=4),
)
def test_stanzas_with_weird_paths_and_capabilities(path: str, caps: list[str]) -> None:
    """Any path label and capability list, quoted as HCL and as JSON."""
    hcl = f"path {json.dumps(path)} {{\n  capabilities = {json.dumps(caps)}\n}}\n"
    _judge(hcl, "weird.hcl", [])
    _judge(json.dumps({"path": {path: {"capabilities": caps}}}), "weird.json", [])
    # The server looks at capabilities up to the first "deny" only.
    looked_at = caps[: caps.index("deny")] if "deny" in caps else caps
    unknown = [c for c in looked_at if c not in OPENBAO_CAPABILITIES]
    if unknown and "+*" not in path.removeprefix("/"):
        expected = r"unknown capability|templating"
        if any(t in c for c in [path, *caps] for t in ("${", "%{")):
            # HCL reads these as the start of a template inside a quoted string
            expected += "|malformed HCL"
        with pytest.raises(PolicyError, match=expected):
            parse_policy(hcl, "weird.hcl")


@BAD_INPUT
@given(document=json_values(max_leaves=12))
def test_json_policies_of_any_shape(document: object) -> None:
    _judge(json.dumps(document), "any.json", [])
    _judge(json.dumps({"path": document}), "paths.json", [])
    _judge(json.dumps({"path": {"secret/x": document}}), "stanza.json", [])


@BAD_INPUT
@given(
    secret=secret_values(),
    template=st.sampled_from(
        [
            'path "a" {{ capabilities = ["{v}"] }}',
            'path "a" {{ capabilities = [{v}] }}',
            'path "a" {{ capabilities = ["read"] }} {v}',
            'path "a" {{ capabilities = ["read"]\n  {v} = "x" }}',
            'path "a" {{ capabilities = "{v}" }}',
            'path "a" {{ policy = "{v}" }}',
            'path "a" {{ policy = {v} }}',
            'path "a" {{ capabilities = ["read"]\n min_wrapping_ttl = {v} }}',
            '{v} "a" {{ capabilities = ["read"] }}',
            'path "a" {{ capabilities = ["read" "{v}"] }}',
            '{{"path": {{"a": {{"capabilities": ["{v}"]}}}}}}',
            '{{"path": {{"a": {{"capabilities": ["read"], "{v}": 1}}}}}}',
            '{{"path": {{"a": {{"policy": "{v}"}}}}}}',
            '{{"{v}": 1}}',
            'path "{v}" {{ capabilities = ["frob"] }}',
            'path "secret/data/{v}/*" {{ policy = "admin" }}',
            'path "a/{v}}}}}" {{ capabilities = ["read"] }}',
            'path "a" {{ allowed_parameters = {{ "{v}" = "x" }} }}',
            'path "a" {{ control_group {{ factor "{v}" {{ identity = 1 }} }} }}',
        ]
    ),
)
def test_a_pasted_value_never_reaches_the_error(secret: Secret, template: str) -> None:
    """A value where a capability, a key, a policy name or nothing belongs: an error
    that says what is wrong and where, without the value."""
    text = template.format(v=secret.reveal())
    result = outcome(lambda: parse_policy(text, "pasted.hcl"), PolicyError, [secret])
    assert result.error is not None, "a policy holding a pasted value parsed"


def test_pathological_nesting_is_an_error_not_a_crash() -> None:
    """Deep JSON raised RecursionError (a crash) before; deep HCL hit the same limit.

    HCL's JSON reader skips a ``[`` inside a list (hashicorp/hcl json/parser), so the
    deep JSON is the list ``[]`` where a path block belongs: refused for that. Deep HCL
    nesting is refused as too deep (the one place the analyzer stops before the server).
    """
    deep_json = '{"path": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result = outcome(lambda: parse_policy(deep_json, "deep"), PolicyError)
    assert 'deep: line 1: path "path": expected a block' in str(result.error)
    for text in ('path "a" { capabilities = ' + "[" * 5000 + "]" * 5000 + " }",
                 'path "a" { comment = ' + "{ a = " * 5000 + "}" * 5001):  # fmt: skip
        result = outcome(lambda t=text: parse_policy(t, "deep"), PolicyError)
        assert "nested too deeply" in str(result.error)


def test_lone_surrogates_in_paths() -> None:
    """A ``\\ud800`` escape decoded to a str that cannot be encoded: the matcher crashed
    with UnicodeEncodeError on it. As the server reads them: Go's JSON unquoting refuses a
    surrogate; HCL's own unquoting writes it as U+FFFD (utf8.EncodeRune)."""
    with pytest.raises(PolicyError, match="invalid string literal"):
        parse_policy('{"path": {"a/\\ud800/+": {"capabilities": ["read"]}}}', "s.json")
    hcl = parse_policy('path "a/\\ud800/+" { capabilities = ["read"] }', "s.hcl")
    assert hcl.rules[0].path == "a/\ufffd/+"
    assert capabilities([hcl], "a/\ufffd/x") == ["read"]


def test_the_parsers_own_message_does_not_echo_the_input() -> None:
    """lark quotes the token it stopped at; the error now names its type and position."""
    secret = Secret("S3cr3tPastedIntoThePolicy0123456789")
    with pytest.raises(PolicyError) as info:
        parse_policy(f'path "a" {{ capabilities = ["read"] }} {secret.reveal()}', "p.hcl")
    assert_no_leak(str(info.value), [secret], "the parse error")
    assert "line 1" in str(info.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'path "\xff" { capabilities = ["read"] }', "not UTF-8 text"),
        (b"\x00\x01\x02", "malformed HCL"),
        (b'path "a" { capabilities = ["read"] }\x00', "malformed HCL"),
    ],
    ids=["latin-1", "binary", "nul"],
)
def test_bad_bytes_in_a_policy_file(tmp_path: Path, content: bytes, reason: str) -> None:
    """Non-UTF-8 raised UnicodeDecodeError, which the CLI did not catch (a traceback)."""
    f = tmp_path / "bad.hcl"
    f.write_bytes(content)
    result = outcome(lambda: load_policies([f]), PolicyError)
    assert result.error is not None and reason in str(result.error) and str(f) in str(result.error)


def test_a_fifo_or_a_directory_is_refused_not_read(tmp_path: Path) -> None:
    """A FIFO made load_policies (and `vault-gate policy check`) block forever."""
    fifo = tmp_path / "policy.hcl"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        result = outcome(lambda p=path: load_policies([p]), PolicyError, bound_s=5)
        assert "not a regular file" in str(result.error)
    with pytest.raises(OSError):
        load_policies([tmp_path / "missing.hcl"])


# A loaded 2-core machine parses 100k rules in about 10 s; the bound is for a hang.
HUGE_BOUND_S = 120
HUGE_MEMORY_BYTES = 2 * 1024**3
_HUGE_CHILD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from vault_gate.compliance.policy.acl import Acl, PolicyError, parse_policy
n = 100_000
text = "".join(f'path "secret/data/app{{i}}/*" {{{{\\n  capabilities = ["read"]\\n}}}}\\n'
               for i in range(n))
policy = parse_policy(text, "huge.hcl")
assert len(policy.rules) == n
assert Acl([policy]).capabilities("secret/data/app77/x") == ["read"]
try:
    parse_policy(text + 'path "x" {{ capabilities = ["nope"] }}\\n', "huge.hcl")
except PolicyError as exc:
    assert "huge.hcl: line 300001:" in str(exc), str(exc)
print("ok")
"""


def test_a_policy_of_100k_rules_in_bounded_time_and_memory() -> None:
    """Parsed, matched and refused (at its last line) within the bound, in a child process
    whose address space is capped: a blow-up is a MemoryError there, not a swapping host."""
    child = _HUGE_CHILD.format(limit=HUGE_MEMORY_BYTES)
    done = subprocess.run(
        [sys.executable, "-c", child],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HUGE_BOUND_S,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.parametrize(
    "text",
    [
        "/*" + "a\n*" * 2_000_000 + "*/\n" + 'path "a" { capabilities = ["read"] }',
        'path "a" {\n comment = <<EOT\n' + "line\n" * 1_000_000 + "EOT\n}\n",
        'path "' + "a/" * 2_000_000 + '" { capabilities = ["read"] }',
        "# " + "x" * 5_000_000 + "\n" + 'path "a" { capabilities = ["read"] }',
    ],
    ids=["block-comment", "heredoc", "long-path", "long-comment"],
)
def test_long_tokens_in_bounded_time(text: str) -> None:
    """Megabytes in one token: read in runs, not rune by rune, as the bound requires."""
    result = outcome(lambda: parse_policy(text, "long.hcl"), PolicyError)
    assert result.error is None and len(result.value.rules) == 1

"""Bad audit logs: truncated, corrupt or interleaved lines, huge lines, bytes that are not
UTF-8, fields of the wrong JSON type. Each is counted and skipped or read as absent;
no reader or check raises, none hangs, and no value logged in a record's data reaches
a summary, a finding or evidence.

tests/test_audit_check.py already feeds the reader arbitrary bytes; this adds records
whose *structure* is wrong field by field, two writers' lines interleaved, and the
checks (not only the reader) on such logs, plus the canary check on the real dev
server's audit device with its value planted in corrupt places.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from bad_input import BAD_INPUT, BAD_INPUT_SERVERS, json_values, outcome, secret_values
from hypothesis import example, given
from hypothesis import strategies as st
from store_erp_target import PROFILES

from vault_gate.compliance.checks import audit
from vault_gate.compliance.checks.audit import (
    AuditStats,
    check_app_reads_from_vault,
    check_audit_enabled,
    iter_entries,
    role_request_paths,
    summarize,
)
from vault_gate.compliance.cli import main as vault_gate
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.run.world import World

ROLE = "store-erp-development"
PATH = "secret/data/store-erp/development/flask"


def _login(accessor: str = "hmac-sha256:app") -> dict[str, Any]:
    return {
        "type": "response",
        "request": {"path": "auth/approle/login", "mount_type": "approle", "operation": "update"},
        "auth": {"accessor": accessor, "metadata": {"role_name": ROLE}},
    }


def _read(value: str, accessor: str = "hmac-sha256:app") -> dict[str, Any]:
    return {
        "type": "response",
        "time": "2026-11-29T08:00:00Z",
        "auth": {"accessor": accessor, "policies": ["default"]},
        "request": {"path": PATH, "operation": "read"},
        "response": {"data": {"data": {"secret_key": value}}},
    }


def _set(record: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``record`` with the field at ``where`` replaced (parents made objects if needed)."""
    out = copy.deepcopy(record)
    node = out
    for key in where[:-1]:
        if type(node.get(key)) is not dict:
            node[key] = {}
        node = node[key]
    node[where[-1]] = value
    return out


FIELDS = [
    ("type",), ("time",), ("error",), ("auth",), ("auth", "accessor"), ("auth", "policies"),
    ("auth", "metadata"), ("auth", "metadata", "role_name"), ("request",),
    ("request", "path"), ("request", "operation"), ("request", "mount_type"), ("response",),
    ("response", "data"), ("response", "auth"),
]  # fmt: skip


def _everything(log: Path, secrets: list[Secret]) -> list[str]:
    """Run every reader and check on ``log``; return what they would show a person."""
    shown: list[str] = []
    stats = AuditStats()
    entries = outcome(lambda: list(iter_entries(log, stats)), ()).value
    assert stats.entries + stats.corrupt + stats.ignored + stats.blank == stats.lines
    assert len(entries) == stats.entries
    summary = outcome(lambda: summarize(log), ()).value
    shown.append(orjson.dumps(summary).decode())
    outcome(lambda: role_request_paths(log, ROLE), ())
    result: CheckResult = outcome(
        lambda: check_app_reads_from_vault(log, PROFILES["dev"], ROLE, [PATH]), ()
    ).value
    shown += [*result.findings, *(f"{e.looked_at} {e.found}" for e in result.evidence)]
    for text in shown:
        assert_no_leak(text, secrets, "what the audit readers show")
    return shown


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "audit.log"


@BAD_INPUT
@given(
    secret=secret_values(),
    broken=st.lists(st.tuples(st.sampled_from(FIELDS), json_values()), min_size=1, max_size=4),
)
# A list or a string where the data object belongs was counted as a successful read.
@example(secret=Secret("S3cr3t" + "x" * 30), broken=[(("response", "data"), [1])])
@example(secret=Secret("S3cr3t" + "x" * 30), broken=[(("response", "data"), "data")])
def test_fields_of_the_wrong_type(log: Path, secret: Secret, broken: list) -> None:
    """Every field an entry is read by, replaced with any JSON value: read as absent, and a
    read whose response has no data object is no successful read."""
    read = _read(secret.reveal())
    for where, value in broken:
        read = _set(read, where, value)
    # json, not orjson: integers beyond 64 bits are JSON too (orjson reads them as floats).
    log.write_bytes(orjson.dumps(_login()) + b"\n" + json.dumps(read).encode() + b"\n")
    _everything(log, [secret])
    result = check_app_reads_from_vault(log, PROFILES["dev"], ROLE, [PATH])
    data = read.get("response", {}).get("data") if type(read.get("response")) is dict else None
    if type(data) is not dict or not data:
        assert result.findings, "a read without a data object counted as a successful read"


@BAD_INPUT
@given(secret=secret_values(), cuts=st.lists(st.integers(0, 400), min_size=1, max_size=6))
def test_two_writers_interleaved(log: Path, secret: Secret, cuts: list[int]) -> None:
    """Two processes appending to one file without a lock: their lines cut into pieces
    and mixed. Whole lines still count; pieces are corrupt; nothing raises."""
    first = orjson.dumps(_login()) + b"\n" + orjson.dumps(_read(secret.reveal())) + b"\n"
    second = orjson.dumps(_read("other", accessor="hmac-sha256:x")) + b"\n"
    mixed, a, b = b"", first, second * 3
    for i, cut in enumerate(cuts):
        src = a if i % 2 == 0 else b
        piece, rest = src[:cut], src[cut:]
        mixed += piece
        if i % 2 == 0:
            a = rest
        else:
            b = rest
    log.write_bytes(mixed + a + b)
    _everything(log, [secret])


@BAD_INPUT
@given(
    secret=secret_values(),
    garbage=st.lists(
        st.sampled_from([b"\xff\xfe", b"\x00", b"\xc3", b"\xed\xa0\x80", b'"\\ud800"', b"\r"])
        | st.binary(max_size=40),
        max_size=6,
    ),
)
def test_bytes_that_are_not_utf8(log: Path, secret: Secret, garbage: list[bytes]) -> None:
    """Invalid UTF-8, lone surrogates (raw and escaped), NULs, CRs, inside and between
    entries: corrupt lines, never a crash, and the summary stays valid JSON."""
    good = orjson.dumps(_read(secret.reveal()))
    lines = [orjson.dumps(_login())]
    for g in garbage:
        lines += [good[: len(good) // 2] + g + good[len(good) // 2 :], g]
    log.write_bytes(b"\n".join([*lines, good]) + b"\n")
    shown = _everything(log, [secret])
    orjson.loads(shown[0])


@BAD_INPUT
@given(secret=secret_values(), size=st.integers(1, 20_000), newline=st.booleans())
def test_huge_lines(
    log: Path, monkeypatch: pytest.MonkeyPatch, secret: Secret, size: int, newline: bool
) -> None:
    """Lines longer than the reader's limit (lowered here from 64 MiB to 4 KiB): read in
    pieces, counted as corrupt, the next line read normally."""
    monkeypatch.setattr(audit, "MAX_LINE_BYTES", 4096)
    huge = b'{"type":"request","x":"' + secret.reveal().encode() * (size // 40 + 1)
    log.write_bytes(
        orjson.dumps(_login()) + b"\n" + huge + (b'"}\n' if newline else b"") + b"\n"
        + orjson.dumps(_read("v")) + b"\n"
    )  # fmt: skip
    _everything(log, [secret])
    stats = AuditStats()
    list(iter_entries(log, stats))
    assert stats.entries >= 1


def test_the_cli_summary_of_a_bad_log(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log.write_bytes(b'\xff\n{"type":"request","request":{"path":["x"]}}\n{"type":"resp')
    assert vault_gate(["audit", "summary", str(log)]) == 0
    out = orjson.loads(capsys.readouterr().out)
    assert out["corrupt_lines"] == 2 and out["entries"] == 1


# -- the canary check on the real dev server's audit device -------------------------------

PLACES = [
    lambda v: orjson.dumps(_read(v))[:-3],  # truncated (the value whole, the braces cut)
    lambda v: b"\xff" + v.encode() + b"\xfe",  # not UTF-8
    lambda v: orjson.dumps({"type": 5, "request": v}),  # wrong types
    lambda v: orjson.dumps({"type": "request", "request": {"path": v}}),  # as a path
    lambda v: orjson.dumps({"heartbeat": [v]}),  # an object that is no entry
    lambda v: b'{"type":"request","x":"' + v.encode() + b"y" * 5000,  # oversized, cut
]


@pytest.mark.servers
@BAD_INPUT_SERVERS
@given(
    canary=secret_values(),
    where=st.sampled_from(range(len(PLACES))),
    noise=st.lists(st.binary(max_size=60), max_size=4),
)
def test_a_canary_in_plain_text_is_found_wherever_it_hides(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    canary: Secret,
    where: int,
    noise: list[bytes],
) -> None:
    """However broken the line that holds it, a canary logged in plain text is a finding,
    and the finding names it by fingerprint."""
    monkeypatch.setattr(audit, "MAX_LINE_BYTES", 4096)
    env = world.env("dev")
    log = tmp_path_factory.mktemp("canary") / "audit.log"
    log.write_bytes(b"\n".join([*noise, PLACES[where](canary.reveal()), b""]))
    result = outcome(
        lambda: check_audit_enabled(env.operator(), log, env.profile, canary=canary),
        (),
        [canary],
        bound_s=30,
    ).value
    shown = [*result.findings, *(f"{e.looked_at} {e.found}" for e in result.evidence)]
    assert_no_leak("\n".join(shown), [canary], "the audit check's findings and evidence")
    assert any(f"canary {canary.fingerprint} appears in plain text" in f for f in shown), shown

"""Reading an app's self-report and outage answer through its contract (plain data: the
scenarios drive the real app; these pin what counts as an answer and what does not)."""

from __future__ import annotations

import json

import pytest

from vault_gate.compliance.target import DiagnosticsSpec, OutageSpec, TargetError
from vault_gate.fixtures.faults.diagnostics import count_in, reason_in, value_in

WORDS = {"unreachable": "gone", "sealed": "sealed", "login_refused": "no", "audit_failed": "a"}
DIAG = DiagnosticsSpec("/d", {"vault_logins": "vault.logins", "vault_addr": "node"})


def test_the_reason_is_read_where_the_target_says() -> None:
    keyed = OutageSpec(WORDS, 503, "error.reason")
    body = json.dumps({"error": {"reason": "Vault is gone"}})
    assert reason_in(keyed, 503, body) == "Vault is gone"
    assert reason_in(OutageSpec(WORDS), 503, "plain text: gone") == "plain text: gone"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, json.dumps({"error": {"reason": "gone"}})),  # not the declared status
        (200, json.dumps({"error": {"reason": "gone"}})),
        (503, json.dumps({"reason": "gone"})),  # the reason is not where it is declared
        (503, json.dumps({"error": {"reason": 7}})),  # not words
        (503, "<html>gone</html>"),  # not JSON
    ],
)
def test_what_is_not_an_outage_answer(status: int, body: str) -> None:
    assert reason_in(OutageSpec(WORDS, 503, "error.reason"), status, body) is None


def test_counters_that_are_missing_cannot_grow_by_accident() -> None:
    assert count_in(DIAG, {"vault": {"logins": 3}}, "vault_logins") == 3
    for report in ({}, {"vault": {}}, {"vault": {"logins": "3"}}, {"vault": {"logins": True}}):
        assert count_in(DIAG, report, "vault_logins") == -1, report
    assert value_in(DIAG, {"node": "https://127.0.0.1:1"}, "vault_addr") == "https://127.0.0.1:1"
    assert value_in(DIAG, {}, "vault_addr") is None
    with pytest.raises(TargetError, match="declares no token_renewals"):
        value_in(DIAG, {}, "token_renewals")

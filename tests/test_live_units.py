"""Live mode's pure parts: the auditor policy judged, token sources, durations, specs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from compliance.live.approle import seconds
from compliance.live.auditor import READS, check_read_only_policy
from compliance.live.auth import TokenSourceError, find_token, from_agent_sink, from_file
from compliance.live.spec import build_spec
from compliance.policy import load_policies, parse_policy
from compliance.profiles import profile

ROOT = Path(__file__).resolve().parent.parent
AUDITOR = ROOT / "vault" / "policies" / "auditor.hcl"
TOKEN = "live-unit-test-token-placeholder"


# -- the auditor policy ---------------------------------------------------------------


def test_auditor_policy_is_read_only_and_complete() -> None:
    result = check_read_only_policy(load_policies([AUDITOR]))
    assert result.passed, result.explain()
    granted = next(e for e in result.evidence if e.looked_at == "the reads live mode makes")
    assert granted.found.count("=") == len(READS)


@pytest.mark.parametrize(
    ("extra", "finding"),
    [
        ('path "secret/*" { capabilities = ["read"] }', "secret/data/store-erp/production/flask"),
        ('path "*" { capabilities = ["list"] }', "secret/data/store-erp/production/flask"),
        ('path "sys/policies/acl/*" { capabilities = ["update"] }', "grants update"),
        ('path "sys/mounts" { capabilities = ["read", "sudo"] }', "grants sudo where"),
        ('path "sys/raw/*" { capabilities = ["read"] }', "sys/raw/core"),
        ('path "identity/entity/*" { capabilities = ["read"] }', "live mode never reads there"),
        ('path "auth/token/lookup-accessor" { capabilities = ["update", "delete"] }', "delete"),
    ],
)
def test_a_wider_auditor_policy_fails(extra: str, finding: str) -> None:
    policy = parse_policy(AUDITOR.read_text() + "\n" + extra + "\n", "auditor-wide.hcl")
    result = check_read_only_policy([policy])
    assert not result.passed
    assert any(finding in f for f in result.findings), result.explain()


def test_an_auditor_policy_missing_a_read_says_what_would_not_be_checked() -> None:
    text = AUDITOR.read_text().replace('path "sys/audit" {', 'path "sys/audit-x" {')
    result = check_read_only_policy([parse_policy(text, "auditor-narrow.hcl")])
    assert "read on sys/audit is not granted: audit devices would not be checked" in (
        result.findings
    ), result.explain()


def test_the_default_policy_is_not_read_only() -> None:
    default = parse_policy(
        'path "auth/token/lookup-self" { capabilities = ["read"] }\n'
        'path "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }\n',
        "sys/policies/acl/default",
    )
    result = check_read_only_policy([default], complete=False)
    assert any("grants create, delete, update" in f for f in result.findings), result.explain()
    assert any("cubbyhole/x" in f for f in result.findings)


# -- token sources --------------------------------------------------------------------


def _write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_token_file_must_be_0600(tmp_path: Path) -> None:
    good = _write(tmp_path / "t", TOKEN + "\n", 0o600)
    token = from_file(good)
    assert token.secret.reveal() == TOKEN and token.source == f"token file {good}"
    assert TOKEN not in repr(token)
    bad = _write(tmp_path / "open", TOKEN, 0o644)
    with pytest.raises(TokenSourceError, match=r"mode 0644 lets others read it.*0600"):
        from_file(bad)
    with pytest.raises(TokenSourceError, match="empty"):
        from_file(_write(tmp_path / "e", "\n", 0o600))
    with pytest.raises(TokenSourceError, match="cannot be read"):
        from_file(tmp_path / "missing")


def test_agent_sink_allows_group_read_and_refuses_wrapped(tmp_path: Path) -> None:
    sink = _write(tmp_path / "sink", TOKEN, 0o640)
    assert from_agent_sink(sink).secret.reveal() == TOKEN
    with pytest.raises(TokenSourceError, match="lets others"):
        from_agent_sink(_write(tmp_path / "sink2", TOKEN, 0o644))
    wrapped = _write(tmp_path / "wrapped", '{"token": "placeholder", "wrap_info": {}}', 0o600)
    with pytest.raises(TokenSourceError, match="response-wrapped"):
        from_agent_sink(wrapped)


def test_token_helper_file_and_vault_token_ignored(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "VAULT_TOKEN": "<from-the-environment>"}
    with pytest.raises(TokenSourceError, match="VAULT_TOKEN is set and deliberately ignored"):
        find_token(env=env)
    _write(tmp_path / ".vault-token", TOKEN, 0o600)
    token = find_token(env=env)
    assert token.secret.reveal() == TOKEN and ".vault-token" in token.source


def test_configured_token_helper_is_run_with_get(tmp_path: Path) -> None:
    helper = tmp_path / "helper.sh"
    helper.write_text(f'#!/bin/sh\n[ "$1" = get ] && echo {TOKEN}\n')
    helper.chmod(stat.S_IRWXU)
    config = tmp_path / "vault.hcl"
    config.write_text(f'token_helper = "{helper}"\n')
    env = {"HOME": str(tmp_path), "VAULT_CONFIG_PATH": str(config), "PATH": os.environ["PATH"]}
    token = find_token(env=env)
    assert token.secret.reveal() == TOKEN and "token helper" in token.source
    config.write_text('token_helper = "relative/helper"\n')
    with pytest.raises(TokenSourceError, match="must be an absolute path"):
        find_token(env=env)


def test_no_token_anywhere_names_what_was_tried(tmp_path: Path) -> None:
    with pytest.raises(TokenSourceError, match=r"--token-file FILE.*\.vault-token"):
        find_token(env={"HOME": str(tmp_path)})


# -- durations and specs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), ("90", 90), ("24h", 86400), ("1h30m", 5400), ("0s", 0)]
)
def test_seconds(value: object, expected: int) -> None:
    assert seconds(value) == expected


@pytest.mark.parametrize("value", ["1x", "h", "1h 2m", True])
def test_seconds_refuses_non_durations(value: object) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        seconds(value)


def test_spec_from_a_target_s_vault_paths() -> None:
    spec = build_spec(
        profile("staging"),
        "https://v:8200",
        app="my-app",
        vault_paths=["secret/data/my-app/{tree}/config", "database/creds/my-app-{tree}"],
    )
    assert (spec.approle, spec.app_policy, spec.kv_prefix) == (
        "my-app-staging", "my-app-staging", "my-app/staging",
    )  # fmt: skip
    assert dict(spec.entries) == {"config": ()}
    with pytest.raises(ValueError, match="not directly under secret/data/my-app/staging/"):
        build_spec(profile("staging"), "https://v", app="my-app",
                   vault_paths=["secret/data/other/{tree}/x"])  # fmt: skip


# -- the command line -----------------------------------------------------------------


def test_check_refuses_bad_input_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("VAULT_CONFIG_PATH", raising=False)
    monkeypatch.delenv("BAO_CONFIG_PATH", raising=False)
    open_file = _write(tmp_path / "t", TOKEN, 0o644)
    cases = [
        (["--addr", "vault:8200"], "--addr 'vault:8200': want http(s)://host[:port]"),
        (["--addr", "https://v", "--ca-cert", str(tmp_path / "no")], "--ca-cert"),
        (["--addr", "https://v", "--token-file", str(open_file)], "lets others read it"),
        (["--addr", "https://v"], "no token"),
    ]
    for args, message in cases:
        assert main(["check", "--env", "prod", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and TOKEN not in err
    with pytest.raises(SystemExit):
        main(["check", "--env", "qa", "--addr", "https://v"])


def test_a_capability_from_a_newer_server_is_a_not_checked_finding() -> None:
    from compliance.live.policies import policy_from_answer

    text = 'path "secret/data/store-erp/production/*" { capabilities = ["read", "frobnicate"] }'
    policy, finding = policy_from_answer("store-erp-production", text)
    assert policy is None and finding is not None
    assert finding.startswith("not checked: policy store-erp-production could not be judged")
    assert "unknown capability 'frobnicate'" in finding
    assert policy_from_answer("p", None) == (
        None, "not checked: policy p: the server's answer holds no policy text",
    )  # fmt: skip
    good, none = policy_from_answer("p", 'path "a" { capabilities = ["read"] }')
    assert none is None and good is not None and good.source == "sys/policies/acl/p"


def test_live_findings_as_sarif() -> None:
    pytest.importorskip(
        "compliance.sarif", reason="the SARIF writer lands with the precommit branch"
    )
    from compliance.live.runner import CHECKS
    from compliance.live.sarif import live_sarif
    from compliance.result import CheckResult, Evidence

    spec = build_spec(profile("prod"), "https://vault:8200")
    audit = next(c for c in CHECKS if c.id == "audit")
    kv = next(c for c in CHECKS if c.id == "kv")
    results = [
        (audit, CheckResult("audit_enabled", "prod", (Evidence("sys/audit", "none"),),
                            ("audit device file/ is not enabled",))),
        (kv, CheckResult("kv_versioning", "prod", (Evidence("sys/mounts", "kv v2"),))),
    ]  # fmt: skip
    log = live_sarif(results, spec)
    run = log["runs"][0]  # type: ignore[index]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [f"live/{c.id}" for c in CHECKS]
    assert [(r["ruleId"], r["message"]["text"]) for r in run["results"]] == [
        ("live/audit", "prod (https://vault:8200): audit device file/ is not enabled")
    ]

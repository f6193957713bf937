"""Live mode's pure parts: the auditor policy judged, token sources, durations, specs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from vault_gate.compliance.live.approle import seconds
from vault_gate.compliance.live.auditor import READS, check_read_only_policy
from vault_gate.compliance.live.auth import TokenSourceError, find_token, from_agent_sink, from_file
from vault_gate.compliance.live.layout import build_layout, resolve_paths
from vault_gate.compliance.policy.acl import load_policies, parse_policy
from vault_gate.compliance.profiles import profile

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
        ('path "secret/*" { capabilities = ["read"] }', "secret/data/my-app/production/config"),
        # A listing holds names, not values; but "*" outranks +/metadata/* and hides reads.
        ('path "*" { capabilities = ["list"] }', "read on kv-prod/metadata/my-app/config is not"),
        ('path "sys/policies/acl/*" { capabilities = ["update"] }', "grants update"),
        ('path "sys/mounts" { capabilities = ["read", "sudo"] }', "grants sudo where"),
        ('path "sys/raw/*" { capabilities = ["read"] }', "sys/raw/core"),
        ('path "identity/oidc/*" { capabilities = ["read"] }', "live mode never reads there"),
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


def test_layout_from_path_templates() -> None:
    """{tree} filled for this environment; the other environments' fillings are theirs;
    a path without a placeholder is shared and no one else's."""
    layout = build_layout(
        profile("staging"),
        app="my-app",
        vault_paths=["kv/data/my-app/{tree}/config", "database/creds/my-app-{tree}",
                     "kv/data/shared/ca"],
        roles=["my-app-{tree}"],
        keys={"kv/data/my-app/{tree}/config": ("api_key",)},
    )  # fmt: skip
    assert layout.paths == (
        "kv/data/my-app/staging/config", "database/creds/my-app-staging", "kv/data/shared/ca",
    )  # fmt: skip
    assert layout.roles == ("my-app-staging",)
    assert dict(layout.keys) == {"kv/data/my-app/staging/config": ("api_key",)}
    assert layout.other_paths["prod"] == (
        "kv/data/my-app/production/config", "database/creds/my-app-production",
    )  # fmt: skip
    custom = build_layout(profile("prod"), vault_paths=["kv-{tree}/data/app"],
                          trees={"prod": "live", "staging": "stage", "dev": "dev"})  # fmt: skip
    assert custom.paths == ("kv-live/data/app",)
    assert custom.other_paths == {"dev": ("kv-dev/data/app",), "staging": ("kv-stage/data/app",)}


def test_paths_resolved_on_the_server_s_mounts() -> None:
    """The mount table decides: v2 paths with or without data/, v1 as is, the longest
    mount wins, a non-KV mount is an other path, no mount is a problem."""
    mounts = {
        "kv-prod/": {"type": "kv", "options": {"version": "2"}},
        "kv/": {"type": "kv", "options": {"version": "1"}},
        "kv/team/": {"type": "kv", "options": {"version": "2"}},
        "database/": {"type": "database"},
    }
    entries, others, problems = resolve_paths(
        ("kv-prod/data/billing/config", "kv-prod/billing/db", "kv/billing/config",
         "kv/team/data/a", "database/creds/x", "nowhere/x", "kv-prod/metadata/x"),
        mounts,
    )  # fmt: skip
    assert [(e.mount, e.version, e.logical) for e in entries] == [
        ("kv-prod", 2, "billing/config"), ("kv-prod", 2, "billing/db"),
        ("kv", 1, "billing/config"), ("kv/team", 2, "a"),
    ]  # fmt: skip
    assert others == ["database/creds/x"]
    assert problems == [
        "nowhere/x: no secrets engine is mounted there (sys/mounts)",
        "kv-prod/metadata/x: names KV v2's metadata/ API, not an entry's data/",
    ]
    assert entries[0].folder("metadata") == "kv-prod/metadata/billing"
    assert entries[2].folder("metadata") == "kv/billing"


# -- the command line -----------------------------------------------------------------


def test_check_refuses_bad_input_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vault_gate.compliance.cli import main

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
    from vault_gate.compliance.live.policies import policy_from_answer

    text = 'path "secret/data/store-erp/production/*" { capabilities = ["read", "frobnicate"] }'
    policy, finding = policy_from_answer("store-erp-production", text)
    assert policy is None and finding is not None
    assert finding.startswith("not checked: policy store-erp-production could not be judged")
    assert "'frobnicate'" in finding and "unknown capability" in finding
    assert policy_from_answer("p", None) == (
        None, "not checked: policy p: the server's answer holds no policy text",
    )  # fmt: skip
    good, none = policy_from_answer("p", 'path "a" { capabilities = ["read"] }')
    assert none is None and good is not None and good.source == "sys/policies/acl/p"


def test_a_policy_is_read_by_the_rules_of_the_server_that_holds_it() -> None:
    """HashiCorp Vault's ``subscribe`` capability: a Vault server's policy is judged, an
    OpenBao server would have refused it (so from OpenBao it is 'not checked')."""
    from vault_gate.compliance.live.policies import policy_from_answer

    text = 'path "sys/events/subscribe/*" { capabilities = ["read", "subscribe"] }'
    on_vault, none = policy_from_answer("events", text, flavour_="vault")
    assert none is None and on_vault is not None
    on_openbao, finding = policy_from_answer("events", text, flavour_="openbao")
    assert on_openbao is None and finding is not None and "'subscribe'" in finding


def test_live_findings_as_sarif() -> None:
    pytest.importorskip(
        "vault_gate.compliance.report.sarif",
        reason="the SARIF writer lands with the precommit branch",
    )
    from vault_gate.compliance.live.runner import CHECKS
    from vault_gate.compliance.live.sarif import live_sarif
    from vault_gate.compliance.result import CheckResult, Evidence

    layout = build_layout(profile("prod"))
    audit = next(c for c in CHECKS if c.id == "audit")
    kv = next(c for c in CHECKS if c.id == "kv")
    results = [
        (audit, CheckResult("audit_enabled", "prod", (Evidence("sys/audit", "none"),),
                            ("audit device file/ is not enabled",))),
        (kv, CheckResult("kv_versioning", "prod", (Evidence("sys/mounts", "kv v2"),))),
    ]  # fmt: skip
    log = live_sarif(results, layout, "https://vault:8200")
    run = log["runs"][0]  # type: ignore[index]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [f"live/{c.id}" for c in CHECKS]
    assert [(r["ruleId"], r["message"]["text"]) for r in run["results"]] == [
        ("live/audit", "prod (https://vault:8200): audit device file/ is not enabled")
    ]


# -- least privilege against a layout (pure: policies and zones) ----------------------


def _judge(text: str, *, env: str = "prod", paths=("kv-prod/data/billing/config",)):  # type: ignore[no-untyped-def]
    from vault_gate.compliance.live.layout import KvEntry
    from vault_gate.compliance.live.privilege import Zones, judge_policies

    layout = build_layout(profile(env), vault_paths=list(paths))
    own = [KvEntry(p, p.split("/")[0], 2, p.split("/", 2)[2]) for p in layout.paths]
    others = {
        e: ([KvEntry(p, p.split("/")[0], 2, p.split("/", 2)[2]) for p in ps], [])
        for e, ps in layout.other_paths.items()
    }
    zones = Zones.build((own, []), others)
    return judge_policies([parse_policy(text, "sys/policies/acl/app")], layout, zones, "role")


def test_the_default_policy_s_token_maintenance_is_not_a_finding() -> None:
    text = "\n".join(
        f'path "{p}" {{ capabilities = ["update"] }}'
        for p in ("auth/token/renew-self", "auth/token/revoke-self", "sys/leases/renew",
                  "sys/leases/lookup", "sys/capabilities-self", "sys/wrapping/unwrap",
                  "sys/renew", "sys/tools/hash")
    ) + '\npath "auth/token/lookup-self" { capabilities = ["read"] }'  # fmt: skip
    text += '\npath "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }'
    text += '\npath "kv-prod/data/billing/*" { capabilities = ["read"] }'
    result = _judge(text)
    assert result.passed, result.explain()
    assert any("token-maintenance" in e.looked_at for e in result.evidence)


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ('path "auth/token/create" { capabilities = ["update"] }', "access to auth/ paths"),
        ('path "auth/token/renew-self" { capabilities = ["update", "sudo"] }', "sudo"),
        ('path "sys/leases/revoke" { capabilities = ["update"] }', "access to sys/ paths"),
        ('path "auth/token/*" { capabilities = ["update"] }', "access to auth/ paths"),
    ],
)
def test_a_grant_beyond_token_maintenance_is_a_finding(rule: str, fragment: str) -> None:
    result = _judge(rule + '\npath "kv-prod/data/billing/*" { capabilities = ["read"] }')
    assert len(result.findings) == 1 and fragment in result.findings[0], result.explain()


def test_a_wide_crud_grant_is_one_finding_listing_its_capabilities() -> None:
    """The issue's case: secret/* with CRUD gave twelve findings; it is one fact."""
    result = _judge(
        'path "kv-prod/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
        paths=("kv-prod/data/billing/{tree}/config",),
    )
    assert len(result.findings) == 1, result.explain()
    finding = result.findings[0]
    assert finding.startswith(
        'policy app: path "kv-prod/*" grants create, delete, list, read, update: '
        "writes (create, delete, update) where the app only reads; cross-environment access: "
    ), finding
    assert "the dev paths (e.g. kv-prod/data/billing/development/x)" in finding
    assert "the staging paths" in finding


def test_a_path_outside_the_app_s_own_is_a_finding() -> None:
    result = _judge('path "kv-prod/data/payroll/*" { capabilities = ["read"] }')
    assert result.findings == (
        'policy app: path "kv-prod/data/payroll/*" grants read: glob beyond '
        "prod's own paths (kv-prod/data/billing/, kv-prod/metadata/billing/, "
        "kv-prod/subkeys/billing/, kv-prod/delete/billing/, kv-prod/undelete/billing/, "
        "kv-prod/destroy/billing/)",
    ), result.explain()


def test_one_entry_named_two_ways_is_judged_once_with_its_keys() -> None:
    """A target names an entry as the app requests it (vault_paths, with data/) and as a
    logical KV entry ([vault.secrets], without): one entry, its keys from either."""
    from vault_gate.compliance.live.layout import entry_keys

    mounts = {"secret/": {"type": "kv", "options": {"version": "2"}}}
    entries, _, _ = resolve_paths(("secret/data/app/prod/flask", "secret/app/prod/flask"), mounts)
    assert [(e.mount, e.logical) for e in entries] == [("secret", "app/prod/flask")]
    keys = entry_keys({"secret/app/prod/flask": ("secret_key",)}, mounts)
    assert keys == {("secret", "app/prod/flask"): ("secret_key",)}


def test_a_target_naming_no_approle_mount_pins_none() -> None:
    """The loader defaults the mount to approle/; live mode discovers it instead."""
    from vault_gate.compliance.live.targetfile import read_target

    plan = Path(__file__).resolve().parent / "known_bad" / "plan_sketch" / "target.toml"
    store_erp = Path(__file__).resolve().parent.parent / "store_erp" / "target.toml"
    assert read_target(plan).approle_mount == ""
    assert read_target(store_erp).approle_mount == "approle"  # named there

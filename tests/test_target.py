"""Target descriptions (--target FILE): the bundled store-erp, and clear errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from store_erp_target import store_erp

from vault_gate.compliance.target import TargetError, load_target

ROOT = Path(__file__).resolve().parent.parent


def test_store_erp_target() -> None:
    t = store_erp()
    assert t.name == "store-erp" and t.root == ROOT
    assert ROOT / "store_erp" / "vault_client.py" in t.source_files()
    assert t.fallback_files == (ROOT / "store_erp" / "fallback.py",)
    assert t.workflow_files() == [ROOT / ".github" / "workflows" / "deploy.yml"]
    assert t.policy_file("production") == ROOT / "vault" / "policies" / "store-erp-production.hcl"
    assert "--secret-id-file" in t.tool_help()["rotate_secrets.py"]
    assert t.app is not None and t.app.health == "/health" and t.app.stop_signal == "SIGTERM"
    argv = t.app.argv(8123)
    assert argv[0] == sys.executable and "127.0.0.1:8123" in argv
    assert t.rotation is not None and t.rotation.command.argv[1] == "scripts/rotate_secrets.py"
    assert t.profiles()["prod"].approle_name == "store-erp-production"


def test_plan_sketch_target() -> None:
    t = load_target(ROOT / "tests" / "known_bad" / "plan_sketch" / "target.toml")
    assert [p.name for p in t.source_files()] == ["vault_client.py"]
    assert t.workflow_files() == []
    assert t.policy_file("production").name == "app-policy.hcl"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"\nsource = []\ndocs = "d"\nworkflows = []\npolicies = "p"\nport = 1\n',
         "unknown key(s): port"),
        ('name = "x"\n', "missing key(s): source, docs, workflows"),
        ('name = "x"\nsource = "src"\ndocs = "d"\nworkflows = []\npolicies = "p"\n',
         "source: must be a list of strings"),
        ('name = "x"\nroot = "nope"\nsource = []\ndocs = "d"\nworkflows = []\npolicies = "p"\n',
         "is not a directory"),
    ],
)  # fmt: skip
def test_bad_target_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "target.toml"
    path.write_text(text)
    with pytest.raises(TargetError, match=re.escape(message)) as info:
        load_target(path)
    assert str(path) in str(info.value)


BASE = 'name = "x"\nsource = []\ndocs = "d"\nworkflows = []\npolicies = "p"\n'


@pytest.mark.parametrize(
    ("app", "message"),
    [
        ('[app]\ncommand = ["serve"]\n', "command must contain {port}"),
        ('[app]\ncommand = ["serve", "{port}"]\nstop_signal = "KILLME"\n', "is not a signal"),
        ('[app]\ncommand = ["serve", "{port}"]\nwarmup = 3\n', "unknown key(s): warmup"),
        ('[app]\nhealth = "/h"\n', "[app] needs a command"),
        ('[app]\ncommand = "serve {port}"\n', "[app] command: must be a list of strings"),
    ],
)
def test_bad_app_tables_are_named(tmp_path: Path, app: str, message: str) -> None:
    path = tmp_path / "target.toml"
    path.write_text(BASE + app)
    with pytest.raises(TargetError, match=re.escape(message)):
        load_target(path)


def test_missing_target_file(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot be read"):
        load_target(tmp_path / "nope.toml")


# -- the fault scenarios' contract: [app.outage], [app.diagnostics], [app.fallback], ... --

APP = '[app]\ncommand = ["serve", "{port}"]\n'
OUTAGE = (
    '[app.outage]\nreason = "error.detail"\nunreachable = "cannot reach"\nsealed = "sealed"\n'
    'login_refused = "login refused"\naudit_failed = "audit"\n'
)


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "target.toml"
    path.write_text(BASE + text)
    return load_target(path)


def test_store_erp_declares_the_fault_contract() -> None:
    app = store_erp().app
    assert app is not None and app.outage is not None and app.diagnostics is not None
    assert app.outage.status == 503 and app.outage.reason == "reason"
    assert set(app.outage.words) == {"unreachable", "sealed", "login_refused", "audit_failed"}
    assert app.diagnostics.fields["vault_logins"] == "vault.logins"
    assert app.fallback is not None and app.fallback.variables["DATABASE_URL"] == "database_url"
    assert app.items is not None and app.items.key == "orders" and app.cluster is not None
    declared = "[app.outage] and [app.diagnostics] vault_logins, token_renewals"
    assert store_erp().lacks(declared) == []


def test_fault_sections_good(tmp_path: Path) -> None:
    t = _load(
        tmp_path,
        APP
        + '[app.request]\npath = "/r"\nitems = "data.rows"\nitem_id = "key"\n'
        + OUTAGE
        + 'secret_id_hint = "expired"\n'
        + '[app.diagnostics]\npath = "/diag"\nvault_logins = "vault.logins"\n'
        + 'secrets_source = "source"\nfallback_source = "env"\n'
        + '[app.fallback]\nbanner = "FALLBACK ({environment})"\nrefusal = ["no in {tree}"]\n'
        + 'variables = { K = "random", U = "database_url", M = { value = "1" } }\n'
        + '[app.cluster]\nseparator = ";"\n',
    )
    app = t.app
    assert app is not None and app.request is not None and app.request.path == "/r"
    assert app.items is not None and (app.items.key, app.items.item_id) == ("data.rows", "key")
    assert app.outage is not None and app.outage.reason == "error.detail"
    assert app.outage.words["unreachable"] == "cannot reach" and app.outage.secret_id_hint
    assert app.diagnostics is not None and app.diagnostics.path == "/diag"
    assert app.diagnostics.fallback_source == "env"
    assert app.fallback is not None
    assert app.fallback.variables == {"K": "random", "U": "database_url", "M": "=1"}
    assert app.cluster is not None and app.cluster.separator == ";"
    assert t.lacks("[app.diagnostics] vault_logins, secrets_source and [app.request] items") == []
    assert t.lacks("[app.diagnostics] token_renewals, vault_addr") == [
        "[app.diagnostics] token_renewals",
        "[app.diagnostics] vault_addr",
    ]


def test_a_target_without_the_fault_sections_lacks_them(tmp_path: Path) -> None:
    t = _load(tmp_path, APP + '[app.request]\npath = "/r"\n')
    assert t.app is not None and t.app.outage is None and t.app.items is None
    assert t.lacks("[app.outage], [app.fallback] and [app.diagnostics] secrets_source") == [
        "[app.outage]",
        "[app.fallback]",
        "[app.diagnostics]",
    ]
    assert t.lacks("[app.write] and [app.request] items") == ["[app.write]", "[app.request] items"]
    assert _load(tmp_path, "").lacks("[app] and [app.login]") == ["[app]", "[app.login]"]
    with pytest.raises(ValueError, match="names no"):
        t.lacks("outage")
    with pytest.raises(ValueError, match="not a part"):
        t.lacks("[app.nothing]")
    with pytest.raises(ValueError, match="not a key"):
        t.lacks("[app.diagnostics] mood")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (OUTAGE.replace('sealed = "sealed"\n', ""), "[app.outage] missing key(s): sealed"),
        (OUTAGE + "status = 200\n", "[app.outage] status: 200 is not one HTTP error status"),
        (OUTAGE + "status = [503]\n", "[app.outage] status: [503] is not one HTTP error status"),
        (OUTAGE + "retry = 1\n", "[app.outage] unknown key(s): retry"),
        (OUTAGE.replace('"audit"', '" "'), "[app.outage] audit_failed: the app's words"),
        (OUTAGE.replace('"error.detail"', '"a..b"'), "[app.outage] reason: 'a..b' is not a dotted"),
        ('[app.diagnostics]\nvault_logins = "v"\n', "[app.diagnostics] missing key(s): path"),
        ('[app.diagnostics]\npath = "/d"\n', "[app.diagnostics] path: says nothing"),
        ('[app.diagnostics]\npath = "d"\nvault_logins = "v"\n', "must start with '/'"),
        ('[app.diagnostics]\npath = "/d"\nlogins = "v"\n', "[app.diagnostics] unknown key(s)"),
        ('[app.diagnostics]\npath = "/d"\nsecrets_source = "s"\n',
         "[app.diagnostics] fallback_source: secrets_source and fallback_source go together"),
        ('[app.fallback]\nbanner = "B"\nrefusal = ["r"]\n', "[app.fallback] missing key(s)"),
        ('[app.fallback]\nbanner = "B"\nrefusal = ["r"]\nvariables = { K = "secret" }\n',
         "[app.fallback] variables: K = 'secret': not something the harness provides"),
        ('[app.fallback]\nbanner = "B"\nrefusal = ["r"]\nvariables = { "1K" = "random" }\n',
         "'1K' is not an environment variable name"),
        ('[app.fallback]\nbanner = ""\nrefusal = ["r"]\nvariables = { K = "random" }\n',
         "[app.fallback] banner: must say what the app logs"),
        ('[app.fallback]\nbanner = "B"\nrefusal = []\nvariables = { K = "random" }\n',
         "[app.fallback] refusal: must say what the app logs"),
        ('[app.fallback]\nbanner = "B {port}"\nrefusal = ["r"]\nvariables = { K = "random" }\n',
         "only {environment} or {tree} may be filled in"),
        ('[app.cluster]\nseparator = ":"\n', "[app.cluster] separator: ':'"),
        ("[app.cluster]\n", "[app.cluster] missing key(s): separator"),
        ('[app.request]\npath = "/r"\nitem_id = "id"\n', "[app.request] item_id: needs items"),
        ('[app.request]\npath = "/r"\nitems = ""\n', "[app.request] items: '' is not a dotted"),
        ('[app.session]\npath = "/s"\nitems = "x"\n', "[app.session] unknown key(s): items"),
    ],
)  # fmt: skip
def test_bad_fault_sections_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "target.toml"
    path.write_text(BASE + APP + text)
    with pytest.raises(TargetError, match=re.escape(message)) as info:
        load_target(path)
    assert str(path) in str(info.value)

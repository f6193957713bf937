"""Target descriptions (--target FILE): the bundled store-erp, and clear errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from store_erp_target import store_erp

from compliance.target import TargetError, load_target

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

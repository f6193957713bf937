"""``[app] install``: run once from the target's root before the app starts, its failure
one error naming the target file and the key; an app whose program is not on PATH is
"not run" with the reason (fixtures/install.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_gate.compliance.target import TargetError, load_target
from vault_gate.fixtures.commands import TargetCommandError
from vault_gate.fixtures.install import missing_program, prepare_app


def _target(tmp_path: Path, app: str):  # type: ignore[no-untyped-def]
    (tmp_path / "docs").mkdir(exist_ok=True)
    path = tmp_path / "target.toml"
    path.write_text('name = "t"\nsource = ["*.js"]\ndocs = "docs"\nworkflows = []\n\n[app]\n' + app)
    return load_target(path)


def test_install_runs_once_from_the_target_root(tmp_path: Path) -> None:
    target = _target(
        tmp_path,
        'command = ["sh", "-c", "true", "{port}"]\n'
        'install = { command = ["sh", "-c", "echo x >> installed"], timeout_s = 30 }\n',
    )
    prepare_app(target)
    prepare_app(target)
    assert (tmp_path / "installed").read_text() == "x\n"


def test_a_failing_install_names_the_key_every_time(tmp_path: Path) -> None:
    target = _target(
        tmp_path,
        'command = ["sh", "-c", "true", "{port}"]\n'
        'install = ["sh", "-c", "echo no registry >&2; exit 7"]\n',
    )
    for _ in range(2):
        with pytest.raises(TargetCommandError) as failed:
            prepare_app(target)
        message = str(failed.value)
        assert f"{target.path}: [app] install: exit status 7" in message
        assert "no registry" in message


def test_an_app_whose_program_is_missing_is_not_run(tmp_path: Path) -> None:
    target = _target(tmp_path, 'command = ["no-such-runtime-4711", "app.js", "{port}"]\n')
    reason = missing_program(target)
    assert reason == (
        f"'no-such-runtime-4711' ({target.path}: [app] command) is not on PATH: the "
        "application's criteria are not judged on this machine"
    )
    with pytest.raises(pytest.skip.Exception, match="no-such-runtime-4711"):
        prepare_app(target)
    npm_missing = _target(
        tmp_path, 'command = ["sh", "{port}"]\ninstall = ["no-such-npm-4711", "ci"]\n'
    )
    assert "[app] install) is not on PATH" in missing_program(npm_missing)


def test_a_bad_install_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"\[app\] install: must be a table"):
        _target(tmp_path, 'command = ["node", "{port}"]\ninstall = "npm ci"\n')
    table = 'install = { command = ["npm"], cwd = "x" }\n'
    with pytest.raises(TargetError, match=r"target.toml: \[app.install\] unknown key\(s\): cwd"):
        _target(tmp_path, 'command = ["node", "{port}"]\n' + table)

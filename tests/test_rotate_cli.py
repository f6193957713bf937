"""scripts/rotate_secrets.py: dry runs change nothing; bad input gets a clear exit code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rotate_tool import rotate_secrets

from vault_gate.compliance.secret import assert_no_leak
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT, BootstrappedEnvironment

pytestmark = pytest.mark.servers


def _version(env: BootstrappedEnvironment, name: str) -> int:
    return env.operator().secrets.kv.v2.read_secret_metadata(
        path=env.kv_path(name), mount_point=KV_MOUNT
    )["data"]["current_version"]


def test_dry_run_changes_nothing(env: BootstrappedEnvironment, tmp_path: Path) -> None:
    before = {n: _version(env, n) for n in ("flask", "jwt")}
    sid = write_private(tmp_path / "sid", env.new_secret_id())
    content = sid.read_text()
    run = rotate_secrets(
        env, "flask", "jwt", "database", "secret-id", "--secret-id-file", str(sid), "--dry-run"
    )
    assert run.returncode == 0, run.stderr
    assert [r["rotated"] for r in run.records] == ["flask", "jwt", "database", "secret-id"]
    assert all(r["dry_run"] for r in run.records)
    assert {n: _version(env, n) for n in ("flask", "jwt")} == before
    assert sid.read_text() == content
    env.app_login()  # nothing was destroyed either


def test_secret_id_rotation_refuses_a_file_without_a_live_secret_id(
    world: World, tmp_path: Path
) -> None:
    env = world.env("staging")
    wrapped = write_private(tmp_path / "wrapped", env.new_wrapped_secret_id())
    content = wrapped.read_text()
    run = rotate_secrets(env, "secret-id", "--secret-id-file", str(wrapped))
    assert run.returncode == 5
    assert "holds no live secret_id of role store-erp-staging" in run.stderr
    assert wrapped.read_text() == content


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("no-token-file", 2, "does not exist"),
        ("token-readable-by-others", 2, "readable by others"),
        ("unreachable", 3, "Vault unreachable (ConnectionError)"),
        ("untrusted-tls", 3, "TLS verification failed"),
        ("app-token", 4, "permission denied"),
        ("unknown-env", 2, "unknown environment 'qa'"),
    ],
)
def test_bad_input_exit_codes(
    world: World, tmp_path: Path, case: str, code: int, message: str
) -> None:
    env = world.env("prod")
    token_file = tmp_path / "token"
    kwargs: dict = {}
    args = ["flask"]
    if case == "no-token-file":
        kwargs["token_file"] = tmp_path / "missing"
    elif case == "token-readable-by-others":
        token_file.write_text(env.operator_token.reveal())
        os.chmod(token_file, 0o644)
        kwargs["token_file"] = token_file
    elif case == "unreachable":
        kwargs["addr"] = f"https://127.0.0.1:{free_port()}"
    elif case == "untrusted-tls":
        kwargs["ca_file"] = False
    elif case == "app-token":
        token_file.write_text(env.app_login().token)
        os.chmod(token_file, 0o600)
        kwargs["token_file"] = token_file
    elif case == "unknown-env":
        args = ["flask", "--env", "qa"]
    before = _version(env, "flask")
    run = rotate_secrets(env, *args, **kwargs)
    assert run.returncode == code, run.stderr
    assert message in run.stderr
    assert run.stdout == ""
    assert_no_leak(run.stderr, [env.operator_token], "rotate_secrets.py's error")
    assert _version(env, "flask") == before

"""``vault-gate scan --verify URL`` against a real OpenBao dev server: a live token is
live, a revoked one dead, an AppRole pair live and a wrong secret_id dead; the login
that verification made is revoked; no value is printed."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import hvac
import pytest

from vault_gate.compliance.scan.verify import Verifier, VerifyError
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.run.world import World

ROLE = "vault-gate-verify-test"


@pytest.fixture
def dev_root(world: World) -> tuple[str, hvac.Client]:
    server = world.env("dev").server
    assert server.root_token is not None
    return server.addr, server.client(server.root_token)


def test_verify_marks_live_and_dead_credentials(
    dev_root: tuple[str, hvac.Client], tmp_path: Path
) -> None:
    addr, root = dev_root
    live = Secret(root.auth.token.create(policies=["default"], ttl="10m")["auth"]["client_token"])
    dead = Secret(root.auth.token.create(policies=["default"], ttl="10m")["auth"]["client_token"])
    root.auth.token.revoke(dead.reveal())
    if "approle/" not in root.sys.list_auth_methods()["data"]:
        root.sys.enable_auth_method("approle")
    root.auth.approle.create_or_update_approle(ROLE, token_policies=["default"], token_ttl="5m")
    try:
        role_id = Secret(root.auth.approle.read_role_id(ROLE)["data"]["role_id"])
        secret_id = Secret(root.auth.approle.generate_secret_id(ROLE)["data"]["secret_id"])
        wrong = Secret(str(uuid.uuid4()))
        (tmp_path / "live.env").write_text(f"VAULT_TOKEN={live.reveal()}\n")
        (tmp_path / "dead.sh").write_text(f"vault login {dead.reveal()}\n")
        (tmp_path / "login.json").write_text(
            json.dumps({"role_id": role_id.reveal(), "secret_id": secret_id.reveal()}) + "\n"
        )
        (tmp_path / "old.json").write_text(
            json.dumps({"role_id": role_id.reveal(), "secret_id": wrong.reveal()}) + "\n"
        )
        accessors_before = set(root.list("auth/token/accessors")["data"]["keys"])
        run = subprocess.run(
            [sys.executable, "-m", "vault_gate.compliance.cli", "scan", "--json", "--verify", addr,
             str(tmp_path)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert run.returncode == 1, run.stderr
        # paths are shown under the root as named: key them by file name
        verdicts = {
            (Path(f["path"]).name, f["kind"]): f["verified"] for f in json.loads(run.stdout)
        }
        assert verdicts[("live.env", "Vault/OpenBao token")] == "live"
        assert verdicts[("dead.sh", "Vault/OpenBao token")] == "dead"
        assert verdicts[("login.json", "Vault/OpenBao AppRole secret_id")] == "live"
        assert verdicts[("old.json", "Vault/OpenBao AppRole secret_id")] == "dead"
        # The AppRole login made to verify was revoked: no new token is left behind.
        assert set(root.list("auth/token/accessors")["data"]["keys"]) <= accessors_before
        for value in (live, dead, role_id, secret_id, wrong):
            assert value.reveal() not in run.stdout + run.stderr
    finally:
        root.auth.approle.delete_role(ROLE)
        root.auth.token.revoke(live.reveal())


def test_verify_without_a_server_says_unknown_fast(tmp_path: Path) -> None:
    verifier = Verifier("http://127.0.0.1:9", timeout=1.0)  # discard port: refused
    token = Secret("hvs." + "Ab1" * 8)
    assert verifier.token(token).startswith("unknown (")


@pytest.mark.parametrize("url", ["vault:8200", "ftp://127.0.0.1/", "file:///etc/passwd"])
def test_verify_refuses_what_is_not_a_server_address(url: str) -> None:
    with pytest.raises(VerifyError):
        Verifier(url)

"""store_erp.vault_client with several Vault addresses (VAULT_ADDR=a,b,c): it moves on.

The three-node cluster and a killed leader are in features/faults.feature; here the
client's own promise, on the session's dev server: a dead first address costs one
attempt, and every address dead is still the clear "unreachable" it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store_erp.vault_client import VaultClient, VaultSettings, VaultUnavailable
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.run.world import World


def test_addresses_are_split_and_trimmed() -> None:
    settings = VaultSettings(addr=" https://a:1 ,https://b:2,, ", role_id="r")
    assert settings.addrs == ("https://a:1", "https://b:2")


@pytest.mark.servers
def test_a_dead_first_node_moves_the_client_to_the_next(world: World, tmp_path: Path) -> None:
    env = world.env("dev")
    dead = f"http://127.0.0.1:{free_port()}"
    client = VaultClient(
        VaultSettings(
            addr=f"{dead},{env.server.addr}",
            role_id=env.role_id,
            secret_id_file=write_private(tmp_path / "sid", env.new_secret_id()),
        )
    )
    client.login()
    entry = client.read(f"{env.profile.kv_prefix}/flask")
    assert entry.secret("secret_key") == env.tree["flask"]["secret_key"]
    assert client.addr == env.server.addr
    assert client.health()["failovers"] == 1


def test_every_node_dead_is_unreachable(tmp_path: Path) -> None:
    addrs = ",".join(f"http://127.0.0.1:{free_port()}" for _ in range(3))
    client = VaultClient(
        VaultSettings(
            addr=addrs,
            role_id="r",
            secret_id_file=write_private(tmp_path / "sid", Secret("x")),
            backoff_s=0.01,
        )
    )
    with pytest.raises(VaultUnavailable, match=r"auth/approle/login: unreachable"):
        client.login()
    assert client.failovers >= 3  # it tried every node

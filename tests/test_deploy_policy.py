"""The deploy workflow's policy (vault/policies/store-erp-*-deploy.hcl), on a real server.

The workflow may read the app's role_id and issue secret_ids only response-wrapped,
with a short wrapping TTL; it may read no secret.
"""

from __future__ import annotations

import hvac
import pytest

from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import read_policy

pytestmark = pytest.mark.servers


def test_deploy_policy_allows_only_wrapped_secret_ids(world: World) -> None:
    dev = world.env("dev")
    assert dev.server.root_token is not None
    root = dev.server.client(dev.server.root_token)
    name = f"{dev.profile.approle_name}-deploy"
    root.sys.create_or_update_policy(name, read_policy(name))
    token = root.auth.token.create(policies=[name], ttl="5m")["auth"]["client_token"]
    deploy = dev.server.client()
    deploy.token = token
    role = dev.profile.approle_name

    assert deploy.auth.approle.read_role_id(role_name=role)["data"]["role_id"] == dev.role_id
    wrapped = deploy.auth.approle.generate_secret_id(role_name=role, wrap_ttl="5m")
    assert wrapped["wrap_info"]["token"] and not wrapped.get("data")

    with pytest.raises(hvac.exceptions.VaultError):  # unwrapped: refused
        deploy.auth.approle.generate_secret_id(role_name=role)
    with pytest.raises(hvac.exceptions.VaultError):  # wrapped for too long: refused
        deploy.auth.approle.generate_secret_id(role_name=role, wrap_ttl="1h")
    with pytest.raises(hvac.exceptions.Forbidden):  # no secret is readable
        deploy.secrets.kv.v2.read_secret_version(
            path=dev.kv_path("flask"), mount_point="secret", raise_on_deleted_version=True
        )
    with pytest.raises(hvac.exceptions.Forbidden):  # nor another environment's AppRole
        deploy.auth.approle.read_role_id(role_name="store-erp-production")

"""store_erp.vault_client against the real servers: renewal, re-login, leases, TLS, errors.

Short-lived tokens and leases are made on the dev server (which keeps its root
token, as dev mode does), with a role and a policy of their own, so the session's
bootstrapped roles are left as the plan has them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from store_erp.config import EnvironmentSource, StartupRefused
from store_erp.vault_client import (
    KVEntry,
    SecretInvalid,
    SecretMissing,
    VaultClient,
    VaultLoginFailed,
    VaultPermissionDenied,
    VaultSettings,
    VaultUnavailable,
)
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT, BootstrappedEnvironment

pytestmark = pytest.mark.servers


def _client(env: BootstrappedEnvironment, tmp_path: Path, **overrides: object) -> VaultClient:
    secret_id_file = write_private(tmp_path / "secret-id", env.new_secret_id())
    settings = VaultSettings(
        addr=env.server.addr,
        role_id=env.role_id,
        secret_id_file=secret_id_file,
        ca_file=str(env.server.ca_file) if env.server.ca_file else None,
        **overrides,  # type: ignore[arg-type]
    )
    return VaultClient(settings)


def _short_lived_role(
    world: World, name: str, token_ttl: str, token_max_ttl: str, lease_ttl: str
) -> BootstrappedEnvironment:
    """A dev AppRole (and database role) with short TTLs, and a policy like the app's."""
    dev = world.env("dev")
    assert world.pg is not None and dev.server.root_token is not None
    root = dev.server.client(dev.server.root_token)
    root.sys.create_or_update_policy(
        name,
        'path "secret/data/store-erp/development/*" { capabilities = ["read"] }\n'
        f'path "database/creds/{name}" {{ capabilities = ["read"] }}\n',
    )
    root.auth.approle.create_or_update_approle(
        role_name=name, token_policies=[name], token_ttl=token_ttl, token_max_ttl=token_max_ttl
    )
    # A connection of its own (as the superuser, never rotated) so the bootstrapped one,
    # whose admin password only Vault knows, stays untouched.
    root.secrets.database.configure(
        name=name,
        plugin_name="postgresql-database-plugin",
        connection_url=(
            f"postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{world.pg.port}/"
            f"{dev.profile.database_name}?sslmode=disable"
        ),
        username="postgres",
        password=world.pg.password.reveal(),
        allowed_roles=[name],
    )
    root.secrets.database.create_role(
        name=name,
        db_name=name,
        default_ttl=lease_ttl,
        max_ttl="60s",
        creation_statements=[
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' "
            "VALID UNTIL '{{expiration}}' IN ROLE \"store_erp_development_app\";"
        ],
        revocation_statements=['DROP ROLE IF EXISTS "{{name}}";'],
    )
    role_id = root.auth.approle.read_role_id(role_name=name)["data"]["role_id"]
    secret_id = Secret(root.auth.approle.generate_secret_id(role_name=name)["data"]["secret_id"])
    short = BootstrappedEnvironment(
        profile=dev.profile,
        server=dev.server,
        role_id=role_id,
        tree=dev.tree,
        operator_token=dev.operator_token,
        db_admin_user=dev.db_admin_user,
        app_user=dev.app_user,
        app_password=dev.app_password,
    )
    short.new_secret_id = lambda: secret_id  # type: ignore[method-assign]
    return short


def test_token_is_renewed_then_replaced_by_a_fresh_login(world: World, tmp_path: Path) -> None:
    """Tokens live 2 s, at most 5 s: reads over 9 s need renewals, then a new login."""
    short_lived = _short_lived_role(world, "store-erp-dev-short-token", "2s", "5s", "30s")
    client = _client(short_lived, tmp_path, cache_ttl_s=0)
    client.login()
    first_lease = client.database_credentials("store-erp-dev-short-token")
    path = f"{short_lived.profile.kv_prefix}/flask"
    deadline = time.monotonic() + 9
    while time.monotonic() < deadline:  # well past token_max_ttl (5 s)
        assert client.read(path).secret("secret_key") == short_lived.tree["flask"]["secret_key"]
        time.sleep(0.3)
    assert client.renewals >= 1, "the token should have been renewed before expiry"
    assert client.logins >= 2, "the client should have logged in again after max TTL"
    # The old token's lease dies with it, so the client moved to a lease of the new token.
    assert client.database_credentials("store-erp-dev-short-token").generation > (
        first_lease.generation
    )


def test_database_lease_is_renewed_and_replaced(world: World, tmp_path: Path) -> None:
    """Leases live 6 s: renewed when due; replaced (new generation) once revoked.

    The token outlives the lease here on purpose: when a token expires, Vault revokes
    the leases it created, so a lease can never outlive the login that made it.
    """
    assert world.pg is not None
    role = "store-erp-dev-short-lease"
    short_lived = _short_lived_role(world, role, "60s", "120s", "6s")
    client = _client(short_lived, tmp_path)
    client.login()
    first = client.database_credentials(role)
    time.sleep(4.3)  # past 2/3 of the 6 s lease (renewal due), 1.7 s before it ends
    renewed = client.database_credentials(role)
    assert renewed.generation == first.generation
    assert renewed.lease_id == first.lease_id
    with world.pg.connect(short_lived.profile.database_name, renewed.username, renewed.password):
        pass
    short_lived.operator().sys.revoke_lease(lease_id=renewed.lease_id)
    fresh = client.database_credentials(role, stale_generation=renewed.generation)
    assert fresh.generation == renewed.generation + 1 and fresh.username != renewed.username
    # another thread reporting the same stale generation gets the new lease, not a third
    assert client.database_credentials(role, stale_generation=renewed.generation) is fresh


def test_cache_notices_a_new_version(world: World, tmp_path: Path) -> None:
    env = world.env("staging")
    client = _client(env, tmp_path, cache_ttl_s=0.5)
    path = f"{env.profile.kv_prefix}/redis"
    first = client.read(path)
    operator = env.operator()
    operator.secrets.kv.v2.create_or_update_secret(
        path=path, secret=dict(first.data), mount_point=KV_MOUNT
    )
    assert client.read(path).version == first.version  # still cached
    time.sleep(0.6)
    assert client.read(path).version == first.version + 1
    assert client.read(path, first.version).version == first.version  # old versions readable
    env.refresh_tree()


def test_tls_is_verified_against_the_ca_file(world: World, tmp_path: Path) -> None:
    env = world.env("prod")
    client = VaultClient(
        VaultSettings(
            addr=env.server.addr,
            role_id=env.role_id,
            secret_id_file=write_private(tmp_path / "sid", env.new_secret_id()),
            ca_file=None,
        )
    )
    with pytest.raises(VaultUnavailable, match=r"TLS verification failed \(check VAULT_CACERT\)"):
        client.login()


def test_unreachable_vault_is_retried_with_backoff(tmp_path: Path) -> None:
    sid = tmp_path / "sid"
    write_private(sid, Secret("x"))
    client = VaultClient(
        VaultSettings(
            addr=f"http://127.0.0.1:{free_port()}",
            role_id="r",
            secret_id_file=sid,
            retries=3,
            backoff_s=0.1,
        )
    )
    started = time.monotonic()
    with pytest.raises(
        VaultUnavailable, match=r"auth/approle/login: unreachable \(ConnectionError\)"
    ):
        client.login()
    assert 0.3 <= time.monotonic() - started < 10  # 0.1 + 0.2 of backoff, bounded


def test_forbidden_path_names_the_path(world: World, tmp_path: Path) -> None:
    env = world.env("staging")
    client = _client(env, tmp_path)
    with pytest.raises(VaultPermissionDenied, match="secret/data/store-erp/production/jwt"):
        client.read("store-erp/production/jwt")


def test_missing_secret_and_missing_key(world: World, tmp_path: Path) -> None:
    env = world.env("dev")
    client = _client(env, tmp_path)
    with pytest.raises(SecretMissing, match="no secret at this path"):
        client.read(f"{env.profile.kv_prefix}/nope")
    entry = client.read(f"{env.profile.kv_prefix}/flask")
    with pytest.raises(SecretMissing, match="key 'other' is missing"):
        entry.secret("other")


def test_secret_id_file_must_be_private(world: World, tmp_path: Path) -> None:
    env = world.env("dev")
    sid = write_private(tmp_path / "sid", env.new_secret_id())
    os.chmod(sid, 0o644)
    client = VaultClient(
        VaultSettings(addr=env.server.addr, role_id=env.role_id, secret_id_file=sid)
    )
    with pytest.raises(VaultLoginFailed, match="readable by others \\(mode 0644\\)"):
        client.login()


# -- pure pieces, plain data ---------------------------------------------------------


def test_wrong_types_are_named_without_the_value() -> None:
    entry = KVEntry("secret/data/x", {"a": 12345, "b": "", "n": "x7"}, 3, "")
    with pytest.raises(SecretInvalid, match="key 'a' must be a non-empty string, got int") as e:
        entry.secret("a")
    assert "12345" not in str(e.value)
    with pytest.raises(SecretInvalid, match="key 'b' must be a non-empty string"):
        entry.secret("b")
    with pytest.raises(SecretInvalid, match="key 'n' must be an integer"):
        entry.integer("n", 0)
    assert entry.integer("missing", 7) == 7


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(Exception, match="VAULT_ADDR, STORE_ERP_ROLE_ID, STORE_ERP_SECRET_ID_FILE"):
        VaultSettings.from_environment({})


def test_fallback_needs_a_full_database_url() -> None:
    from vault_gate.compliance.profiles import profile

    env = {"SECRET_KEY": "a", "JWT_SECRET_KEY": "b", "DATABASE_URL": "postgresql://h/db"}
    with pytest.raises(StartupRefused, match="DATABASE_URL must be postgresql://USER:PASSWORD@"):
        EnvironmentSource(env, profile("dev"))

"""The foundation, proven against the real servers of the session (issue 2, "done when").

Every test here talks to real OpenBao and PostgreSQL processes; nothing is mocked.
Each one could fail: a read compares against this session's generated value, a
denial expects a 403 from the server, a revoked credential must be refused by
PostgreSQL itself.
"""

from __future__ import annotations

import json
import time

import hvac
import psycopg
import pytest
from store_erp_target import PROFILES

from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT, BootstrappedEnvironment

pytestmark = pytest.mark.servers


def _read(client: hvac.Client, path: str) -> dict:
    return client.secrets.kv.v2.read_secret_version(
        path=path, mount_point=KV_MOUNT, raise_on_deleted_version=True
    )["data"]


def test_hvac_reads_a_bootstrapped_secret(env: BootstrappedEnvironment) -> None:
    """1. hvac reads a bootstrapped KV secret in each environment."""
    data = _read(env.app_login(), env.kv_path("flask"))
    assert Secret(data["data"]["secret_key"]) == env.tree["flask"]["secret_key"]
    assert data["metadata"]["version"] >= 1


def test_servers_match_their_profile(env: BootstrappedEnvironment) -> None:
    """Dev is a dev-mode server over HTTP; staging and prod are sealed-by-default raft over TLS."""
    server = env.server
    assert server.addr.startswith("https://" if env.profile.tls else "http://")
    assert server.addr.split("//")[1].startswith("127.0.0.1:")
    health = server.health().json()
    assert health["sealed"] is False and health["initialized"] is True
    if env.profile.tls:
        # A client that does not trust the session CA is refused by TLS itself.
        with pytest.raises(Exception, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
            hvac.Client(url=server.addr, verify=True, timeout=5).sys.read_health_status()


def test_approle_reads_own_tree_and_is_denied_the_others(
    world: World, env: BootstrappedEnvironment
) -> None:
    """2. Each environment's AppRole logs in, reads its own tree, and is denied the others'."""
    client = env.app_login()
    for name, expected in env.tree.items():
        got = _read(client, env.kv_path(name))["data"]
        # Rotation may add non-secret keys (jwt's grace_seconds); the known ones must match.
        assert {k: Secret(str(got.get(k))) for k in expected} == {
            k: v if isinstance(v, Secret) else Secret(v) for k, v in expected.items()
        }, name
    others = [p for p in PROFILES.values() if p.name != env.profile.name]
    assert others
    for other in others:
        for name in env.tree:
            with pytest.raises(hvac.exceptions.Forbidden):
                _read(client, f"{other.kv_prefix}/{name}")
        with pytest.raises(hvac.exceptions.Forbidden):
            client.secrets.database.generate_credentials(name=other.database_role)


def test_staging_and_prod_share_a_server(world: World) -> None:
    """Cross-environment isolation is only testable if both trees really are on one server."""
    assert world.env("staging").server is world.env("prod").server
    # and the prod tree exists there: the operator sees it, staging's AppRole may not.
    prod = world.env("prod")
    assert _read(prod.operator(), prod.kv_path("jwt"))["metadata"]["version"] >= 1


def test_dynamic_database_credentials_work_then_fail_after_revocation(
    world: World, env: BootstrappedEnvironment
) -> None:
    """3. Dynamic credentials connect; after the lease is revoked, PostgreSQL refuses them."""
    assert world.pg is not None
    creds = env.app_login().secrets.database.generate_credentials(name=env.profile.database_role)
    user, password = creds["data"]["username"], Secret(creds["data"]["password"])
    with world.pg.connect(env.profile.database_name, user, password) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (user,)
        held = world.pg.connect(env.profile.database_name, user, password, autocommit=True)

    env.operator().sys.revoke_lease(lease_id=creds["lease_id"])

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        world.pg.connect(env.profile.database_name, user, password)
    # A connection opened before revocation does not linger either.
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()


def test_audit_device_listed_and_logs_hmacs(env: BootstrappedEnvironment) -> None:
    """4. sys/audit lists the device; the log gains an entry for a request, values HMAC'd."""
    operator = env.operator()
    devices = operator.sys.list_enabled_audit_devices()["data"]
    for device in env.profile.audit_devices:
        assert devices[f"{device}/"]["type"] == "file"
        assert devices[f"{device}/"]["options"].get("log_raw", "false") == "false"

    audit_log = env.server.audit_log
    assert audit_log is not None
    before = audit_log.stat().st_size if audit_log.exists() else 0
    path = env.kv_path("api")
    _read(env.app_login(), path)
    value = env.tree["api"]["payment_api_key"]
    expected_hmac = operator.sys.calculate_hash(path="file", input_to_hash=value.reveal())["data"][
        "hash"
    ]

    deadline = time.monotonic() + 5
    entry = None
    while entry is None and time.monotonic() < deadline:
        with open(audit_log, "rb") as fh:
            fh.seek(before)
            for line in fh:
                record = json.loads(line)
                if (
                    record.get("type") == "response"
                    and record["request"]["path"] == f"{KV_MOUNT}/data/{path}"
                ):
                    entry = record
        if entry is None:
            time.sleep(0.05)
    assert entry is not None, f"no audit response entry for {path} in {audit_log}"
    logged = entry["response"]["data"]["data"]["payment_api_key"]
    assert logged.startswith("hmac-sha256:")
    assert logged == expected_hmac
    assert value.reveal().encode() not in audit_log.read_bytes()


def test_root_token_revoked_where_the_profile_requires(env: BootstrappedEnvironment) -> None:
    """5. The root token no longer works in staging and prod after bootstrap."""
    server = env.server
    if env.profile.revoke_root_token:
        assert server.root_token is None
        assert server.revoked_root_token is not None
        with pytest.raises((hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized)):
            server.client(server.revoked_root_token).auth.token.lookup_self()
        assert server.init_file is not None
        assert "root_token" not in json.loads(server.init_file.read_text())
    else:
        # dev keeps its (random, per-session) root token, as the plan's dev compose does.
        assert server.root_token is not None
        assert server.client(server.root_token).auth.token.lookup_self()["data"]["policies"] == [
            "root"
        ]


def test_session_files_are_private(world: World) -> None:
    """Temp dirs are 0700; unseal keys stay in a 0600 file inside them."""
    for directory in world.directories():
        assert directory.stat().st_mode & 0o777 == 0o700, directory
    secure = world.env("prod").server
    assert secure.init_file is not None
    assert secure.init_file.stat().st_mode & 0o777 == 0o600
    assert secure.init_file.is_relative_to(world.directory)
    assert len(json.loads(secure.init_file.read_text())["keys"]) == 5


def test_approle_has_the_plans_settings(env: BootstrappedEnvironment) -> None:
    """The AppRole on the server carries the profile's TTLs (the plan's 24h / 1h / 4h)."""
    role = env.operator().auth.approle.read_role(role_name=env.profile.approle_name)["data"]
    expected = env.profile.approle
    seconds = {"24h": 86400, "1h": 3600, "4h": 14400}
    assert role["secret_id_ttl"] == seconds[expected.secret_id_ttl]
    assert role["token_ttl"] == seconds[expected.token_ttl]
    assert role["token_max_ttl"] == seconds[expected.token_max_ttl]
    assert role["token_policies"] == [env.profile.policy_name]


def test_no_secret_value_in_any_repr(world: World) -> None:
    """What pytest prints for a failing test (fixture reprs) holds fingerprints only."""
    text = repr(world) + "".join(repr(e) for e in world.environments.values())
    secrets = [v for e in world.environments.values() for v in e.known_values()]
    secrets += [e.operator_token for e in world.environments.values()]
    secrets += [e.app_password for e in world.environments.values()]
    for server in world.vaults.values():
        secrets += [t for t in (server.root_token, server.revoked_root_token) if t]
        if server.init_file:
            secrets += [Secret(k) for k in json.loads(server.init_file.read_text())["keys"]]
    assert world.pg is not None
    secrets.append(world.pg.password)
    assert len(secrets) > 20
    assert_no_leak(text, secrets, "a fixture's repr")

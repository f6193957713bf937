"""store-erp as a real process against the real servers, in dev, staging and prod (issue 3).

The app runs under gunicorn with the smallest environment; nothing here is mocked.
Rotations go through scripts/rotate_secrets.py as an operator would run it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import hvac
import psycopg
import pytest
import requests
from rotate_tool import rotate_secrets

from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.app.process import AppProcess, fallback_environment
from vault_gate.fixtures.process import free_port, wait_until
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment

pytestmark = pytest.mark.servers
StartApp = Callable[..., AppProcess]


def rotate(env: BootstrappedEnvironment, *args: str) -> list[dict]:
    """Run rotate_secrets.py as an operator would; it must succeed and print no value."""
    run = rotate_secrets(env, *args)
    assert run.returncode == 0, run.stderr
    assert_no_leak(run.stdout + run.stderr, env.known_values(), "rotate_secrets.py's output")
    return run.records


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_create_and_list_orders(env: BootstrappedEnvironment, app_factory: StartApp) -> None:
    app = app_factory(env)
    http = requests.Session()
    token = app.login(http)

    created = app.request(
        "POST", "/orders", json={"item": "bolt", "quantity": 3}, headers=bearer(token)
    )
    assert created.status_code == 201, created.text
    listed = app.request("GET", "/orders", headers=bearer(token)).json()["orders"]
    assert {
        "id": created.json()["id"],
        "item": "bolt",
        "quantity": 3,
        "created_by": env.app_user,
    } in listed
    assert http.get(app.url + "/session", timeout=5).json()["user"] == env.app_user

    health = app.request("GET", "/health")
    assert health.status_code == 200
    body = health.json()
    assert body["source"] == "vault" and body["environment"] == env.profile.name
    assert set(body["secrets"]) == {"flask", "jwt", "database", "redis", "api"}
    assert_no_leak(health.text, env.known_values(), "GET /health")
    assert_no_leak(app.log_text(), env.known_values(), "the app's log")


def test_requests_without_valid_credentials_are_refused(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    app = app_factory(env)
    assert app.request("GET", "/orders").status_code == 401
    assert app.request("GET", "/orders", headers=bearer("not-a-jwt")).status_code == 401
    wrong = app.request("POST", "/login", json={"username": env.app_user, "password": "nope"})
    assert wrong.status_code == 401
    token = app.login()
    bad = app.request("POST", "/orders", json={"item": "x", "quantity": -1}, headers=bearer(token))
    assert bad.status_code == 400
    assert (
        app.request("POST", "/orders", json={"item": "x"}, headers=bearer(token)).status_code == 400
    )


def test_rotated_keys_are_served_without_restart(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    """JWT and Flask keys rotate; the same process serves the new ones; old JWTs have a grace
    window, then get 401; the old session cookie is refused at once."""
    app = app_factory(env)
    pid = app.process.pid
    http = requests.Session()
    old_token = app.login(http)
    old_kid = json.loads(
        app.request(
            "POST", "/login", json={"username": env.app_user, "password": env.app_password.reveal()}
        ).text
    )["kid"]

    grace_s = 4
    records = rotate(env, "jwt", "flask", "--grace", str(grace_s))
    rotated_at = time.monotonic()
    assert [r["rotated"] for r in records] == ["jwt", "flask"]
    assert all(r["new_version"] == r["old_version"] + 1 for r in records)

    # The app notices the new versions through its cache (STORE_ERP_CACHE_TTL_S=1).
    def new_kid_served() -> bool:
        resp = app.request(
            "POST", "/login", json={"username": env.app_user, "password": env.app_password.reveal()}
        )
        return resp.json()["kid"] == f"v{records[0]['new_version']}"

    wait_until(new_kid_served, 10, "the app signs with the rotated JWT key")
    new_token = app.login()
    assert app.request("GET", "/orders", headers=bearer(new_token)).status_code == 200
    assert old_kid != f"v{records[0]['new_version']}"

    # Within the grace window the old token still works (if we are still inside it) ...
    if time.monotonic() - rotated_at < grace_s - 1:
        assert app.request("GET", "/orders", headers=bearer(old_token)).status_code == 200
    # ... and after it, it does not.
    time.sleep(max(0.0, grace_s + 0.5 - (time.monotonic() - rotated_at)))
    refused = app.request("GET", "/orders", headers=bearer(old_token))
    assert refused.status_code == 401
    assert "retired key" in refused.json()["reason"]

    # The old session cookie was signed with the old Flask key: refused.
    assert http.get(app.url + "/session", timeout=5).status_code == 401
    assert app.process.pid == pid and app.process.exited() is None


def test_old_jwt_accepted_within_grace(env: BootstrappedEnvironment, app_factory: StartApp) -> None:
    app = app_factory(env)
    old_token = app.login()
    rotate(env, "jwt", "--grace", "120")
    time.sleep(1.5)  # past the app's cache TTL: it now signs with the new key
    assert app.request("GET", "/orders", headers=bearer(old_token)).status_code == 200


def _app_logins(world: World, env: BootstrappedEnvironment) -> set[str]:
    assert world.pg is not None
    with world.pg.connect(env.profile.database_name) as conn:
        rows = conn.execute(
            "SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid "
            "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = %s AND r.rolname <> %s",
            (f"store_erp_{env.profile.tree}_app", env.db_admin_user),
        ).fetchall()
    return {r[0] for r in rows}


def test_database_rotation_invalidates_old_logins(
    world: World, env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    """After `rotate_secrets.py database` the old passwords fail in PostgreSQL, the app's own
    login is gone, and the app serves on a new one without a restart."""
    assert world.pg is not None
    app = app_factory(env)
    token = app.login()
    assert (
        app.request(
            "POST", "/orders", json={"item": "a", "quantity": 1}, headers=bearer(token)
        ).status_code
        == 201
    )
    before = _app_logins(world, env)
    assert before, "the app's dynamic login should exist"
    probe = env.app_login().secrets.database.generate_credentials(name=env.profile.database_role)
    probe_user, probe_pw = probe["data"]["username"], Secret(probe["data"]["password"])

    [record] = rotate(env, "database")
    assert record["leases_revoked"] >= 2

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        world.pg.connect(env.profile.database_name, probe_user, probe_pw)
    assert not (before & _app_logins(world, env)), "old logins still exist"

    again = app.request("POST", "/orders", json={"item": "b", "quantity": 2}, headers=bearer(token))
    assert again.status_code == 201, again.text
    assert app.request("GET", "/health").json()["database"]["login_generation"] >= 2
    assert _app_logins(world, env) - before


def test_secret_id_rotation_destroys_the_old_one(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    app = app_factory(env)
    old = Secret(app.secret_id_file.read_text().strip())
    [record] = rotate(env, "secret-id", "--secret-id-file", str(app.secret_id_file))
    assert record["old_destroyed"] is True
    new = Secret(app.secret_id_file.read_text().strip())
    assert new != old and record["new_fingerprint"] == new.fingerprint
    assert app.secret_id_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(hvac.exceptions.VaultError):
        env.app_login(old)
    env.app_login(new)
    token = app.login()
    assert app.request("GET", "/orders", headers=bearer(token)).status_code == 200


def test_wrapped_secret_id_is_unwrapped_once(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    app = app_factory(env, wrapped=True)
    assert app.request("GET", "/orders", headers=bearer(app.login())).status_code == 200
    wrapping_token = app.secret_id_file.read_text().strip()
    with pytest.raises(hvac.exceptions.VaultError):
        env.operator().sys.unwrap(token=wrapping_token)


def _exits(app: AppProcess, timeout_s: float = 30) -> int:
    assert app.process.popen is not None
    return app.process.popen.wait(timeout=timeout_s)


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_production_refuses_to_start_without_vault(
    world: World, app_factory: StartApp, name: str
) -> None:
    """Vault unreachable at start: staging and prod exit and say why, even with fallback
    variables present."""
    env = world.env(name)
    app = app_factory(
        env,
        vault_addr=f"https://127.0.0.1:{free_port()}",
        wait=False,
        extra_env={
            "SECRET_KEY": "x" * 32,
            "JWT_SECRET_KEY": "y" * 32,
            "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/db",
        },
    )
    assert _exits(app) != 0
    log = app.log_text()
    assert f"refusing to start in {name}" in log
    assert "does not allow falling back to environment variables" in log
    assert "unreachable" in log


def test_dev_falls_back_to_environment_variables_loudly(
    world: World, app_factory: StartApp
) -> None:
    env = world.env("dev")
    assert world.pg is not None
    app = app_factory(
        env,
        vault_addr=f"http://127.0.0.1:{free_port()}",
        extra_env=fallback_environment(env, world.pg),
    )
    assert app.request("GET", "/health").json()["source"] == "environment"
    assert "VAULT FALLBACK IN USE" in app.log_text()
    token = app.login()
    assert app.request("GET", "/orders", headers=bearer(token)).status_code == 200


def test_dev_without_fallback_variables_refuses(world: World, app_factory: StartApp) -> None:
    app = app_factory(world.env("dev"), vault_addr=f"http://127.0.0.1:{free_port()}", wait=False)
    assert _exits(app) != 0
    assert "fallback lacks: SECRET_KEY, JWT_SECRET_KEY, DATABASE_URL" in app.log_text()


def test_forbidden_tree_refuses_to_start(world: World, app_factory: StartApp) -> None:
    """A prod app holding staging's AppRole: a 403 on its own tree, a clear refusal."""
    prod, staging = world.env("prod"), world.env("staging")
    app = app_factory(
        prod,
        wait=False,
        secret_id=staging.new_secret_id(),
        extra_env={"STORE_ERP_ROLE_ID": staging.role_id},
    )
    assert _exits(app) != 0
    log = app.log_text()
    assert "refusing to start in prod" in log
    assert "secret/data/store-erp/production/" in log and "permission denied" in log


def test_destroyed_secret_id_refuses_to_start(world: World, app_factory: StartApp) -> None:
    env = world.env("staging")
    secret_id = env.new_secret_id()
    env.operator().auth.approle.destroy_secret_id(
        role_name=env.profile.approle_name, secret_id=secret_id.reveal()
    )
    app = app_factory(env, wait=False, secret_id=secret_id)
    assert _exits(app) != 0
    log = app.log_text()
    assert "AppRole login refused" in log
    assert_no_leak(log, [secret_id], "the app's log")


def test_expired_secret_id_refuses_to_start(world: World, app_factory: StartApp) -> None:
    """A secret_id past its TTL (here 1 s, issued with a TTL of its own): a clear refusal."""
    env = world.env("prod")
    resp = env.operator().adapter.post(
        f"/v1/auth/approle/role/{env.profile.approle_name}/secret-id", json={"ttl": "1s"}
    )
    secret_id = Secret(resp["data"]["secret_id"])
    time.sleep(1.5)
    app = app_factory(env, wait=False, secret_id=secret_id)
    assert _exits(app) != 0
    log = app.log_text()
    assert "refusing to start in prod" in log and "AppRole login refused" in log
    assert_no_leak(log, [secret_id], "the app's log")


def test_sealed_vault_at_start_is_refused_in_prod(
    world: World, app_factory: StartApp, tmp_path
) -> None:
    """A Vault that answers but is sealed: prod refuses to start and says so."""
    from vault_gate.fixtures.servers.binaries import resolve_vault_binary
    from vault_gate.fixtures.servers.openbao import initialise, start_server

    assert world.ca is not None
    sealed = start_server(
        resolve_vault_binary(), tmp_path / "sealed", world.reaper, world.ca, name="sealed"
    )
    try:
        initialise(sealed)
        app = app_factory(world.env("prod"), vault_addr=sealed.addr, wait=False)
        assert _exits(app) != 0
        log = app.log_text()
        assert "refusing to start in prod" in log and "sealed" in log
    finally:
        sealed.stop()


def test_broken_secret_entry_refuses_to_start(world: World, app_factory: StartApp) -> None:
    """A key missing, then a value of the wrong type: the app names the path and key, not
    the values, and refuses to start. The entry is restored afterwards (as a new version)."""
    env = world.env("dev")
    operator = env.operator()
    path = env.kv_path("api")
    good = operator.secrets.kv.v2.read_secret_version(
        path=path, mount_point="secret", raise_on_deleted_version=True
    )["data"]["data"]
    try:
        operator.secrets.kv.v2.create_or_update_secret(
            path=path, secret={"payment_api_key": good["payment_api_key"]}, mount_point="secret"
        )
        app = app_factory(env, wait=False)
        assert _exits(app) != 0
        assert "secret/data/store-erp/development/api: key 'mail_api_key' is missing" in (
            app.log_text()
        )
        operator.secrets.kv.v2.create_or_update_secret(
            path=path, secret={**good, "mail_api_key": 12345}, mount_point="secret"
        )
        app = app_factory(env, wait=False)
        assert _exits(app) != 0
        log = app.log_text()
        assert "key 'mail_api_key' must be a non-empty string, got int" in log
        assert_no_leak(log, [Secret(good["payment_api_key"])], "the app's log")
    finally:
        operator.secrets.kv.v2.create_or_update_secret(path=path, secret=good, mount_point="secret")


def test_failed_insert_writes_nothing(env: BootstrappedEnvironment, app_factory: StartApp) -> None:
    app = app_factory(env)
    token = app.login()
    before = len(app.request("GET", "/orders", headers=bearer(token)).json()["orders"])
    bad = app.request("POST", "/orders", json={"item": "", "quantity": 1}, headers=bearer(token))
    assert bad.status_code == 400
    assert len(app.request("GET", "/orders", headers=bearer(token)).json()["orders"]) == before


def test_vault_lost_while_serving_is_a_503_with_a_reason(
    world: World, app_factory: StartApp
) -> None:
    """The app's token revoked and its secret_id destroyed: requests get 503 naming the cause."""
    env = world.env("dev")
    assert env.server.root_token is not None
    app = app_factory(env)
    token = app.login()
    root = env.server.client(env.server.root_token)
    root.auth.approle.destroy_secret_id(
        role_name=env.profile.approle_name, secret_id=app.secret_id_file.read_text().strip()
    )
    root.sys.revoke_prefix("auth/approle/login")
    time.sleep(1.2)  # past the app's cache TTL: its next read goes to Vault
    resp = app.request("GET", "/orders", headers=bearer(token))
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == "vault login failed"
    assert "AppRole login refused" in resp.json()["reason"]
    assert "Traceback" not in resp.text

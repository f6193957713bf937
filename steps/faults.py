"""Steps of features/faults.feature: break a server of the scenario's own, watch the app.

Thin adapters: the faults are in fixtures/faults.py and fixtures/cluster.py, the
load in fixtures/load.py. Every wait polls a condition with a deadline.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac.exceptions
import pytest
import requests
from pytest_bdd import given, parsers, then, when

from compliance.secret import Secret, assert_no_leak
from fixtures.app import AppProcess, fallback_environment, stop_app, write_private
from fixtures.binaries import BinaryError
from fixtures.bootstrap import BootstrappedEnvironment
from fixtures.cluster import Cluster, bootstrap_cluster, start_cluster
from fixtures.faults import (
    FAULT_APPROLE,
    RECOVERY_TIMEOUT_S,
    TOKEN_TTL_S,
    FaultWorld,
    FaultWorlds,
    backend_from_options,
    fault_profiles,
    immutable_files_supported,
    wait_for,
)
from fixtures.load import LoadGenerator
from fixtures.plugin import session_reaper
from fixtures.postgres import PostgresServer
from fixtures.process import ServerStartError
from fixtures.reaper import Reaper
from fixtures.signoff import record_measurement
from fixtures.tls import SessionCA

FAULT_SEEN_TIMEOUT_S = 30.0
FAILOVER_BOUND_S = 30.0
ENVIRONMENT = {"production": "prod", "prod": "prod", "dev": "dev", "staging": "staging"}


@dataclass
class Faulty:
    """A scenario's app on servers of its own, and what the steps learn along the way."""

    fw: FaultWorld | None
    env: BootstrappedEnvironment
    app: AppProcess
    token: str
    health_before: dict[str, Any]
    fallback: dict[str, str] = field(default_factory=dict)
    stopped_at: float = 0.0
    last: requests.Response | None = None
    orders: list[int] = field(default_factory=list)
    secret_ids: list[Secret] = field(default_factory=list)


# -- servers of their own ---------------------------------------------------------------


@pytest.fixture(scope="module")
def fault_worlds(request: pytest.FixtureRequest) -> Iterator[FaultWorlds]:
    config = request.config
    try:
        worlds = FaultWorlds(
            backend_from_options(config), session_reaper(config), request.getfixturevalue("target")
        )
    except BinaryError as exc:
        pytest.fail(f"vault-gate could not find its servers:\n{exc}", pytrace=False)
    try:
        yield worlds
    finally:
        worlds.stop()


@dataclass
class HaWorld:
    cluster: Cluster
    pg: PostgresServer
    env: BootstrappedEnvironment
    directory: Path
    reaper: Reaper

    def stop(self) -> None:
        self.cluster.stop()
        self.pg.stop()
        for d in (self.directory, self.pg.directory):
            shutil.rmtree(d, ignore_errors=True)
            self.reaper.unwatch_dir(d)


@pytest.fixture(scope="module")
def ha_world(request: pytest.FixtureRequest) -> Iterator[HaWorld]:
    """A three-node raft cluster, PostgreSQL, and production bootstrapped through the leader.

    Its files (unseal keys among them) live in a 0700 temp dir that the reaper removes
    even if pytest dies; not in pytest's tmp_path, which outlives the run."""
    config = request.config
    reaper: Reaper = session_reaper(config)
    backend = backend_from_options(config)
    directory = Path(tempfile.mkdtemp(prefix="vault-gate-ha-"))  # 0700
    reaper.watch_dir(directory)
    started: list[Callable[[], None]] = [lambda: shutil.rmtree(directory, ignore_errors=True)]
    try:
        ca = SessionCA(directory)
        pg = backend.start_postgres(reaper, directory)
        started.append(pg.stop)
        started.append(lambda: shutil.rmtree(pg.directory, ignore_errors=True))
        cluster = start_cluster(backend.vault, directory, reaper, ca)
        started.append(cluster.stop)
        env = bootstrap_cluster(
            cluster, fault_profiles("prod")["prod"], pg, request.getfixturevalue("target"),
            role_overrides=FAULT_APPROLE,
        )  # fmt: skip
    except BaseException as exc:
        for undo in reversed(started):
            undo()
        if isinstance(exc, ServerStartError):
            pytest.fail(f"the cluster's servers did not start:\n{exc}", pytrace=False)
        raise
    world = HaWorld(cluster, pg, env, directory, reaper)
    try:
        yield world
    finally:
        world.stop()


def _health(app: AppProcess) -> dict[str, Any]:
    resp = app.request("GET", "/health")
    return resp.json() if resp.status_code == 200 else {}


def _start(env: BootstrappedEnvironment, fw: FaultWorld | None, app: AppProcess) -> Faulty:
    faulty = Faulty(fw, env, app, app.login(), _health(app))
    return faulty


@given(
    parsers.parse("a {environment} application serving on servers of its own"),
    target_fixture="faulty",
)
def app_on_own_servers(
    environment: str, fault_worlds: FaultWorlds, app_factory: Callable[..., AppProcess]
) -> Faulty:
    name = ENVIRONMENT[environment]
    fw = fault_worlds.get(name)
    env = fw.world.env(name)
    faulty = _start(env, fw, app_factory(env))
    if env.profile.env_fallback_allowed:
        # Issued while Vault is still there: the rollback's DATABASE_URL needs a login.
        faulty.fallback = fallback_environment(env, fw.pg)
    else:
        faulty.fallback = {
            "SECRET_KEY": "k" * 32,
            "JWT_SECRET_KEY": "j" * 32,
            "DATABASE_URL": f"postgresql://u:p@127.0.0.1:{fw.pg.port}/x",
        }
    return faulty


@given("a production application serving on a three-node Vault cluster", target_fixture="faulty")
def app_on_cluster(ha_world: HaWorld, app_factory: Callable[..., AppProcess]) -> Faulty:
    app = app_factory(ha_world.env, vault_addr=ha_world.cluster.addrs)
    return _start(ha_world.env, None, app)


# -- what clients see -----------------------------------------------------------------


def _orders(faulty: Faulty) -> requests.Response:
    """The target's authenticated request ([app.request]) with the user's credential."""
    return faulty.app.authed(faulty.token)


@then(parsers.parse('requests get 503 with the reason "{reason}"'))
def requests_get_503(faulty: Faulty, reason: str) -> None:
    seen: list[requests.Response] = []

    def refused() -> bool:
        resp = _orders(faulty)
        seen.append(resp)
        return resp.status_code == 503 and reason in resp.json().get("reason", "")

    try:
        wait_for(refused, FAULT_SEEN_TIMEOUT_S, f"503 naming {reason!r}")
    except TimeoutError:
        last = seen[-1] if seen else None
        pytest.fail(
            f"no 503 naming {reason!r} within {FAULT_SEEN_TIMEOUT_S:g} s; last answer: "
            + (f"HTTP {last.status_code} {last.text[:300]}" if last is not None else "none")
        )
    resp = seen[-1]
    faulty.last = resp
    assert "Traceback" not in resp.text
    assert_no_leak(resp.text, faulty.env.known_values(), "the 503's body")


def _serves(faulty: Faulty) -> bool:
    if _orders(faulty).status_code != 200:
        return False
    faulty.app.login()  # a fresh login works too (a JWT key read, a database query)
    return True


@then("the application serves again by itself")
def serves_again(faulty: Faulty) -> None:
    wait_for(
        lambda: _serves(faulty), RECOVERY_TIMEOUT_S, "the authenticated request and a login work"
    )


# -- Vault stopped, sealed, restarted -------------------------------------------------


@when("Vault is stopped")
def vault_stopped(faulty: Faulty) -> None:
    assert faulty.fw is not None
    faulty.fw.stop_vault(faulty.env.profile.name)
    faulty.stopped_at = time.monotonic()


@when("Vault is started again but stays sealed")
def vault_started_sealed(faulty: Faulty) -> None:
    assert faulty.fw is not None
    faulty.fw.start_vault_sealed(faulty.env.profile.name)
    assert faulty.fw.vault_is_sealed(faulty.env.profile.name)


@when("Vault is unsealed")
def vault_unsealed(faulty: Faulty) -> None:
    assert faulty.fw is not None
    # Down for longer than a token lives: the app's token cannot have survived.
    wait_for(
        lambda: time.monotonic() - faulty.stopped_at > TOKEN_TTL_S,
        TOKEN_TTL_S + 1,
        "the outage outlasts the token TTL",
    )
    faulty.fw.unseal_vault(faulty.env.profile.name)


@then("the application serves again by itself, with a new login and a new database login")
def serves_with_new_login(faulty: Faulty) -> None:
    serves_again(faulty)
    after = _health(faulty.app)
    before = faulty.health_before
    assert after["vault"]["logins"] > before["vault"]["logins"], (before, after)
    assert after["database"]["login_generation"] > before["database"]["login_generation"], (
        before,
        after,
    )


# -- dev's fallback, prod's refusal ---------------------------------------------------


@when("the application is restarted with the fallback variables in its environment")
def restarted_with_fallback(
    faulty: Faulty, app_factory: Callable[..., AppProcess], reaper: Reaper
) -> None:
    stop_app(faulty.app, reaper)
    faulty.app = app_factory(
        faulty.env,
        secret_id=Secret("no-vault-to-use-it"),
        vault_addr=faulty.env.server.addr,
        extra_env=faulty.fallback,
        wait=faulty.env.profile.env_fallback_allowed,
    )


@then("it serves from the environment variables and says so loudly")
def serves_from_environment(faulty: Faulty) -> None:
    app = faulty.app
    assert app.request("GET", "/health").json()["source"] == "environment"
    assert "VAULT FALLBACK IN USE" in app.log_text()
    resp = app.authed(app.login())
    assert resp.status_code == 200, resp.text


@then("it refuses to start and names the profile that forbids it")
def refuses_to_start(faulty: Faulty) -> None:
    popen = faulty.app.process.popen
    assert popen is not None
    assert popen.wait(timeout=30) != 0
    log = faulty.app.log_text()
    name = faulty.env.profile.name
    assert f"refusing to start in {name}" in log, log[-2000:]
    assert f"The {name} profile does not allow falling back to environment variables" in log
    assert_no_leak(log, [Secret(v) for v in faulty.fallback.values()], "the app's log")


# -- tokens expire ----------------------------------------------------------------------


@when("clients use it for longer than its Vault token may live", target_fixture="load")
def clients_outlive_the_token(faulty: Faulty) -> LoadGenerator:
    before = faulty.health_before["vault"]

    def renewed_and_logged_in_again() -> bool:
        now = _health(faulty.app).get("vault", {})
        return (
            now.get("renewals", 0) > before["renewals"]
            and now.get("logins", 0) > (before["logins"])
        )

    load = LoadGenerator(faulty.app, clients=2, max_seconds=60)
    with load:
        wait_for(renewed_and_logged_in_again, 45, "a token renewal and a fresh login")
        # A little more load on the new token, past the moment the old one died.
        wait_for(lambda: len(load.successes_after(time.monotonic() - 1)) > 20, 20, "load")
    return load


@then("no request failed")
def no_request_failed(load: LoadGenerator) -> None:
    summary = load.summary()
    assert summary.requests > 0
    assert summary.failures == 0, summary.failure_examples


@then("the application renewed its token and then logged in again")
def renewed_then_logged_in(faulty: Faulty) -> None:
    before, after = faulty.health_before["vault"], _health(faulty.app)["vault"]
    assert after["renewals"] > before["renewals"], (before, after)
    assert after["logins"] > before["logins"], (before, after)


# -- secret_id destroyed or expired ---------------------------------------------------


@when(parsers.parse("its secret_id is {state} and its Vault token runs out"))
def secret_id_gone(faulty: Faulty, state: str) -> None:
    env, app = faulty.env, faulty.app
    role = env.profile.approle_name
    operator = env.operator()
    current = Secret(app.secret_id_file.read_text().strip())
    faulty.secret_ids.append(current)
    if state == "destroyed":
        operator.auth.approle.destroy_secret_id(role_name=role, secret_id=current.reveal())
    elif state == "expired":
        # The file gets a secret_id that lives one second, as if handed over too late.
        resp = operator.adapter.post(f"/v1/auth/approle/role/{role}/secret-id", json={"ttl": "1s"})
        short = Secret(resp["data"]["secret_id"])
        faulty.secret_ids.append(short)
        write_private(app.secret_id_file, short)
        wait_for(
            lambda: (
                not isinstance(
                    operator.auth.approle.read_secret_id(role_name=role, secret_id=short.reveal()),
                    dict,
                )
            ),
            10,
            "the short-lived secret_id has expired",
        )
    else:
        raise ValueError(f"unknown secret_id state {state!r}")


@then("the reason names the secret_id file and no secret value")
def reason_names_the_file(faulty: Faulty) -> None:
    assert faulty.last is not None
    reason = faulty.last.json()["reason"]
    assert str(faulty.app.secret_id_file) in reason, reason
    assert "expired, destroyed or used up" in reason, reason
    assert_no_leak(reason, [*faulty.secret_ids, *faulty.env.known_values()], "the 503's reason")


@when("an operator puts a fresh secret_id in the file")
def fresh_secret_id(faulty: Faulty) -> None:
    write_private(faulty.app.secret_id_file, faulty.env.new_secret_id())


# -- PostgreSQL ---------------------------------------------------------------------------


@given("orders written before the fault")
def orders_before(faulty: Faulty) -> None:
    for i in range(5):
        resp = faulty.app.request(
            "POST",
            "/orders",
            json={"item": f"before-fault-{i}", "quantity": i + 1},
            headers={"Authorization": f"Bearer {faulty.token}"},
        )
        assert resp.status_code == 201, resp.text
        faulty.orders.append(int(resp.json()["id"]))


@when(parsers.parse("PostgreSQL is {fault}"))
def postgres_fault(faulty: Faulty, fault: str) -> None:
    assert faulty.fw is not None
    assert fault in ("restarted", "crashed"), fault
    faulty.fw.restart_postgres(crash=fault == "crashed")
    # PostgreSQL takes logins again: the app's very next request must work (its pool
    # holds connections the restart killed; it must notice and reconnect, not fail).
    resp = _orders(faulty)
    assert resp.status_code == 200, resp.text


@then("every order written before the fault is still there")
def orders_kept(faulty: Faulty) -> None:
    resp = _orders(faulty)
    assert resp.status_code == 200, resp.text
    ids = {o["id"] for o in resp.json()["orders"]}
    missing = [i for i in faulty.orders if i not in ids]
    assert not missing, f"orders lost: {missing}"


# -- the audit device -------------------------------------------------------------------


@when("Vault's audit file becomes unwritable")
def audit_blocked(faulty: Faulty) -> None:
    assert faulty.fw is not None
    server = faulty.env.server
    assert server.audit_log is not None
    why_not = immutable_files_supported(server.audit_log.parent)
    if why_not:
        pytest.skip(f"cannot make the audit file unwritable here: {why_not}")
    faulty.fw.block_audit(faulty.env.profile.name)


@then("Vault refused every request for want of an audit trail")
def vault_refused_without_audit(faulty: Faulty) -> None:
    """Vault tells clients only "internal error" (500); its own log names the cause, for
    the app's paths as for the harness's."""
    env = faulty.env
    with pytest.raises(hvac.exceptions.InternalServerError):
        env.operator().secrets.kv.v2.read_secret_version(
            path=env.kv_path("flask"), mount_point="secret", raise_on_deleted_version=True
        )
    log = env.server.process
    assert log.log_mentions("no audit backend succeeded in logging the request"), log.log_path
    assert log.log_mentions(f"failed to audit request: path=secret/data/{env.kv_path('')}")
    codes = [_orders(faulty).status_code for _ in range(3)]
    assert codes == [503, 503, 503], f"served without an audit trail: {codes}"


@when("the audit file is writable again")
def audit_unblocked(faulty: Faulty) -> None:
    assert faulty.fw is not None
    faulty.fw.unblock_audit(faulty.env.profile.name)


# -- high availability ------------------------------------------------------------------


@dataclass
class Failover:
    killed: str
    killed_at: float
    recovered_at: float  # end of the last failed request after the kill (the kill if none)
    app_moved_at: float  # when the app's /health first named another node
    elected_at: float  # when a live node first reported itself active
    load: LoadGenerator

    @property
    def seconds(self) -> float:
        return self.recovered_at - self.killed_at


SERVED_AFTER_FAILOVER_S = 2.0  # longer than the app's cache TTL: it has read from Vault


@when("the active node is killed while clients use the application", target_fixture="failover")
def kill_active_node(faulty: Faulty, ha_world: HaWorld) -> Failover:
    cluster = ha_world.cluster
    leader = cluster.leader()
    assert leader is not None
    load = LoadGenerator(faulty.app, clients=2, max_seconds=90)
    moments: dict[str, float] = {}
    with load:
        wait_for(lambda: len(load.successes_after(0)) >= 10, 20, "load before the kill")
        killed_at = cluster.kill(leader)

        def served_for_good() -> bool:
            now = time.monotonic()
            if "moved" not in moments and _health(faulty.app).get("vault", {}).get("addr") not in (
                None,
                leader.addr,
            ):
                moments["moved"] = now
            if "elected" not in moments and cluster.leader() is not None:
                moments["elected"] = now
            at = load.recovered_at(killed_at)
            return (
                at is not None
                and len(moments) == 2
                and now - max(at, *moments.values()) > SERVED_AFTER_FAILOVER_S
            )

        wait_for(served_for_good, 60, "the app serving through a new active node")
        recovered_at = load.recovered_at(killed_at)
    assert recovered_at is not None
    return Failover(
        leader.name, killed_at, recovered_at, moments["moved"], moments["elected"], load
    )


@then("a standby becomes the active node")
def standby_active(ha_world: HaWorld, failover: Failover) -> None:
    leader = ha_world.cluster.wait_for_new_leader()
    assert leader.name != failover.killed


@then(parsers.parse("the application serves again within {bound:d} seconds of the kill"))
def served_within(request: pytest.FixtureRequest, failover: Failover, bound: int) -> None:
    failed = failover.load.failures_between(failover.killed_at)
    summary = failover.load.summary()
    measured = {
        "failover_s": round(failover.seconds, 2),
        "failed_requests_after_kill": len(failed),
        "new_leader_seen_after_s": round(failover.elected_at - failover.killed_at, 2),
        "app_on_another_node_after_s": round(failover.app_moved_at - failover.killed_at, 2),
        "load": summary.to_json(),
    }
    record_measurement(request.config, "failover (3-node raft cluster, leader SIGKILLed)", measured)
    print(f"\nfailover: {measured}")
    assert failover.seconds < bound, measured

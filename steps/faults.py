"""Steps of features/faults.feature: thin adapters from its words to fixtures/.

The worlds and the faults are in fixtures/faults/worlds.py and fixtures/faults/cluster.py, the app
and what it says in fixtures/faults/scene.py and fixtures/faults/diagnostics.py, the load in
fixtures/app/load.py. What a step may ask of the app is what the target file declares.
"""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from vault_gate.compliance.target import Target
from vault_gate.fixtures.app.load import LoadGenerator
from vault_gate.fixtures.faults import scene as scene
from vault_gate.fixtures.faults.cluster import (
    Failover,
    HaWorld,
    kill_leader_under_load,
    serving_on_cluster,
)
from vault_gate.fixtures.faults.scene import FaultApps, FaultScene
from vault_gate.fixtures.faults.worlds import FaultWorlds
from vault_gate.fixtures.run.signoff import record_measurement

ENVIRONMENT = {"production": "prod", "prod": "prod", "dev": "dev", "staging": "staging"}
# The feature's words for each cause of an outage -> its key in [app.outage].
CAUSES = {
    "Vault is unreachable": "unreachable",
    "Vault is sealed": "sealed",
    "the AppRole login is refused": "login_refused",
    "Vault cannot write its audit trail": "audit_failed",
}


# -- the contract the scenario needs, and the app on servers of its own -------------------


@given(parsers.parse("the target declares {declared}"))
def target_declares(target: Target, declared: str) -> None:
    scene.skip_unless_declared(target, declared)


@given(
    parsers.parse("a {environment} application serving on servers of its own"),
    target_fixture="faulty",
)
def app_on_own_servers(
    environment: str, target: Target, request: pytest.FixtureRequest, fault_apps: FaultApps
) -> FaultScene:
    scene.skip_unless_declared(target, scene.BASE_CONTRACT)
    worlds: FaultWorlds = request.getfixturevalue("fault_worlds")
    return scene.serving_on_own_servers(ENVIRONMENT[environment], worlds, fault_apps)


@given("a production application serving on a three-node Vault cluster", target_fixture="faulty")
def app_on_cluster(
    target: Target, request: pytest.FixtureRequest, fault_apps: FaultApps
) -> FaultScene:
    scene.skip_unless_declared(target, scene.BASE_CONTRACT)
    return serving_on_cluster(request.getfixturevalue("ha_world"), fault_apps)


# -- what clients see -----------------------------------------------------------------


@then(parsers.parse("requests get the outage answer saying {cause}"))
def outage_answer(faulty: FaultScene, cause: str) -> None:
    scene.await_outage(faulty, CAUSES[cause])


@then("the application serves again by itself")
def serves_again(faulty: FaultScene) -> None:
    scene.await_serving(faulty)


# -- Vault stopped, sealed, restarted -------------------------------------------------


@when("Vault is stopped")
def vault_stopped(faulty: FaultScene) -> None:
    scene.stop_vault(faulty)


@when("Vault is started again but stays sealed")
def vault_started_sealed(faulty: FaultScene) -> None:
    scene.start_vault_sealed(faulty)


@when("Vault is unsealed")
def vault_unsealed(faulty: FaultScene) -> None:
    scene.unseal_after_token_ttl(faulty)


@then("the application serves again by itself, with a new login and a new database login")
def serves_with_new_login(faulty: FaultScene) -> None:
    scene.await_serving(faulty)
    scene.assert_logged_in_again(faulty, "vault_logins", "database_logins")


# -- the rollback path ----------------------------------------------------------------


@when("the application is restarted with the fallback variables in its environment")
def restarted_with_fallback(faulty: FaultScene, fault_apps: FaultApps) -> None:
    scene.restart_with_fallback(faulty, fault_apps)


@then("it serves from the environment variables and says so loudly")
def serves_from_environment(faulty: FaultScene) -> None:
    scene.assert_serves_from_environment(faulty)


@then("it refuses to start and names the environment that forbids it")
def refuses_to_start(faulty: FaultScene) -> None:
    scene.assert_refused_to_start(faulty)


# -- tokens expire ----------------------------------------------------------------------


@when("clients use it for longer than its Vault token may live", target_fixture="load")
def clients_outlive_the_token(faulty: FaultScene) -> LoadGenerator:
    return scene.outlive_the_token(faulty)


@then("no request failed")
def no_request_failed(load: LoadGenerator) -> None:
    scene.assert_no_request_failed(load)


@then("the application renewed its token and then logged in again")
def renewed_then_logged_in(faulty: FaultScene) -> None:
    scene.assert_logged_in_again(faulty, "token_renewals", "vault_logins")


# -- the secret_id ----------------------------------------------------------------------


@when(parsers.parse("its secret_id is {state} and its Vault token runs out"))
def secret_id_gone(faulty: FaultScene, state: str) -> None:
    scene.spoil_secret_id(faulty, state)


@then("the answer names the secret_id file and no secret value")
def answer_names_the_file(faulty: FaultScene) -> None:
    scene.assert_reason_names_the_file(faulty)


@when("an operator puts a fresh secret_id in the file")
def fresh_secret_id(faulty: FaultScene) -> None:
    scene.fresh_secret_id(faulty)


# -- records and PostgreSQL -------------------------------------------------------------


@given("records written before the fault")
def records_before(faulty: FaultScene) -> None:
    scene.write_records(faulty)


@when(parsers.parse("PostgreSQL is {fault}"))
def postgres_fault(faulty: FaultScene, fault: str) -> None:
    scene.postgres_fault(faulty, fault)


@then("every record written before the fault is still there")
def records_kept(faulty: FaultScene) -> None:
    scene.assert_records_kept(faulty)


# -- the audit device -------------------------------------------------------------------


@when("Vault's audit file becomes unwritable")
def audit_blocked(faulty: FaultScene) -> None:
    scene.block_audit(faulty)


@then("Vault refused every request for want of an audit trail")
def vault_refused_without_audit(faulty: FaultScene) -> None:
    scene.assert_vault_refused_without_audit(faulty)


@when("the audit file is writable again")
def audit_unblocked(faulty: FaultScene) -> None:
    scene.unblock_audit(faulty)


# -- high availability ------------------------------------------------------------------


@when("the active node is killed while clients use the application", target_fixture="failover")
def kill_active_node(faulty: FaultScene, ha_world: HaWorld) -> Failover:
    return kill_leader_under_load(faulty, ha_world.cluster)


@then("a standby becomes the active node")
def standby_active(ha_world: HaWorld, failover: Failover) -> None:
    assert ha_world.cluster.wait_for_new_leader().name != failover.killed


@then(parsers.parse("the application serves again within {bound:d} seconds of the kill"))
def served_within(request: pytest.FixtureRequest, failover: Failover, bound: int) -> None:
    measured = failover.measured()
    record_measurement(request.config, "failover (3-node raft cluster, leader SIGKILLed)", measured)
    print(f"\nfailover: {measured}")
    assert failover.seconds < bound, measured

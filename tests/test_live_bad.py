"""Live mode fails each known-bad state, with the evidence of why.

The session's staging and prod server has its root token revoked, so nothing can
plant a bad state there (and OpenBao cannot disable its declared audit device
through the API). The bad states live on a dedicated server-mode server ("lab"),
started like the session's (raft, TLS from the session CA, init and unseal) but
without the audit stanza, set up as prod by the bootstrap's own functions, with
the root token kept. Wrong AppRoles and policies get names of their own, so each
test judges exactly one bad state; the correctly set-up role on the same server
passes the same checks (the control).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from store_erp_target import PROFILES

from vault_gate.compliance.live.layout import Layout, build_layout
from vault_gate.compliance.live.runner import CHECKS, connect, preflight, run_one
from vault_gate.compliance.profiles import AppRoleSettings
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.binaries import resolve_vault_binary
from vault_gate.fixtures.servers.bootstrap import (
    KV_MOUNT,
    _ensure_kv_v2,
    issue_auditor_token,
    read_policy,
)
from vault_gate.fixtures.servers.openbao import VaultServer, initialise, start_server, unseal

pytestmark = pytest.mark.servers
PROD = PROFILES["prod"]
ENTRIES = ("flask", "jwt", "database", "redis", "api")
STORE_ERP_KV = [f"secret/data/store-erp/{{tree}}/{entry}" for entry in ENTRIES]
STORE_ERP_PATHS = [*STORE_ERP_KV, "database/creds/store-erp-{tree}"]
LOOPBACK = ["127.0.0.1/32"]
WIDE_POLICY = """
# The plan's mistake: one app's policy over every environment's tree.
path "secret/data/store-erp/*" {
  capabilities = ["read"]
}
"""


@dataclass
class Lab:
    server: VaultServer
    auditor: Secret

    def layout(self, **kwargs: object) -> Layout:
        """store-erp's prod layout on the lab, its correct role unless another is named."""
        kwargs.setdefault("roles", [PROD.approle_name])
        kwargs.setdefault("vault_paths", STORE_ERP_PATHS)
        return build_layout(kwargs.pop("profile", PROD), **kwargs)  # type: ignore[arg-type]

    def run(self, check_id: str, layout: Layout | None = None) -> CheckResult:
        layout = layout or self.layout()
        check = next(c for c in CHECKS if c.id == check_id)
        return run_one(check, self.vault(), layout)

    def vault(self, token: Secret | None = None):  # type: ignore[no-untyped-def]
        return connect(self.server.addr, token or self.auditor, str(self.server.ca_file))


def _role(root, name: str, policies: list[str], settings: AppRoleSettings,  # type: ignore[no-untyped-def]
          cidrs: list[str] = LOOPBACK) -> None:  # fmt: skip
    root.auth.approle.create_or_update_approle(
        role_name=name,
        token_policies=policies,
        secret_id_ttl=settings.secret_id_ttl,
        token_ttl=settings.token_ttl,
        token_max_ttl=settings.token_max_ttl,
        secret_id_num_uses=settings.secret_id_num_uses,
        secret_id_bound_cidrs=cidrs,
        token_bound_cidrs=cidrs,
    )


@pytest.fixture(scope="module")
def lab(
    world: World,
    reaper: Reaper,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Lab]:
    assert world.ca is not None
    directory = tmp_path_factory.mktemp("lab")
    directory.chmod(0o700)
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    server = start_server(binary, directory / "vault", reaper, world.ca, name="lab", audit=False)
    try:
        unseal(server, initialise(server)[:3])
        assert server.root_token is not None
        root = server.client(server.root_token)
        _ensure_kv_v2(root)
        root.sys.enable_auth_method("approle")
        root.sys.create_or_update_policy(PROD.policy_name, read_policy(PROD.policy_name))
        _role(root, PROD.approle_name, [PROD.policy_name], PROD.approle)
        root.sys.create_or_update_policy("store-erp-wide", WIDE_POLICY)
        _role(root, "store-erp-production-wide", [PROD.policy_name, "store-erp-wide"], PROD.approle)
        _role(root, "store-erp-production-nottl", [PROD.policy_name],
              replace(PROD.approle, secret_id_ttl="0"))  # fmt: skip
        _role(root, "store-erp-production-unbound", [PROD.policy_name], PROD.approle, cidrs=[])
        root.sys.enable_secrets_engine("database")  # mounted only: the path's engine
        for path in STORE_ERP_KV:
            root.secrets.kv.v2.create_or_update_secret(
                path=path.format(tree=PROD.tree).removeprefix("secret/data/"),
                secret={"value": secrets.token_urlsafe(16), "secret_key": "x"},
                mount_point=KV_MOUNT,
            )
        yield Lab(server, issue_auditor_token(root))
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_control_the_correct_role_on_the_lab_passes(lab: Lab) -> None:
    """What the lab gets right passes, so each failure below is the bad state's own."""
    for check_id in ("gate_token", "policies", "approle", "kv", "tree", "server"):
        result = lab.run(check_id)
        assert result.passed, f"{check_id}:\n{result.explain()}"


def test_missing_audit_device_fails(lab: Lab) -> None:
    result = lab.run("audit")
    assert not result.passed
    assert result.findings == (
        "no audit device is enabled (sys/audit lists none): nothing records who read what",
    ), result.explain()
    assert any(e.looked_at == "sys/audit" and "none" in e.found for e in result.evidence)


def test_wildcard_policy_over_every_environment_fails(lab: Lab) -> None:
    """One rule, one finding: what it grants and which environments it reaches."""
    result = lab.run("policies", lab.layout(roles=["store-erp-production-wide"]))
    assert not result.passed
    assert result.findings == (
        'policy store-erp-wide: path "secret/data/store-erp/*" grants read: '
        "cross-environment access: the dev paths (e.g. secret/data/store-erp/development/x), "
        "the staging paths (e.g. secret/data/store-erp/staging/x)",
    ), result.explain()
    assert any("store-erp-wide" in e.looked_at for e in result.evidence)


def test_approle_without_secret_id_ttl_fails(lab: Lab) -> None:
    result = lab.run("approle", lab.layout(roles=["store-erp-production-nottl"]))
    assert not result.passed
    assert any(
        "secret_id_ttl is not set (0): secret_ids never expire" in f for f in result.findings
    ), result.explain()
    assert any("secret_id_ttl=0" in e.found for e in result.evidence)


def test_root_token_left_unrevoked_fails(lab: Lab) -> None:
    result = lab.run("root_tokens")
    assert not result.passed
    assert any(f.startswith("a root token is left unrevoked in prod: root created")
               for f in result.findings), result.explain()  # fmt: skip
    assert lab.server.root_token is not None
    assert lab.server.root_token.reveal() not in result.explain()


def test_dev_profile_allows_the_root_token(lab: Lab) -> None:
    """The verdict follows the profile: dev keeps its root token (the plan's compose)."""
    result = lab.run("root_tokens", lab.layout(profile=PROFILES["dev"]))
    assert result.passed, result.explain()


def test_prod_requires_cidr_binding_and_names_the_role(lab: Lab) -> None:
    result = lab.run("approle", lab.layout(roles=["store-erp-production-unbound"]))
    assert result.findings == (
        "auth/approle/role/store-erp-production-unbound: no CIDR binding: "
        "secret_id_bound_cidrs and token_bound_cidrs are empty, so a leaked secret_id or "
        "token works from anywhere; prod requires binding to the app's networks",
    ), result.explain()
    # The profile says why not: staging does not require it, so the same role passes there.
    staging = lab.layout(profile=PROFILES["staging"], roles=["store-erp-production-unbound"])
    assert lab.run("approle", staging).passed


def test_bound_cidrs_outside_the_profile_s_networks(lab: Lab) -> None:
    strict = replace(PROD, approle=replace(PROD.approle, bound_cidrs=("10.20.0.0/16",)))
    result = lab.run("approle", lab.layout(profile=strict))
    assert set(result.findings) == {  # OpenBao stores a token's /32 as the bare address
        f"auth/approle/role/{PROD.approle_name}: secret_id_bound_cidrs 127.0.0.1/32 outside "
        "10.20.0.0/16",
        f"auth/approle/role/{PROD.approle_name}: token_bound_cidrs 127.0.0.1 outside 10.20.0.0/16",
    }, result.explain()


def _expect(problem, kind: str, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert problem is not None, f"expected {kind}"
    assert problem.kind == kind, str(problem)
    for fragment in fragments:
        assert fragment in problem.message, problem.message


def test_a_token_that_may_read_little_is_one_message_listing_what_it_lacks(lab: Lab) -> None:
    """No check runs; the message lists exactly the reads the token lacks."""
    root = _root(lab)
    root.sys.create_or_update_policy(
        "mounts-only",
        'path "sys/mounts" { capabilities = ["read"] }\n'
        'path "auth/token/lookup-self" { capabilities = ["read"] }\n'
        'path "sys/audit" { capabilities = ["read"] }',
    )
    weak = Secret(
        root.auth.token.create_orphan(policies=["mounts-only"], no_default_policy=True, ttl="10m")[
            "auth"
        ]["client_token"]
    )
    problem = preflight(lab.vault(weak), lab.layout())
    _expect(problem, "token_lacks_reads",
            "read, sudo on sys/audit (audit devices)",
            "read on sys/config/state/sanitized", "read on sys/policies/acl/default",
            "list, sudo on auth/token/accessors", "read on sys/auth (the AppRole mounts)",
            "update on auth/token/lookup-accessor")  # fmt: skip
    assert "on sys/mounts" not in problem.message  # type: ignore[union-attr]
    assert weak.reveal() not in problem.message  # type: ignore[union-attr]


def test_bad_tokens_are_refused_once(lab: Lab) -> None:
    root = _root(lab)
    short = Secret(
        root.auth.token.create_orphan(policies=["auditor"], no_default_policy=True, ttl="1s")[
            "auth"
        ]["client_token"]
    )
    import time

    time.sleep(2.5)
    layout = lab.layout()
    for token in (Secret("s.notavalidtokenatall0000000"), short):
        problem = preflight(lab.vault(token), layout)
        _expect(problem, "token_refused", "the token was refused (HTTP 403 on "
                "auth/token/lookup-self): it is invalid, expired or revoked")  # fmt: skip
        assert token.reveal() not in problem.message  # type: ignore[union-attr]


def test_bad_connections_are_one_message_each(lab: Lab, tmp_path: Path) -> None:
    from vault_gate.fixtures.process import free_port

    layout = lab.layout()
    https = lab.server.addr
    http = https.replace("https://", "http://")
    _expect(preflight(connect(http, lab.auditor, None), layout), "wrong_scheme",
            "the server speaks TLS on this port; use https://")  # fmt: skip
    _expect(preflight(connect(https, lab.auditor, None), layout), "tls_trust",
            "TLS verification failed", "--ca-cert")  # fmt: skip
    _expect(preflight(connect(f"http://127.0.0.1:{free_port()}", lab.auditor), layout),
            "unreachable", "not reachable: connection refused")  # fmt: skip
    assert preflight(lab.vault(), layout) is None


def test_health_states_from_the_server_s_answers() -> None:
    """Plain data of what OpenBao answers (a leaderless standby is costly to stage)."""
    from vault_gate.compliance.live.client import Answer
    from vault_gate.compliance.live.preflight import judge_health

    standby = Answer("read", "sys/health", 200, {"initialized": True, "sealed": False,
                                                 "standby": True})  # fmt: skip
    _expect(judge_health(standby, {"ha_enabled": True, "leader_address": ""}), "no_leader",
            "a standby node with no active node")  # fmt: skip
    _expect(judge_health(standby, {"leader_address": "https://a"}, leader_answers=False),
            "no_leader", "the leader it names (https://a) does not answer")  # fmt: skip
    assert judge_health(standby, {"ha_enabled": True, "leader_address": "https://a"}) is None
    _expect(judge_health(Answer("read", "sys/health", 200, {"x": 1}), None), "not_vault")


def test_sealed_and_uninitialised_servers(
    world: World,
    reaper: Reaper,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    assert world.ca is not None
    directory = tmp_path_factory.mktemp("sealed")
    directory.chmod(0o700)
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    server = start_server(binary, directory / "vault", reaper, world.ca, name="sealed",
                          audit=False)  # fmt: skip
    try:
        vault = connect(server.addr, Secret("s.whatever000000000000000"), str(server.ca_file))
        layout = build_layout(PROD)
        _expect(preflight(vault, layout), "not_initialised", "not initialised")
        initialise(server)
        _expect(preflight(vault, layout), "sealed", "the server is sealed")
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_cli_exit_status_3_and_no_check_run(lab: Lab, tmp_path: Path) -> None:
    import subprocess
    import sys

    token = tmp_path / "bad.token"
    token.write_text("s.notavalidtokenatall0000000")
    token.chmod(0o600)
    done = subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", "check", "--env", "prod",
         "--addr", lab.server.addr.replace("https", "http"), "--token-file", str(token)],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "wrong scheme" in done.stderr, done.stderr


def test_unknown_version_is_a_finding() -> None:
    from vault_gate.compliance.live.server import flavour

    assert flavour("2.7.2") == ("OpenBao", 2)
    assert flavour("1.18.3+ent") == ("HashiCorp Vault", 1)
    assert flavour("3.0.0") == ("unknown", 3)
    assert flavour("") == ("unknown", None)


def test_a_check_that_raises_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    from vault_gate.compliance.live.runner import LiveCheck

    def broken(vault, layout):  # type: ignore[no-untyped-def]
        raise KeyError("surprise")

    layout = build_layout(PROD)
    vault = connect("https://127.0.0.1:1", Secret("x"))
    result = run_one(LiveCheck("broken", "A check", broken), vault, layout)
    assert not result.passed
    assert result.findings == (
        "not checked: A check: the check failed on an unexpected answer (KeyError)",
    )


def _root(lab: Lab):  # type: ignore[no-untyped-def]
    assert lab.server.root_token is not None
    return lab.server.client(lab.server.root_token)


def test_kv_keeping_one_version_or_deleting_early_fails(lab: Lab) -> None:
    root = _root(lab)
    root.secrets.kv.v2.configure(max_versions=1, delete_version_after="1h", mount_point=KV_MOUNT)
    try:
        result = lab.run("kv")
    finally:
        root.secrets.kv.v2.configure(max_versions=0, delete_version_after="0s",
                                     mount_point=KV_MOUNT)  # fmt: skip
    assert not result.passed
    text = result.explain()
    assert "secret/config: keeps 1 version(s); prod needs at least 2" in text
    assert "secret/config: versions are deleted after 3600s, sooner than prod's 24h" in text
    assert lab.run("kv").passed


def test_kv_version_1_mount_is_judged_for_what_it_is(lab: Lab) -> None:
    """Its entries are present (the tree passes); the finding is KV v1's own: no versions.
    The auditor reads a v1 folder by listing it (a rule the operator adds), never a value."""
    root = _root(lab)
    root.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    root.secrets.kv.v1.create_or_update_secret(
        path="billing/production/config", secret={"url": secrets.token_urlsafe(8)},
        mount_point="kv1",
    )  # fmt: skip
    extra = 'path "kv1/billing/production/*" { capabilities = ["list"] }'
    root.sys.create_or_update_policy("auditor-kv1", read_policy("auditor") + "\n" + extra)
    created = root.auth.token.create_orphan(
        policies=["auditor-kv1"], no_default_policy=True, ttl="10m"
    )
    token = Secret(created["auth"]["client_token"])
    layout = lab.layout(vault_paths=["kv1/billing/{tree}/config"])
    vault = lab.vault(token)
    assert preflight(vault, layout) is None
    results = {
        c.id: run_one(c, vault, layout) for c in CHECKS if c.id in ("kv", "tree", "gate_token")
    }
    assert results["tree"].passed, results["tree"].explain()
    assert results["gate_token"].passed, results["gate_token"].explain()
    assert results["kv"].findings == (
        "kv1/ is KV v1: no versions and no rollback, so rotation cannot keep the previous "
        "value for a grace window; use KV v2",
    ), results["kv"].explain()


def test_secret_tree_incomplete_fails(lab: Lab) -> None:
    root = _root(lab)
    root.secrets.kv.v2.create_or_update_secret(
        path=f"{PROD.kv_prefix}/retired", secret={"value": secrets.token_urlsafe(8)},
        mount_point=KV_MOUNT,
    )  # fmt: skip
    root.secrets.kv.v2.delete_latest_version_of_secret(
        path=f"{PROD.kv_prefix}/retired", mount_point=KV_MOUNT
    )
    layout = lab.layout(
        vault_paths=[*STORE_ERP_PATHS, "secret/data/store-erp/{tree}/retired",
                     "secret/data/store-erp/{tree}/payments"],
        keys={"secret/data/store-erp/{tree}/flask": ("secret_key", "pepper")},
    )  # fmt: skip
    result = lab.run("tree", layout)
    assert not result.passed
    assert set(result.findings) == {
        "secret/store-erp/production/retired: its current version is deleted",
        "secret/store-erp/production/payments is missing from the prod tree",
        "secret/store-erp/production/flask: key 'pepper' is missing",
    }, result.explain()


def test_gate_token_with_the_default_policy_fails(lab: Lab) -> None:
    """A token made without -no-default-policy can write (cubbyhole, token renewal)."""
    root = _root(lab)
    token = Secret(
        root.auth.token.create_orphan(policies=["auditor"], ttl="10m")["auth"]["client_token"]
    )
    check = next(c for c in CHECKS if c.id == "gate_token")
    result = run_one(check, lab.vault(token), lab.layout())
    assert not result.passed
    assert any(
        f.startswith("the gate's token is not read-only: sys/policies/acl/default: path")
        for f in result.findings
    ), result.explain()


def test_gate_running_with_a_root_token_fails(lab: Lab) -> None:
    assert lab.server.root_token is not None
    check = next(c for c in CHECKS if c.id == "gate_token")
    result = run_one(check, lab.vault(lab.server.root_token), lab.layout())
    assert "the gate runs with a root token; give it the auditor's token" in result.findings


def test_a_standby_without_a_leader_is_one_message(
    world: World,
    reaper: Reaper,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A three-node raft cluster with two nodes dead: the last one is a standby that can
    elect no leader, and cannot answer; live mode says so once, before any check."""
    from vault_gate.fixtures.faults.cluster import start_cluster
    from vault_gate.fixtures.process import wait_until

    assert world.ca is not None
    directory = tmp_path_factory.mktemp("leaderless")
    directory.chmod(0o700)
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    cluster = start_cluster(binary, directory, reaper, world.ca)
    try:
        leader = cluster.leader()
        assert leader is not None
        last = next(n for n in cluster.nodes if n is not leader)
        for node in cluster.nodes:
            if node is not last:
                cluster.kill(node)
        vault = connect(last.addr, Secret("s.whatever000000000000000"), str(last.ca_file))
        layout = build_layout(PROD)
        seen: list[object] = []

        def leaderless() -> bool:
            seen.append(preflight(vault, layout))
            return getattr(seen[-1], "kind", None) == "no_leader"

        wait_until(leaderless, 30.0, "the last node reports no leader")
        # It still names the dead leader (no election can succeed): that one is asked too.
        _expect(seen[-1], "no_leader", "a standby node with no active node: the leader it "
                "names (https://127.0.0.1:", "does not answer")  # fmt: skip
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)

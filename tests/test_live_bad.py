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

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from compliance.live.runner import CHECK_IDS, CHECKS, connect, run_checks, run_one
from compliance.live.spec import LiveSpec, build_spec
from compliance.profiles import AppRoleSettings, profile
from compliance.result import CheckResult
from compliance.secret import Secret
from fixtures.binaries import resolve_vault_binary
from fixtures.bootstrap import KV_MOUNT, _ensure_kv_v2, issue_auditor_token, read_policy
from fixtures.openbao import VaultServer, initialise, start_server, unseal
from fixtures.reaper import Reaper
from fixtures.world import World

pytestmark = pytest.mark.servers
PROD = profile("prod")
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

    def spec(self, **kwargs: object) -> LiveSpec:
        return build_spec(
            kwargs.pop("profile", PROD),  # type: ignore[arg-type]
            self.server.addr,
            ca_file=str(self.server.ca_file),
            **kwargs,  # type: ignore[arg-type]
        )

    def run(self, check_id: str, spec: LiveSpec | None = None) -> CheckResult:
        spec = spec or self.spec()
        check = next(c for c in CHECKS if c.id == check_id)
        return run_one(check, connect(spec, self.auditor), spec)


def _role(root, name: str, policies: list[str], settings: AppRoleSettings) -> None:  # type: ignore[no-untyped-def]
    root.auth.approle.create_or_update_approle(
        role_name=name,
        token_policies=policies,
        secret_id_ttl=settings.secret_id_ttl,
        token_ttl=settings.token_ttl,
        token_max_ttl=settings.token_max_ttl,
        secret_id_num_uses=settings.secret_id_num_uses,
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
        for entry, keys in build_spec(PROD, server.addr).entries.items():
            root.secrets.kv.v2.create_or_update_secret(
                path=f"{PROD.kv_prefix}/{entry}",
                secret={k: secrets.token_urlsafe(16) for k in keys or ("value",)},
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
    assert "audit device file/ is not enabled (sys/audit lists: none)" in result.findings, (
        result.explain()
    )
    assert any(e.looked_at == "sys/audit" and "none" in e.found for e in result.evidence)


def test_wildcard_policy_over_every_environment_fails(lab: Lab) -> None:
    result = lab.run("policies", lab.spec(approle="store-erp-production-wide"))
    assert not result.passed
    text = result.explain()
    assert any(
        f.startswith("cross-environment access: prod's app may reach the staging tree")
        and 'sys/policies/acl/store-erp-wide: path "secret/data/store-erp/*"' in f
        for f in result.findings
    ), text
    assert any("store-erp-wide" in e.looked_at for e in result.evidence), text


def test_approle_without_secret_id_ttl_fails(lab: Lab) -> None:
    result = lab.run("approle", lab.spec(approle="store-erp-production-nottl"))
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
    result = lab.run("root_tokens", lab.spec(profile=profile("dev"), app="store-erp"))
    assert result.passed, result.explain()


def test_bound_cidrs_required_by_the_profile(lab: Lab) -> None:
    strict = replace(PROD, approle=replace(PROD.approle, bound_cidrs=("10.20.0.0/16",)))
    result = lab.run("approle", lab.spec(profile=strict))
    assert not result.passed
    assert any("secret_id_bound_cidrs is empty; prod requires binding to 10.20.0.0/16" in f
               for f in result.findings), result.explain()  # fmt: skip


def test_a_token_that_may_read_nothing_gets_not_checked_findings(lab: Lab) -> None:
    """403 everywhere: every check says what it could not check; none passes, none crashes."""
    assert lab.server.root_token is not None
    root = lab.server.client(lab.server.root_token)
    root.sys.create_or_update_policy("mounts-only", 'path "sys/mounts" { capabilities = ["read"] }')
    weak = Secret(
        root.auth.token.create_orphan(policies=["mounts-only"], no_default_policy=True, ttl="10m")[
            "auth"
        ]["client_token"]
    )
    spec = lab.spec()
    results = dict((c.id, r) for c, r in run_checks(connect(spec, weak), spec))
    assert list(results) == list(CHECK_IDS)
    for check_id, result in results.items():
        if check_id == "server":
            assert any(f.startswith("not checked: listener TLS") for f in result.findings)
            continue
        assert not result.passed, f"{check_id}:\n{result.explain()}"
        assert any("not checked" in f or "403" in f for f in result.findings), result.explain()


def test_unknown_version_is_a_finding() -> None:
    from compliance.live.server import flavour

    assert flavour("2.7.2") == ("OpenBao", 2)
    assert flavour("1.18.3+ent") == ("HashiCorp Vault", 1)
    assert flavour("3.0.0") == ("unknown", 3)
    assert flavour("") == ("unknown", None)


def test_a_check_that_raises_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    from compliance.live.runner import LiveCheck

    def broken(vault, spec):  # type: ignore[no-untyped-def]
        raise KeyError("surprise")

    spec = build_spec(PROD, "https://127.0.0.1:1")
    result = run_one(LiveCheck("broken", "A check", broken), connect(spec, Secret("x")), spec)
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


def test_kv_version_1_mount_fails(lab: Lab) -> None:
    root = _root(lab)
    root.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    result = lab.run("kv", replace(lab.spec(), kv_mount="kv1"))
    assert not result.passed
    assert any(f.startswith("kv1/ is not KV v2 (type kv, version 1)") for f in result.findings), (
        result.explain()
    )


def test_secret_tree_incomplete_fails(lab: Lab) -> None:
    root = _root(lab)
    root.secrets.kv.v2.create_or_update_secret(
        path=f"{PROD.kv_prefix}/retired", secret={"value": secrets.token_urlsafe(8)},
        mount_point=KV_MOUNT,
    )  # fmt: skip
    root.secrets.kv.v2.delete_latest_version_of_secret(
        path=f"{PROD.kv_prefix}/retired", mount_point=KV_MOUNT
    )
    spec = lab.spec()
    wanted = {**spec.entries, "retired": (), "payments": (), "flask": ("secret_key", "pepper")}
    result = lab.run("tree", replace(spec, entries=wanted))
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
    spec = lab.spec()
    check = next(c for c in CHECKS if c.id == "gate_token")
    result = run_one(check, connect(spec, token), spec)
    assert not result.passed
    assert any(
        f.startswith("the gate's token is not read-only: sys/policies/acl/default: path")
        for f in result.findings
    ), result.explain()


def test_gate_running_with_a_root_token_fails(lab: Lab) -> None:
    assert lab.server.root_token is not None
    spec = lab.spec()
    check = next(c for c in CHECKS if c.id == "gate_token")
    result = run_one(check, connect(spec, lab.server.root_token), spec)
    assert "the gate runs with a root token; give it the auditor's token" in result.findings

"""The suggested policy, proven with the target's real app on fresh servers (issue 28).

A world of its own (the target's set-up applied to fresh servers; the root token kept,
so that the test may change the app's AppRole) runs the app through its probes and its
rotation tool in each environment. From the server's audit log the suggestion is made;
it becomes the only policy the app's AppRole hands out (no default policy either);
a fresh app runs through the same probes and rotation; then:

(a) no request of the app's tokens was denied in the audit log;
(b) least_privilege passes on the suggestion, nothing granted and unused;
(c) ``sys/capabilities`` of a token holding only the suggestion, on every path the app
    requested, equals what its requests needed, and the analyzer says the same.

Runs for the session's target (``--target``; store-erp by default, the ledger sample
with ``--target sample_apps/ledger/target.toml``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from vault_gate.compliance.checks.audit import role_records
from vault_gate.compliance.checks.least_privilege import (
    Scope,
    assumed_mounts,
    check_least_privilege,
)
from vault_gate.compliance.checks.suggest import AppIdentity, observe, suggest
from vault_gate.compliance.live.targetfile import layout_from_target, names_of
from vault_gate.compliance.policy.acl import capabilities, parse_policy
from vault_gate.compliance.profiles import ENVIRONMENTS, PROFILES
from vault_gate.compliance.target import Target
from vault_gate.fixtures.app.process import AppProcess, start_app, stop_app
from vault_gate.fixtures.faults.worlds import backend_from_options
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.rotation import run_rotation
from vault_gate.fixtures.run.world import World, start_world
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def fresh(request: pytest.FixtureRequest, reaper: Reaper, target: Target) -> Iterator[World]:
    profiles = {n: replace(p, revoke_root_token=False) for n, p in PROFILES.items()}
    world = start_world(backend_from_options(request.config), reaper, target, profiles)
    try:
        yield world
    finally:
        world.stop()


def _drive(env: BootstrappedEnvironment, app: AppProcess) -> None:
    """The app through its probes: its user's login and authenticated request, its
    versions probe, where the target declares them."""
    spec = app.target.app if app.target else None
    if spec is None:
        return
    if spec.login is not None and spec.request is not None and env.app_user:
        response = app.authed(app.login())
        assert response.status_code in spec.request.ok, response.status_code
    if spec.versions:
        app.versions()


def _run(env: BootstrappedEnvironment, reaper: Reaper, target: Target) -> tuple[int, AppProcess]:
    """Start a fresh app, drive it, rotate, drive it again, stop it: (log offset, app)."""
    app = start_app(env, reaper, target=target)
    try:
        _drive(env, app)
        if target.rotation is not None and env.rotator_token is not None:
            assert run_rotation(env, app).returncode == 0
            _drive(env, app)
    finally:
        stop_app(app, reaper)
    return app.audit_offset, app


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_the_suggestion_runs_the_app_with_nothing_denied_and_nothing_unused(
    fresh: World, reaper: Reaper, target: Target, env_name: str
) -> None:
    env = fresh.env(env_name)
    profile = env.profile
    assert env.server.root_token is not None and env.server.audit_log is not None
    log, role = env.server.audit_log, profile.approle_name
    layout = layout_from_target(names_of(target), profile, profiles=target.profiles())
    scope = Scope.of_layout(layout, assumed_mounts(layout, [profile.kv_mount]))

    start, _ = _run(env, reaper, target)
    made = suggest(observe(log, AppIdentity("role", role), start=start), scope=scope,
                   environment=env_name)  # fmt: skip
    assert not made.findings, made.findings
    text = made.hcl()

    root = env.server.client(env.server.root_token)
    name = f"{role}-suggested"
    root.sys.create_or_update_policy(name, text)
    path = f"auth/{profile.approle_mount}/role/{role}"
    before = root.read(path)["data"]
    root.write(path, token_policies=[name], token_no_default_policy=True)
    try:
        again, _ = _run(env, reaper, target)
    finally:
        root.write(path, token_policies=before.get("token_policies") or [],
                   token_no_default_policy=bool(before.get("token_no_default_policy")))  # fmt: skip

    # (a) nothing denied
    entries = [r for is_login, r in role_records(log, role, start=again) if not is_login]
    assert entries, "the app made no request under the suggestion"
    denied = [f"{r['request']['operation']} {r['request']['path']}: {r.get('error')}"
              for r in entries if r.get("type") == "response" and r.get("error")]  # fmt: skip
    assert denied == [], denied

    # (b) least privilege passes: nothing too broad, nothing unused
    used = observe(log, AppIdentity("role", role), start=again)
    policy = parse_policy(text, f"{name}.hcl")
    writes = any(set(u.operations) - {"read", "list"} - {"update"} for u in used.uses.values())
    judged = check_least_privilege(
        [policy], profile, layout=layout, read_only=not writes, used_paths=list(used.uses)
    )
    assert judged.passed, judged.explain()

    # (c) sys/capabilities of the suggestion on every path of the log = what was needed
    token = root.auth.token.create(policies=[name], no_default_policy=True, ttl="5m")
    paths = sorted(used.uses)
    server = root.sys.get_capabilities(paths, token=token["auth"]["client_token"])["data"]
    needed = {p: sorted(set(used.uses[p].operations)) for p in paths}
    ours = {p: capabilities([policy], p) for p in paths}
    assert {p: server[p] for p in paths} == ours, "analyzer and server disagree"
    mismatched = {p: (ours[p], needed[p]) for p in paths if ours[p] != needed[p]}
    assert not mismatched, mismatched
    print(f"\n{env_name}: suggestion of {len(made.rules)} rules, {used.requests} requests\n{text}")

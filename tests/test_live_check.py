"""Live mode against the session's own servers: the correct staging and prod pass,
the dev-mode server presented as prod fails, and the auditor token only reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from vault_gate.compliance.checks.audit import iter_entries
from vault_gate.compliance.live.client import LOOKUP_BY_POST
from vault_gate.compliance.live.layout import Layout
from vault_gate.compliance.live.runner import CHECK_IDS, connect, preflight, run_checks
from vault_gate.compliance.live.targetfile import layout_from_target, read_target
from vault_gate.compliance.profiles import Profile, profile
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "store_erp" / "target.toml"


def _layout(prof: Profile, **extra: object) -> Layout:
    """store-erp's layout, from its target file, with its role named (the secure server
    hosts staging's and production's roles side by side)."""
    roles = [f"store-erp-{prof.tree}"]
    return layout_from_target(read_target(TARGET), prof, roles=roles, **extra)  # type: ignore[arg-type]


def _token(env: BootstrappedEnvironment) -> Secret:
    assert env.auditor_token_file is not None
    return Secret(env.auditor_token_file.read_text().strip())


def _vault_gate(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The installed command, in a clean environment (no token anywhere but the file)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_correct_setup_passes(world: World, name: str) -> None:
    env = world.env(name)
    server = env.server
    layout = _layout(env.profile, audit_log=server.audit_log)
    vault = connect(server.addr, _token(env), str(server.ca_file))
    assert preflight(vault, layout) is None
    results = list(run_checks(vault, layout))
    assert [c.id for c, _ in results] == list(CHECK_IDS)
    for check, result in results:
        assert result.passed, f"{check.id}:\n{result.explain()}"


def test_cli_passes_on_staging_and_writes_json_and_junit(world: World, tmp_path: Path) -> None:
    env = world.env("staging")
    server = env.server
    junit = tmp_path / "live.xml"
    done = _vault_gate(
        "check", "--env", "staging", "--addr", server.addr, "--ca-cert", str(server.ca_file),
        "--token-file", str(env.auditor_token_file), "--json", "--junit", str(junit),
        "--target", str(TARGET), "--approle", "store-erp-{tree}",
        "--audit-log", str(server.audit_log),
        home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["passed"] is True and data["environment"] == "staging"
    assert [c["id"] for c in data["checks"]] == list(CHECK_IDS)
    assert set(data["requests"]) <= {"read", "list", "update"}
    assert 'failures="0"' in junit.read_text()
    assert _token(env).reveal() not in done.stdout + done.stderr + junit.read_text()


def test_dev_server_presented_as_prod_fails(world: World, tmp_path: Path) -> None:
    """The plan's docker-compose Vault: dev mode, plain HTTP, a root token alive."""
    dev = world.env("dev")
    layout = _layout(profile("prod"))
    vault = connect(dev.server.addr, _token(dev))
    assert preflight(vault, layout) is None
    results = dict((c.id, r) for c, r in run_checks(vault, layout))
    server = results["server"]
    assert not server.passed
    assert any("requires TLS" in f for f in server.findings), server.explain()
    assert any("dev-mode server (in-memory storage)" in f for f in server.findings)
    assert any("storage=inmem" in e.found for e in server.evidence), server.explain()
    roots = results["root_tokens"]
    assert any("a root token is left unrevoked in prod" in f for f in roots.findings), (
        roots.explain()
    )


def test_auditor_token_only_reads(world: World) -> None:
    """The audit log of a run holds exactly the auditor's requests, and they are reads,
    lists and the one lookup-accessor POST; nothing else. The auditor's entries are
    found by the HMAC of its accessor (sys/audit-hash, asked with the operator token)."""
    env = world.env("prod")
    server = env.server
    assert server.audit_log is not None
    token = _token(env)
    accessor = server.client(token).auth.token.lookup_self()["data"]["accessor"]
    hmac = env.operator().sys.calculate_hash(path="file", input_to_hash=accessor)["data"]["hash"]
    start = server.audit_log.stat().st_size
    layout = _layout(profile("staging"))
    vault = connect(server.addr, token, str(server.ca_file))
    assert preflight(vault, layout) is None
    results = list(run_checks(vault, layout))
    assert all(r.passed for _, r in results), [r.explain() for _, r in results if not r.passed]
    logged = Counter(
        (e.operation, e.path)
        for e in iter_entries(server.audit_log, start=start)
        if e.type == "request" and e.accessor == hmac
    )
    unaudited = {"sys/health", "sys/leader"}  # unauthenticated, not audited
    made = Counter((op, path) for op, path in vault.requests if path not in unaudited)
    assert logged == made, (logged, made)
    assert {op for op, _ in logged} == {"read", "list", "update"}
    assert {path for op, path in logged if op == "update"} == {LOOKUP_BY_POST}


def _pytest_live(world_env: BootstrappedEnvironment, env_name: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    server = world_env.server
    junit = tmp_path / f"live-{env_name}.xml"
    args = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
        "--live", "--live-env", env_name, "--live-addr", server.addr,
        "--live-token-file", str(world_env.auditor_token_file), f"--junitxml={junit}",
        "--target", str(TARGET), "--live-approle", "store-erp-{tree}",
    ]  # fmt: skip
    if server.ca_file:
        args += ["--live-ca-cert", str(server.ca_file)]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=180, cwd=ROOT, check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )  # fmt: skip
    return done, junit


def test_pytest_live_runs_the_checks_as_items(world: World, tmp_path: Path) -> None:
    """``pytest --live``: eight items, JUnit from pytest; nothing else collected."""
    prod = world.env("staging")
    done, junit = _pytest_live(prod, "staging", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 passed" in done.stdout
    xml = junit.read_text()
    assert xml.count("<testcase ") == 8 and 'failures="0"' in xml
    assert 'name="live_root_tokens[staging]"' in xml
    # The dev server presented as prod: the same items fail, with the findings as message.
    dev = world.env("dev")
    done, junit = _pytest_live(dev, "prod", tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "dev-mode server (in-memory storage) in prod" in done.stdout
    assert "a root token is left unrevoked in prod" in junit.read_text()
    for secret in (_token(prod), _token(dev)):
        assert secret.reveal() not in done.stdout + done.stderr + junit.read_text()


def test_pytest_live_without_an_address_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "--live"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr
    assert "--live needs --live-env ENV and --live-addr URL" in done.stderr


def test_cli_dev_server_as_prod_fails_with_sarif(world: World, tmp_path: Path) -> None:
    dev = world.env("dev")
    sarif = tmp_path / "live.sarif"
    done = _vault_gate(
        "check", "--env", "prod", "--addr", dev.server.addr,
        "--token-file", str(dev.auditor_token_file), "--sarif", str(sarif),
        home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL vault_running [prod]" in done.stdout
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    by_rule = {r["ruleId"] for r in results}
    assert {"live/server", "live/root_tokens"} <= by_rule, by_rule
    assert any("dev-mode server (in-memory storage) in prod" in r["message"]["text"]
               for r in results)  # fmt: skip
    assert _token(dev).reveal() not in sarif.read_text() + done.stdout

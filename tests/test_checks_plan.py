"""Checks of the plan's remaining criteria: migrated, docs, CI/CD, rotation.

Each passes on the correct store-erp set-up and fails, for the stated reason, on a
known-bad input; the plan's own sketches (tests/known_bad/plan_sketch) come first.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_erp_target import store_erp

from vault_gate.compliance.checks.docs import check_docs_complete
from vault_gate.compliance.checks.migrated import allowed_reads, check_secrets_migrated
from vault_gate.compliance.checks.rotation import (
    RotationProbe,
    check_rotation,
    memoised_secret_readers,
)
from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.run.rotation import capture_probe, run_rotation, tries
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT, BootstrappedEnvironment

ROOT = Path(__file__).resolve().parent.parent
SKETCH = ROOT / "tests" / "known_bad" / "plan_sketch"
APP_SOURCES = sorted((ROOT / "store_erp").glob("*.py"))
FALLBACK = [ROOT / "store_erp" / "fallback.py"]
PLAN_SECRETS = store_erp().migrated_secrets("prod")  # the same entries in every environment
ALLOW = allowed_reads(store_erp())  # the seed tool's test user, the app's provided variables


def _rotate_help() -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "rotate_secrets.py"), "--help"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip


# -- all secrets migrated -------------------------------------------------------------


@pytest.mark.servers
def test_secrets_migrated_passes(env: BootstrappedEnvironment) -> None:
    result = check_secrets_migrated(
        env.operator(), env.profile, source_files=APP_SOURCES, fallback_files=FALLBACK,
        plan_secrets=PLAN_SECRETS, allow=ALLOW,
    )  # fmt: skip
    assert result.passed, result.explain()


@pytest.mark.servers
def test_missing_secret_fails(world: World) -> None:
    env = world.env("staging")
    custom = {"SECRET_KEY": ("flask", "secret_key"), "SMTP_PASSWORD": ("smtp", "password")}
    result = check_secrets_migrated(env.operator(), env.profile, plan_secrets=custom)
    assert result.findings == (
        "SMTP_PASSWORD: secret/data/store-erp/staging/smtp does not exist",
    ), result.explain()


@pytest.mark.servers
def test_app_reading_a_plan_secret_from_the_environment_fails(world: World) -> None:
    env = world.env("dev")
    # Without naming the fallback module as the exception, its reads are findings.
    result = check_secrets_migrated(
        env.operator(), env.profile, source_files=APP_SOURCES, plan_secrets=PLAN_SECRETS
    )
    assert not result.passed
    assert any("fallback.py" in f and "reads SECRET_KEY" in f for f in result.findings)
    # The plan's sketch reads VAULT_TOKEN: a static token by another name, a finding.
    sketch = check_secrets_migrated(
        env.operator(), env.profile, source_files=[SKETCH / "src" / "vault_client.py"],
        plan_secrets=PLAN_SECRETS,
    )  # fmt: skip
    assert sketch.findings == (
        f"{SKETCH / 'src' / 'vault_client.py'}:9: reads the credential VAULT_TOKEN from the "
        "environment: a static Vault token, not an AppRole login",
    ), sketch.explain()
    # ... and so does any variable the target declares as a credential.
    declared = check_secrets_migrated(
        env.operator(), env.profile, source_files=APP_SOURCES, fallback_files=FALLBACK,
        plan_secrets=PLAN_SECRETS, credential_env=("STORE_ERP_ROLE_ID",), allow=ALLOW,
    )  # fmt: skip
    assert any("reads the credential STORE_ERP_ROLE_ID" in f for f in declared.findings)


# -- documentation complete -------------------------------------------------------------


def _docs_check(docs: Path) -> tuple:
    return check_docs_complete(
        docs, "prod", repo_root=ROOT, tool_help={"rotate_secrets.py": _rotate_help()},
        source_files=APP_SOURCES, env_prefixes=("STORE_ERP_",),
        exclude=store_erp().scan_exclude,
    ).findings  # fmt: skip


def test_docs_complete_passes() -> None:
    assert _docs_check(ROOT / "docs") == ()


def test_docs_missing_guide_or_naming_what_does_not_exist_fail(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / "rotation.md").unlink()
    with open(docs / "usage.md", "a") as fh:
        fh.write(
            "\n```sh\npython3 scripts/rotate_keys.py --env prod\n"
            "python3 scripts/rotate_secrets.py --env prod --force jwt\n```\n"
            "Set `STORE_ERP_DEBUG_SECRETS=1` to see values.\n"
        )
    findings = _docs_check(docs)
    assert any(f.startswith("no rotation guide") for f in findings), findings
    assert "usage.md: names scripts/rotate_keys.py, which does not exist" in findings
    assert "usage.md: `rotate_secrets.py --force`: rotate_secrets.py has no --force" in findings
    assert any(
        re.fullmatch(r"usage\.md:\d+: names STORE_ERP_DEBUG_SECRETS, which no code or script of "
                     r"the repository names \(\d+ files searched\)", f)
        for f in findings
    ), findings  # fmt: skip


def test_a_stub_guide_fails(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / "setup.md").write_text("# Setup\n\nTODO\n")
    assert any(
        "the setup guide has 3 words, fewer than the 80-word minimum" in f
        for f in _docs_check(docs)
    )


# -- rotation works and invalidates old values ----------------------------------------


@pytest.mark.servers
def test_rotation_check_passes(world: World, env: BootstrappedEnvironment, app_factory) -> None:
    app = app_factory(env)
    probe = capture_probe(env, app)
    run = run_rotation(env, app)
    time.sleep(3.2)  # past the grace window (2 s) and the app's cache TTL (1 s)
    result = check_rotation(
        tries(world, env, app), env.profile.name, probe, rotated=run.after, before=run.before,
        source_files=APP_SOURCES,
    )  # fmt: skip
    assert result.passed, result.explain()
    assert len(result.evidence) == 7
    text = result.explain()
    olds = [probe.jwt, probe.session_cookie, probe.db_password, probe.secret_id]
    assert all(olds)
    assert_no_leak(text, olds, "the rotation check's explanation")  # type: ignore[arg-type]


@pytest.mark.servers
def test_a_cache_that_never_expires_fails(world: World, app_factory) -> None:
    """The plan's lru_cache, in effect: an app whose cache outlives the rotation keeps the
    old keys; the check says so for the JWT, the cookie and the served versions."""
    env = world.env("staging")
    app = app_factory(env, extra_env={"STORE_ERP_CACHE_TTL_S": "3600"})
    probe = capture_probe(env, app)
    run = run_rotation(env, app)
    time.sleep(3.2)
    result = check_rotation(
        tries(world, env, app), "staging", probe, rotated=run.after, before=run.before
    )
    findings = "\n".join(result.findings)
    assert "the old credential" in findings and "is still accepted (HTTP 200)" in findings
    assert "the old session cookie is still accepted (HTTP 200)" in findings
    assert f"the app serves jwt version {probe.versions_before['jwt']}" in findings
    # What the rotation tool did revoke is still proven revoked:
    assert "database login" not in findings and "secret_id" not in findings


@pytest.mark.servers
def test_an_old_secret_id_and_db_login_that_survive_fail(world: World, app_factory) -> None:
    """A "rotation" that issues new credentials without revoking the old ones."""
    env = world.env("prod")
    app = app_factory(env)
    probe = capture_probe(env, app)
    env.new_secret_id()  # new one issued, old one left alive
    result = check_rotation(tries(world, env, app), "prod", probe)
    findings = "\n".join(result.findings)
    assert f"the old database login {probe.db_user} still works" in findings
    assert probe.secret_id is not None
    assert f"the old secret_id ({probe.secret_id.fingerprint}) can still log in" in findings


def test_the_plans_lru_cache_is_found() -> None:
    assert memoised_secret_readers(SKETCH / "src" / "vault_client.py") == [(16, "get_secret")]
    for file in APP_SOURCES:
        assert memoised_secret_readers(file) == [], file


@pytest.mark.servers
def test_kv_versions_are_not_served_stale_after_rotation(world: World, app_factory) -> None:
    """The served-version half on its own: a version rotated twice is compared exactly."""
    env = world.env("dev")
    app = app_factory(env)
    before = app.request("GET", "/health").json()["secrets"]["flask"]["version"]
    env.operator().secrets.kv.v2.create_or_update_secret(
        path=env.kv_path("flask"),
        secret={"secret_key": secrets.token_urlsafe(32)},
        mount_point=KV_MOUNT,
    )
    env.refresh_tree()
    time.sleep(1.2)
    targets = tries(world, env, app)
    good = check_rotation(
        targets, "dev", RotationProbe(), rotated={"flask": before + 1}, before={"flask": before}
    )
    assert good.passed, good.explain()
    bad = check_rotation(
        targets, "dev", RotationProbe(), rotated={"flask": before + 2}, before={"flask": before}
    )
    assert bad.findings == (
        f"the app serves flask version {before + 1}, not the rotated version {before + 2}",
    )


def test_stale_cache_check() -> None:
    from vault_gate.compliance.checks.rotation import check_no_stale_cache

    assert check_no_stale_cache(APP_SOURCES, "prod").passed
    bad = check_no_stale_cache([SKETCH / "src" / "vault_client.py"], "prod")
    # the lru_cache on get_secret, and the module-level read at import that feeds SECRET_KEY
    assert len(bad.findings) == 2, bad.findings
    assert "vault_client.py:16: get_secret is memoised by @lru_cache" in bad.findings[0]
    assert "vault_client.py:33: flask_secrets is initialised from a Vault read" in bad.findings[1]
    assert check_no_stale_cache([], "prod").findings == (
        "no source file given: the application's code was not read",
    )


def test_logs_check(tmp_path: Path) -> None:
    from vault_gate.compliance.scan.repo import check_no_secrets_in_logs

    value = Secret("L0g" + secrets.token_hex(12))
    log = tmp_path / "app.log"
    log.write_text("GET /health 200\nINFO started\n")
    assert check_no_secrets_in_logs([log], "dev", [value]).passed
    log.write_text(f"GET /health 200\nDEBUG loaded key {value.reveal()}\n")
    bad = check_no_secrets_in_logs([log], "dev", [value])
    assert any("known secret value" in f and value.fingerprint in f for f in bad.findings)
    assert check_no_secrets_in_logs([tmp_path / "gone.log"], "dev", [value]).findings == (
        f"log file {tmp_path / 'gone.log'} does not exist: it cannot be scanned",
    )

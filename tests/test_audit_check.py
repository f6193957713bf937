"""Criteria "Audit logging enabled" and "The application retrieves its secrets from Vault".

Judged on the real servers' file audit logs after driving the real app, in dev,
staging and prod. Known-bad cases: a missing device, a device configured wrong, a
log that is missing, empty, or holds a value in plain text, a canary never read, an
AppRole that never logged in, an app that never asked Vault, reads that were refused.
The log reader itself must survive corrupt and truncated lines.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hvac.exceptions
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_gate.compliance.checks import audit
from vault_gate.compliance.checks.audit import (
    AuditStats,
    app_paths,
    check_app_reads_from_vault,
    check_audit_enabled,
    iter_entries,
    role_request_paths,
    summarize,
)
from vault_gate.compliance.profiles import profile
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.app.process import AppProcess, audit_logins, fallback_environment
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT, BootstrappedEnvironment

StartApp = Callable[..., AppProcess]


def log_of(env: BootstrappedEnvironment) -> Path:
    assert env.server.audit_log is not None
    return env.server.audit_log


def drive_app(env: BootstrappedEnvironment, app_factory: StartApp) -> AppProcess:
    """Start the app, log in, list orders: it has read its secrets from Vault by now."""
    app = app_factory(env)
    token = app.login()
    orders = app.request("GET", "/orders", headers={"Authorization": f"Bearer {token}"})
    assert orders.status_code == 200, orders.text
    return app


def write_and_read_canary(env: BootstrappedEnvironment) -> Secret:
    """A fresh value written to <kv_prefix>/canary and read back by the operator."""
    canary = Secret(secrets.token_urlsafe(32))
    operator = env.operator()
    operator.secrets.kv.v2.create_or_update_secret(
        path=env.kv_path("canary"), secret={"value": canary.reveal()}, mount_point=KV_MOUNT
    )
    read = operator.secrets.kv.v2.read_secret_version(
        path=env.kv_path("canary"), mount_point=KV_MOUNT, raise_on_deleted_version=True
    )
    assert Secret(read["data"]["data"]["value"]) == canary
    return canary


def matching(result: CheckResult, pattern: str) -> list[str]:
    return [f for f in result.findings if re.search(pattern, f)]


def assert_value_absent(result: CheckResult, value: Secret) -> None:
    assert_no_leak(result.explain() + repr(result), [value], "the check's result")


# -- passing on the real servers -------------------------------------------------------


@pytest.mark.servers
def test_audit_enabled_passes_after_driving_the_app(
    env: BootstrappedEnvironment, app_factory: StartApp
) -> None:
    drive_app(env, app_factory)
    canary = write_and_read_canary(env)
    result = check_audit_enabled(
        env.operator(),
        log_of(env),
        env.profile,
        canary=canary,
        app_role=env.profile.approle_name,
    )
    assert result.passed, result.explain()
    assert_value_absent(result, canary)
    found = {e.looked_at: e.found for e in result.evidence}
    assert "log_raw=false" in found["sys/audit file/"]
    assert re.search(
        r"HMAC in [1-9]\d* read responses \(file/\)", found[f"canary {canary.fingerprint}"]
    )


@pytest.mark.servers
def test_app_reads_from_vault_passes(env: BootstrappedEnvironment, app_factory: StartApp) -> None:
    """Only the log written since this app started is judged: its own reads count."""
    start = log_of(env).stat().st_size
    drive_app(env, app_factory)
    result = check_app_reads_from_vault(
        log_of(env), env.profile, env.profile.approle_name, app_paths(env.profile), start=start
    )
    assert result.passed, result.explain()
    assert set(app_paths(env.profile)) == {
        f"secret/data/store-erp/{env.profile.tree}/flask",
        f"secret/data/store-erp/{env.profile.tree}/jwt",
        f"secret/data/store-erp/{env.profile.tree}/database",
        f"secret/data/store-erp/{env.profile.tree}/redis",
        f"secret/data/store-erp/{env.profile.tree}/api",
        f"database/creds/{env.profile.database_role}",
    }
    for value in env.known_values():
        assert_value_absent(result, value)


@pytest.mark.servers
def test_entries_describe_the_apps_reads(world: World, app_factory: StartApp) -> None:
    env = world.env("staging")
    start = log_of(env).stat().st_size
    drive_app(env, app_factory)
    stats = AuditStats()
    entries = list(iter_entries(log_of(env), stats, start=start))
    assert stats.entries == len(entries) > 0 and stats.corrupt == 0
    login = next(
        e
        for e in entries
        if e.type == "response" and e.path == "auth/approle/login" and e.role_name
    )
    assert login.role_name == env.profile.approle_name
    assert login.accessor.startswith("hmac-sha256:")
    flask = env.kv_path("flask")
    read = next(e for e in entries if e.type == "response" and e.path == f"secret/data/{flask}")
    assert read.accessor == login.accessor
    assert read.operation == "read" and read.has_data and not read.error
    assert env.profile.policy_name in read.policies and read.display_name == "approle"


# -- known-bad: audit_enabled ----------------------------------------------------------


@pytest.mark.servers
def test_missing_device_fails(env: BootstrappedEnvironment) -> None:
    profile = dataclasses.replace(env.profile, audit_devices=("file", "file2"))
    result = check_audit_enabled(env.operator(), log_of(env), profile)
    assert result.findings == ("audit device file2/ is not enabled (sys/audit lists: file/)",)


@pytest.mark.servers
def test_sys_audit_refused_fails(world: World) -> None:
    """A client without a token: sys/audit and sys/audit-hash refuse it; both are named."""
    env = world.env("dev")
    canary = Secret(secrets.token_urlsafe(32))
    anonymous = env.server.client()
    anonymous.token = None  # hvac would otherwise pick up VAULT_TOKEN or ~/.vault-token
    result = check_audit_enabled(anonymous, log_of(env), env.profile, canary=canary)
    assert matching(result, r"^could not list audit devices \(sys/audit\): Forbidden")
    assert matching(result, r"^could not compute the canary's HMAC via sys/audit-hash/file: ")


class _Sys:
    def __init__(self, devices: dict[str, Any]) -> None:
        self.devices = devices

    def list_enabled_audit_devices(self) -> dict[str, Any]:
        return {"data": self.devices}

    def calculate_hash(self, path: str, input_to_hash: str) -> dict[str, Any]:
        return {"data": {}}


class FakeClient:
    """A sys/audit answer the session's servers cannot give (OpenBao only takes audit
    devices from its config file, so a misconfigured one would need another server)."""

    def __init__(self, devices: dict[str, Any]) -> None:
        self.sys = _Sys(devices)


def test_raw_or_non_file_device_fails(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(b'{"type":"request","request":{"path":"sys/health"}}\n')
    devices = {
        "file/": {"type": "syslog", "options": {"log_raw": "true"}},
    }
    result = check_audit_enabled(FakeClient(devices), log, profile("prod"))  # type: ignore[arg-type]
    assert result.findings == (
        "audit device file/ is of type syslog, not file",
        "audit device file/ has log_raw on: secret values reach its log unhashed",
    )
    devices = {"file/": {"type": "file", "options": {"file_path": "discard", "log_raw": "1"}}}
    result = check_audit_enabled(FakeClient(devices), log, profile("prod"))  # type: ignore[arg-type]
    assert result.findings == (
        "audit device file/ has log_raw on: secret values reach its log unhashed",
        f"audit device file/ writes to discard, not to the log examined ({log})",
    )


def test_audit_hash_without_a_hash_fails(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(b'{"type":"request","request":{"path":"sys/health"}}\n')
    devices = {"file/": {"type": "file", "options": {"file_path": str(log)}}}
    canary = Secret(secrets.token_urlsafe(32))
    result = check_audit_enabled(FakeClient(devices), log, profile("dev"), canary=canary)  # type: ignore[arg-type]
    assert result.findings == ("sys/audit-hash/file returned no hash for the canary",)


@pytest.mark.servers
def test_missing_or_empty_log_fails(world: World, tmp_path: Path) -> None:
    env = world.env("dev")
    missing = tmp_path / "missing.log"
    result = check_audit_enabled(env.operator(), missing, env.profile)
    assert matching(result, rf"^could not read the audit log {missing}: does not exist$")
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    result = check_audit_enabled(env.operator(), empty, env.profile)
    assert matching(result, rf"^audit device file/ writes to .*, not to the log examined \({empty}")
    assert matching(result, rf"^the audit log {empty} has no entries$")


@pytest.mark.servers
@pytest.mark.parametrize("special", ["", '<"&>\\'])
def test_canary_in_plain_text_fails(world: World, tmp_path: Path, special: str) -> None:
    """A synthetic log where a request's data was logged raw, JSON-escaped as Go does."""
    env = world.env("dev")
    canary = Secret(secrets.token_urlsafe(32) + special)
    entry = {
        "time": "2026-01-01T00:00:00Z",
        "type": "request",
        "auth": {"accessor": "hmac-sha256:00", "display_name": "token"},
        "request": {
            "operation": "create",
            "path": f"secret/data/{env.kv_path('canary')}",
            "data": {"data": {"value": canary.reveal()}},
        },
    }
    line = orjson.dumps(entry)
    for char, go_escape in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026")):
        line = line.replace(char, go_escape)
    log = tmp_path / "audit.log"
    log.write_bytes(line + b"\n")
    result = check_audit_enabled(env.operator(), log, env.profile, canary=canary)
    assert matching(
        result, rf"^canary {canary.fingerprint} appears in plain text in the audit log \(1 lines\)"
    ), result.explain()
    assert_value_absent(result, canary)


@pytest.mark.servers
def test_canary_never_read_fails(env: BootstrappedEnvironment) -> None:
    """A value never read through Vault fails: one that never went in, and one only written.

    The check's own sys/audit-hash call logs the canary's HMAC (the request's input is
    hashed with the same salt), and a write logs it in the request data: neither is a read.
    """
    operator = env.operator()
    never = Secret(secrets.token_urlsafe(32))
    written = Secret(secrets.token_urlsafe(32))
    operator.secrets.kv.v2.create_or_update_secret(
        path=env.kv_path("canary"), secret={"value": written.reveal()}, mount_point=KV_MOUNT
    )
    for canary in (never, written):
        result = check_audit_enabled(operator, log_of(env), env.profile, canary=canary)
        assert result.findings == (
            f"canary {canary.fingerprint}: its HMAC (sys/audit-hash/file) is in no read response "
            "in the audit log: the canary was not read and logged hashed",
        )
        assert_value_absent(result, canary)
        hashed = operator.sys.calculate_hash(path="file", input_to_hash=canary.reveal())
        assert hashed["data"]["hash"].encode() in log_of(env).read_bytes()


@pytest.mark.servers
def test_approle_without_entries_fails(world: World) -> None:
    env = world.env("prod")
    result = check_audit_enabled(
        env.operator(), log_of(env), env.profile, app_role="store-erp-nobody"
    )
    assert result.findings == (
        "no entries by tokens of AppRole store-erp-nobody (0 successful logins to it in the log)",
    )


# -- known-bad: app_reads_from_vault ---------------------------------------------------


@pytest.mark.servers
def test_role_that_never_logged_in_fails(env: BootstrappedEnvironment) -> None:
    result = check_app_reads_from_vault(
        log_of(env), env.profile, "store-erp-nobody", app_paths(env.profile)
    )
    assert result.findings[0] == "no successful AppRole login by store-erp-nobody in the audit log"
    assert result.findings[1:] == tuple(
        f"{path} was never read successfully by a token of AppRole store-erp-nobody"
        for path in app_paths(env.profile)
    )


@pytest.mark.servers
def test_dev_fallback_app_reads_nothing_from_vault(world: World, app_factory: StartApp) -> None:
    """The dev app on its environment-variable fallback: serving, but no read in the log."""
    env = world.env("dev")
    assert world.pg is not None
    fallback = fallback_environment(env, world.pg)  # before `start`: it logs in as the role
    start = log_of(env).stat().st_size
    app = app_factory(env, vault_addr=f"http://127.0.0.1:{free_port()}", extra_env=fallback)
    token = app.login()
    assert app.request("GET", "/orders", headers={"Authorization": f"Bearer {token}"}).ok
    assert app.request("GET", "/health").json()["source"] == "environment"

    result = check_app_reads_from_vault(
        log_of(env), env.profile, env.profile.approle_name, app_paths(env.profile), start=start
    )
    assert not result.passed
    for path in app_paths(env.profile):
        assert (
            f"{path} was never read successfully by a token of AppRole {env.profile.approle_name}"
            in result.findings
        )
    assert_no_leak(
        result.explain(), [Secret(v) for v in fallback.values()], "the check's explanation"
    )


@pytest.mark.servers
def test_refused_and_empty_reads_are_named(world: World) -> None:
    """prod's AppRole reading staging's tree (refused) and a missing entry (no data)."""
    prod, staging = world.env("prod"), world.env("staging")
    start = log_of(prod).stat().st_size
    client = prod.app_login()
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.read_secret_version(
            path=staging.kv_path("flask"), mount_point=KV_MOUNT, raise_on_deleted_version=True
        )
    with pytest.raises(hvac.exceptions.InvalidPath):
        client.secrets.kv.v2.read_secret_version(
            path=prod.kv_path("absent"), mount_point=KV_MOUNT, raise_on_deleted_version=True
        )
    paths = [f"secret/data/{staging.kv_path('flask')}", f"secret/data/{prod.kv_path('absent')}"]
    result = check_app_reads_from_vault(
        log_of(prod), prod.profile, prod.profile.approle_name, paths, start=start
    )
    role = prod.profile.approle_name
    assert result.findings == (
        f"{paths[0]} was never read successfully by a token of AppRole {role} "
        "(failed reads: 1x permission denied)",
        f"{paths[1]} was never read successfully by a token of AppRole {role} "
        "(failed reads: 1x no data in the response)",
    ), result.explain()


def test_unreadable_log_fails(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    result = check_app_reads_from_vault(missing, profile("dev"), "store-erp-development", ["x"])
    assert result.findings == (f"could not read the audit log {missing}: does not exist",)


# -- the reader: corrupt lines, summary ------------------------------------------------


def _entry(kind: str, path: str, **extra: Any) -> bytes:
    record = {
        "time": "2026-01-01T00:00:00Z",
        "type": kind,
        "auth": {"accessor": "hmac-sha256:aa", "policies": ["default"]},
        "request": {"operation": "read", "path": path},
        **extra,
    }
    return orjson.dumps(record) + b"\n"


def test_corrupt_and_truncated_lines_are_counted_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "MAX_LINE_BYTES", 4096)
    good = _entry("request", "secret/data/a")
    answered = _entry("response", "secret/data/a", error="1 error occurred:\n\t* denied\n\n")
    log = tmp_path / "audit.log"
    log.write_bytes(
        good
        + b"\n"  # blank
        + good[: len(good) // 2]
        + b"\n"  # truncated mid-entry
        + b"\x00\xff garbage\n"
        + b"[1, 2, 3]\n"  # JSON, not an object
        + b'{"type": "heartbeat"}\n'  # an object, not an entry
        + b'{"type": "request", "auth": 7, "request": "x"}\n'  # fields of the wrong type
        + b'{"x": "'
        + b"y" * 10_000
        + b'"}\n'  # oversized
        + answered
        + good[:-20]  # the last line cut by a crash: no newline
    )
    stats = AuditStats()
    entries = list(iter_entries(log, stats))
    assert [(e.type, e.path, e.error) for e in entries] == [
        ("request", "secret/data/a", ""),
        ("request", "", ""),
        ("response", "secret/data/a", "denied"),
    ]
    counts = (stats.entries, stats.corrupt, stats.oversized, stats.ignored, stats.blank)
    assert counts == (3, 5, 1, 1, 1)
    assert stats.lines == 10 and stats.bytes_read == log.stat().st_size

    summary = summarize(log)
    orjson.dumps(summary)  # JSON-serialisable
    assert summary["entries"] == 3 and summary["corrupt_lines"] == 5
    assert summary["by_type"] == {"request": 2, "response": 1}
    assert summary["top_paths"] == {"secret/data/a": 1, "(none)": 1}
    assert summary["errors"] == 1 and summary["top_errors"] == {"denied": 1}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(max_size=200) | st.sampled_from([b"{", b'{"type":"request"', b"}"])))
def test_arbitrary_bytes_never_crash_the_reader(tmp_path: Path, chunks: list[bytes]) -> None:
    log = tmp_path / "fuzz.log"
    log.write_bytes(b"\n".join(chunks))
    stats = AuditStats()
    for _ in iter_entries(log, stats):
        pass
    summary = summarize(log)
    assert summary["lines"] == stats.lines
    assert stats.entries + stats.corrupt + stats.ignored + stats.blank == stats.lines


@pytest.mark.servers
def test_summary_of_a_real_log(world: World, tmp_path: Path) -> None:
    env = world.env("staging")
    summary = summarize(log_of(env), top=5)
    assert summary["entries"] > 0 and summary["corrupt_lines"] == 0
    assert set(summary["by_type"]) == {"request", "response"}
    assert len(summary["top_paths"]) <= 5
    assert audit.main(["summary", str(log_of(env)), "--top", "3"]) == 0
    assert audit.main(["summary", str(tmp_path / "missing.log")]) == 2


@pytest.mark.servers
def test_an_app_is_judged_by_its_own_logins_not_by_its_roles(
    env: BootstrappedEnvironment,
) -> None:
    """Two processes of one AppRole (an app and the next one starting, say): the one that
    read every path passes, the one that only logged in fails, although the role as a
    whole read every path. Its logins are the HMACs of its own secret_id."""
    log, role, paths = log_of(env), env.profile.approle_name, list(app_paths(env.profile))
    start = log.stat().st_size
    reader_id, idle_id = env.new_secret_id(), env.new_secret_id()
    reader = env.app_login(reader_id)
    for name in env.profile.kv_entries:
        env.read_entry(reader, name)
    reader.secrets.database.generate_credentials(
        name=env.profile.database_role, mount_point=env.profile.database_mount
    )
    env.app_login(idle_id)  # logs in, reads nothing
    reader_logins, idle_logins = audit_logins(env, reader_id), audit_logins(env, idle_id)
    assert reader_logins and idle_logins and reader_logins.isdisjoint(idle_logins)

    by_role = check_app_reads_from_vault(log, env.profile, role, paths, start=start)
    assert by_role.passed, by_role.explain()
    mine = check_app_reads_from_vault(log, env.profile, role, paths, start=start,
                                      logins=reader_logins)  # fmt: skip
    assert mine.passed, mine.explain()
    idle = check_app_reads_from_vault(log, env.profile, role, paths, start=start,
                                      logins=idle_logins)  # fmt: skip
    assert idle.findings == tuple(
        f"{path} was never read successfully by a token of AppRole {role}" for path in paths
    )
    assert any("with the app's own secret_id" in e.looked_at for e in idle.evidence)

    assert set(paths) <= role_request_paths(log, role, start=start, logins=reader_logins)
    assert role_request_paths(log, role, start=start, logins=idle_logins) == set()

    audited = check_audit_enabled(env.operator(), log, env.profile, app_role=role, start=start,
                                  logins=idle_logins)  # fmt: skip
    assert (
        f"no entries by tokens of AppRole {role} with the app's own secret_id "
        "(1 successful logins to it in the log)"
    ) in audited.findings

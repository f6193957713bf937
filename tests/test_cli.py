"""The vault-gate command line, run as a real process, as documented in the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from store_erp_target import TARGET_FILE as STORE_ERP_TARGET

from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "vault" / "policies"
PLAN_POLICY = ROOT / "tests" / "known_bad" / "plan_sketch" / "vault" / "policies" / "app-policy.hcl"


def vault_gate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "vault-gate"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "scan-env" in out.stdout


def test_policy_capabilities() -> None:
    out = vault_gate(
        "policy", "capabilities", "--policy", str(POLICIES / "store-erp-production.hcl"),
        "--path", "secret/data/store-erp/production/flask",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["read"]
    other = vault_gate(
        "policy", "capabilities", "--policy", str(POLICIES / "store-erp-production.hcl"),
        "--path", "secret/data/store-erp/development/flask",
    )  # fmt: skip
    assert json.loads(other.stdout) == ["deny"]


def test_policy_check_fails_the_plans_policy() -> None:
    check = ("policy", "check", "--target", str(STORE_ERP_TARGET))
    good = vault_gate(*check, "--policy", str(POLICIES / "store-erp-production.hcl"),
                      "--env", "prod")  # fmt: skip
    assert good.returncode == 0, good.stdout
    bad = vault_gate(
        "policy",
        "check",
        "--target",
        str(STORE_ERP_TARGET),
        "--policy",
        str(PLAN_POLICY),
        "--env",
        "prod",
        "--json",
    )
    assert bad.returncode == 1
    result = json.loads(bad.stdout)
    assert result["criterion"] == "least_privilege" and result["passed"] is False
    assert any("development" in f for f in result["findings"])


def test_bad_policy_file_is_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.hcl"
    broken.write_text('path "secret/*" { capabilities = ["read" }\n')
    out = vault_gate("policy", "capabilities", "--policy", str(broken), "--path", "secret/x")
    assert out.returncode == 2 and str(broken) in out.stderr


def test_audit_summary(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    entry = {
        "type": "request",
        "time": "2026-11-29T08:00:00Z",
        "auth": {"accessor": "hmac-sha256:abc"},
        "request": {"path": "secret/data/store-erp/staging/flask", "operation": "read"},
    }
    log.write_bytes(orjson.dumps(entry) + b"\n" + b'{"type": "resp\n')
    out = vault_gate("audit", "summary", str(log))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert "secret/data/store-erp/staging/flask" in json.dumps(summary)
    assert vault_gate("audit", "summary", str(tmp_path / "nope")).returncode == 2


def test_scan_env_finds_a_secret_in_a_process(tmp_path: Path) -> None:
    value = "f" * 8 + os.urandom(12).hex()
    known = tmp_path / "known"
    known.write_text(value + "\n")
    known.chmod(0o600)
    proc = subprocess.Popen(["sleep", "30"], env={"PATH": "/usr/bin:/bin", "EXTRA": value})
    try:
        time.sleep(0.2)
        out = vault_gate("scan-env", str(proc.pid), "--known-values", str(known), "--json")
    finally:
        proc.kill()
        proc.wait()
    assert out.returncode == 1, out.stdout + out.stderr
    assert "EXTRA" in out.stdout
    assert_no_leak(out.stdout + out.stderr, [Secret(value)], "vault-gate scan-env output")
    known.chmod(0o644)
    refused = vault_gate("scan-env", "1", "--known-values", str(known))
    assert refused.returncode == 2 and "readable by others" in refused.stderr


@pytest.mark.parametrize("history", [False, True])
def test_scan_json(tmp_path: Path, history: bool) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    password = "Zq" + os.urandom(10).hex()
    (repo / "settings.ini").write_text(f"[db]\nurl = postgresql://app:{password}@db:5432/app\n")
    args = ["scan", str(repo), "--json"] + (["--history"] if history else [])
    out = vault_gate(*args)
    assert out.returncode == 1, out.stderr
    findings = json.loads(out.stdout)
    assert findings and set(findings[0]) >= {"path", "line", "kind", "fingerprint"}
    assert_no_leak(out.stdout + out.stderr, [Secret(password)], "vault-gate scan output")
    (repo / "settings.ini").write_text("[db]\nurl = postgresql://app:${DB_PASSWORD}@db/app\n")
    assert vault_gate("scan", str(repo)).returncode == 0
    assert vault_gate("scan", str(tmp_path / "missing")).returncode == 2


def test_policy_capabilities_by_the_rules_of_either_server(tmp_path: Path) -> None:
    """``subscribe`` is HashiCorp Vault's capability: read under its rules, refused (exit 2,
    bad input) under OpenBao's, which refuse the policy as the server does."""
    policy = tmp_path / "events.hcl"
    policy.write_text('path "sys/events/subscribe/*" { capabilities = ["read", "subscribe"] }\n')
    args = ("policy", "capabilities", "--policy", str(policy), "--path", "sys/events/subscribe/x")
    on_vault = vault_gate(*args, "--flavour", "vault")
    assert on_vault.returncode == 0, on_vault.stderr
    assert json.loads(on_vault.stdout) == ["read", "subscribe"]
    on_openbao = vault_gate(*args)
    assert on_openbao.returncode == 2 and "subscribe" in on_openbao.stderr

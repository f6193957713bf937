"""The sign-off end to end: a real `pytest -k success_criteria` run in a subprocess.

One inner run (real servers, real app) serves every test here: the report files and
the JUnit XML exist and agree, no secret value of the inner session appears in any
report or in its output, an expired waiver fails the gate, and the HTML report
renders in a real browser (headless Chromium).

The run carries the hygiene probe (tests/data/hygiene_probe.py), which searches every
file under the servers' and the apps' directories for the session's values while
those files exist, and records every process and directory the run made; its temp
dirs all go to a TMPDIR of its own. So the hygiene of the gate itself is judged on
the same run: no canary or secret in any file it wrote, nothing left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from hygiene_scan import unexpected
from inner_pytest import (
    SIGNOFF_SCENARIOS,
    gate_command,
    probed_env,
    run_tmpdir,
    wait_nothing_left,
)

from vault_gate.compliance.criteria import CRITERIA
from vault_gate.compliance.report.signoff import format_duration
from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
SKETCH_TARGET = ROOT / "tests" / "known_bad" / "plan_sketch" / "target.toml"
INNER_TIMEOUT_S = 900
SCENARIOS = SIGNOFF_SCENARIOS
EXPIRED_WAIVER = """
[[waiver]]
criterion = "vault_running"
environment = "dev"
reason = "a waiver nobody renewed"
owner = "ops@example.com"
expires = 2020-01-01
"""


@dataclass
class SignoffRun:
    returncode: int
    output: str
    reports: Path
    known_values: list[str]
    probe: Path | None = None  # what the hygiene probe wrote
    tmpdir: Path | None = None  # the run's TMPDIR
    written: list[Path] = field(default_factory=list)  # files of the run outside its TMPDIR


@pytest.fixture(scope="module")
def signoff_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignoffRun]:
    work = tmp_path_factory.mktemp("signoff")
    reports = work / "reports"
    waivers = work / "waivers.toml"
    waivers.write_text(EXPIRED_WAIVER)
    dump = work / "known-values"
    probe = work / "probe"
    probe.mkdir()
    tmpdir = run_tmpdir()
    env = probed_env(probe, tmpdir, VAULT_GATE_KNOWN_VALUES_OUT=str(dump))
    try:
        out = subprocess.run(
            gate_command("--report-dir", str(reports), "--junitxml", str(reports / "junit.xml"),
                         "--waivers", str(waivers), "--basetemp", str(work / "basetemp")),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=INNER_TIMEOUT_S,
            check=False,
        )  # fmt: skip
        values = [v for v in dump.read_text().splitlines() if v] if dump.exists() else []
        written = [p for p in (work / "basetemp").rglob("*") if p.is_file()]
        yield SignoffRun(
            out.returncode, out.stdout + out.stderr, reports, values, probe, tmpdir, written
        )
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def test_every_criterion_passes_in_every_environment(signoff_run: SignoffRun) -> None:
    data = orjson.loads((signoff_run.reports / "signoff.json").read_bytes())
    statuses = {
        (c["id"], env): cell["status"]
        for c in data["criteria"]
        for env, cell in c["environments"].items()
    }
    expected = {(c.id, e) for c in CRITERIA for e in ("dev", "staging", "prod")}
    assert set(statuses) == expected
    failing = {k: v for k, v in statuses.items() if v != "pass"}
    assert not failing, signoff_run.output[-5000:]


def test_an_expired_waiver_fails_the_gate(signoff_run: SignoffRun) -> None:
    assert signoff_run.returncode == 1, signoff_run.output[-3000:]
    data = orjson.loads((signoff_run.reports / "signoff.json").read_bytes())
    assert data["passed"] is False
    assert data["waiver_problems"] == [
        "expired waiver: vault_running in dev (owner ops@example.com, expired 2020-01-01)"
    ]
    assert (
        "expired waiver: vault_running in dev" in (signoff_run.reports / "signoff.md").read_text()
    )
    assert "waiver problem: expired waiver" in signoff_run.output


def test_junit_has_one_case_per_scenario(signoff_run: SignoffRun) -> None:
    junit = signoff_run.reports / "junit.xml"  # our own run's output, not untrusted
    suite = ET.parse(junit).getroot().find("testsuite")  # noqa: S314
    assert suite is not None
    assert int(suite.get("tests", "0")) == SCENARIOS
    assert int(suite.get("failures", "0")) == 0 and int(suite.get("errors", "0")) == 0


def test_no_secret_value_in_any_report_or_the_output(signoff_run: SignoffRun) -> None:
    assert len(signoff_run.known_values) > 20, "the inner session dumped no known values"
    files = sorted(p for p in signoff_run.reports.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"signoff.json", "signoff.md", "signoff.html", "junit.xml"}
    texts = {str(p): p.read_text(errors="replace") for p in files}
    texts["pytest output"] = signoff_run.output
    secrets = [Secret(v) for v in signoff_run.known_values]
    for where, text in texts.items():
        assert_no_leak(text, secrets, where)


def test_the_apps_logs_are_kept_as_evidence(signoff_run: SignoffRun) -> None:
    """Each app's log outlives the run in the report's evidence/ folder, and the logs
    check's evidence points at it (a link in the HTML)."""
    kept = sorted((signoff_run.reports / "evidence").glob("*.log"))
    assert {p.stem.split("-")[-2] for p in kept} >= {"dev", "staging", "prod"}, kept
    data = orjson.loads((signoff_run.reports / "signoff.json").read_bytes())
    cell = next(c for c in data["criteria"] if c["id"] == "no_secrets_in_repo")["environments"]
    linked = [
        e["looked_at"]
        for env in cell.values()
        for r in env["results"]
        for e in r["evidence"]
        if e["looked_at"].startswith("evidence/")
    ]
    assert len(linked) >= 3 and all((signoff_run.reports / p).is_file() for p in linked), linked
    assert 'href="evidence/' in (signoff_run.reports / "signoff.html").read_text()


# -- hygiene of the gate itself ------------------------------------------------------------


def _probe(run: SignoffRun, name: str) -> dict:
    assert run.probe is not None
    path = run.probe / name
    assert path.exists(), f"the hygiene probe wrote no {name}: {run.output[-3000:]}"
    return json.loads(path.read_text())


def test_no_canary_or_secret_in_any_file_the_run_wrote(signoff_run: SignoffRun) -> None:
    """Server dirs (logs, audit logs, configs, raft and PostgreSQL data) and each app's dir
    (its log), searched while they existed; then what the run left outside them (pytest's
    temp dirs). Reports, JUnit and output: test_no_secret_value_in_any_report_or_the_output."""
    leaks = _probe(signoff_run, "leaks.json")
    scanned = {Path(p).name for p, size in leaks["scanned"].items() if size >= 0}
    # What must have been searched, or a clean result means nothing. (Containers keep
    # PostgreSQL's files and the servers' logs inside; the audit logs are bind-mounted.)
    meta = orjson.loads((signoff_run.reports / "signoff.json").read_bytes())["meta"]
    must = {"audit.log", "app.log"}
    if meta.get("backend") == "process":
        must |= {"server.log", "postgres.log", "raft.db"}
    assert must <= scanned, sorted(must - scanned)
    assert sum(1 for p in leaks["scanned"] if p.endswith("/app.log")) >= 10
    bad = unexpected(leaks["hits"])
    assert not bad, f"secret values in files of the run (fingerprints): {bad}"
    secrets = [Secret(v) for v in signoff_run.known_values]
    for path in signoff_run.written:
        assert_no_leak(path.read_text(errors="replace"), secrets, str(path))


def test_nothing_outlives_the_gate(signoff_run: SignoffRun) -> None:
    """Every server, app and directory the run made is gone, its TMPDIR is empty."""
    state = _probe(signoff_run, "state.json")
    assert state["apps"] >= 10 and state["pids"] and state["dirs"]
    live, left = wait_nothing_left([*state["pids"], state["reaper"]], state["dirs"], 30)
    assert not live and not left, f"left behind: processes {live}, dirs {left}"
    assert signoff_run.tmpdir is not None
    assert sorted(p.name for p in signoff_run.tmpdir.iterdir()) == []


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_html_report_renders_in_chromium(signoff_run: SignoffRun, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (Debian's chromium package) for this test")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = (signoff_run.reports / "signoff.html").resolve().as_uri()
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    assert "vault-gate sign-off" in dom and '<table class="matrix">' in dom
    assert dom.count('class="cell pass"') == len(CRITERIA) * 3
    # The load plot: inline SVG with a band per rotation tool run, and its measurement's table.
    report = orjson.loads((signoff_run.reports / "signoff.json").read_bytes())
    [(name, load)] = [(k, v) for k, v in report["measurements"].items() if "timeline" in v]
    assert dom.count('<svg xmlns="http://www.w3.org/2000/svg" class="latency-plot"') == 1
    assert dom.count('class="rotation"') == len(load["timeline"]["rotations"]) == load["rotations"]
    assert f"<title>Latency over time: {name}</title>" in dom
    assert "<td>latency_ms.p95</td>" in dom and "<td>timeline" not in dom
    # Every cell's duration in the matrix, and where the run's time went (timing, lanes).
    cells = [cell for c in report["criteria"] for cell in c["environments"].values()]
    durations = [cell["duration_s"] for cell in cells]
    assert len(durations) == len(CRITERIA) * 3 and None not in durations
    shown = re.findall(r'<span class="dur">([^<]+)</span>', dom)
    assert sorted(shown) == sorted(format_duration(d) for d in durations)
    timing = report["timing"]
    assert '<h2 id="time">Where the time went</h2>' in dom and timing["lanes"]
    assert all(f"<td>{k}" in dom for k in timing if k != "lanes")  # nested keys: k.sub
    assert all(f"<td>{env}</td>" in dom for env in timing["lanes"])
    shot = tmp_path / "signoff.png"
    subprocess.run(
        [browser, *flags, "--window-size=1280,1600", f"--screenshot={shot}", page],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width = int.from_bytes(data[16:20], "big")
    assert width == 1280
    shutil.copy(shot, signoff_run.reports / "signoff.png")


def test_the_signoff_keyword_selects_exactly_the_scenarios() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-k", "success_criteria", "--collect-only", "-q",
         "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    assert len(ids) == SCENARIOS
    assert all(i.startswith("steps/test_success_criteria.py::") for i in ids)
    assert "PytestUnknownMarkWarning" not in out.stdout + out.stderr


# -- the plan's sketches as a target: the gate fails on exactly what they break ----------

SKETCH_FAILS = {
    "least_privilege": "cross-environment access",
    "rotation_works": "get_secret is memoised by @lru_cache",
    "no_secrets_in_repo": "committed .env file",
    "docs_complete": "no setup guide",
    "cicd_updated": "no CI/CD workflow files found",
    "secrets_migrated": "reads the credential VAULT_TOKEN from the environment",
}
SKETCH_PASSES = {"vault_running"}
# The sketch is not a runnable application: what needs one running is reported as such.
SKETCH_NOT_RUN = {"app_reads_from_vault", "no_secrets_in_env", "audit_enabled"}


@pytest.fixture(scope="module")
def sketch_run(tmp_path_factory: pytest.TempPathFactory) -> SignoffRun:
    """Under pytest-xdist (-n 2): the workers run the scenarios, the controller gathers
    every cell (fail, pass, not run, with results and errors) and writes the report."""
    reports = tmp_path_factory.mktemp("sketch") / "reports"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-k", "success_criteria", "-p", "no:cacheprovider",
         "-n", "2", "--report-dir", str(reports), "--target", str(SKETCH_TARGET)],
        cwd=ROOT, capture_output=True, text=True, timeout=INNER_TIMEOUT_S, check=False,
    )  # fmt: skip
    return SignoffRun(out.returncode, out.stdout + out.stderr, reports, [])


def test_the_plans_sketches_fail_exactly_what_they_break(sketch_run: SignoffRun) -> None:
    assert sketch_run.returncode == 1, sketch_run.output[-3000:]
    data = orjson.loads((sketch_run.reports / "signoff.json").read_bytes())
    assert data["target"] == "plan-sketch" and data["passed"] is False
    by_id = {c["id"]: c["environments"] for c in data["criteria"]}
    assert set(by_id) == set(SKETCH_FAILS) | SKETCH_PASSES | SKETCH_NOT_RUN
    for criterion, cells in by_id.items():
        expected = (
            "fail" if criterion in SKETCH_FAILS
            else "pass" if criterion in SKETCH_PASSES
            else "not run"
        )  # fmt: skip
        assert {env: c["status"] for env, c in cells.items()} == dict.fromkeys(
            ("dev", "staging", "prod"), expected
        ), criterion


def test_the_sketches_evidence_says_why(sketch_run: SignoffRun) -> None:
    data = orjson.loads((sketch_run.reports / "signoff.json").read_bytes())
    by_id = {c["id"]: c["environments"] for c in data["criteria"]}
    for criterion, reason in SKETCH_FAILS.items():
        for env, cell in by_id[criterion].items():
            findings = [f for r in cell["results"] for f in r["findings"]]
            assert any(reason in f for f in findings), (criterion, env, findings)
    repo = [f for r in by_id["no_secrets_in_repo"]["prod"]["results"] for f in r["findings"]]
    assert any("docker-compose.yml" in f and "token assignment" in f for f in repo), repo
    assert any(".env" in f and "DSN with password" in f for f in repo), repo
    for cell in by_id["no_secrets_in_env"].values():
        assert cell["errors"] == [
            "not run: target plan-sketch declares no application to start ([app])"
        ]

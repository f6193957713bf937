"""The sign-off report and waivers, on plain data (the end-to-end run is in test_signoff.py)."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest

from vault_gate.compliance.report.plot import (
    FAIL_COLOUR,
    OK_COLOUR,
    PlotError,
    latency_svg,
    nice_ticks,
)
from vault_gate.compliance.report.signoff import (
    SCHEMA_VERSION,
    SignOff,
    Status,
    Verdict,
    exit_code,
    measurement_line,
    not_judged_report,
    to_html,
    to_json,
    to_junit,
    to_markdown,
    write_all,
)
from vault_gate.compliance.report.waivers import Waiver, WaiverError, load_waivers
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.fixtures.app.load import Sample, summarise, timeline_points
from vault_gate.fixtures.run.load_rotation import LoadRotation


def _signoff() -> SignOff:
    s = SignOff(target="store-erp", environments=("dev", "staging", "prod"), meta={"commit": "abc"})
    for env in ("dev", "staging", "prod"):
        cell = s.cell("vault_running", env)
        cell.status = Status.PASS
        cell.results.append(CheckResult("vault_running", env, (Evidence("sys/health", "ok"),)))
    bad = s.cell("cicd_updated", "dev")
    bad.status = Status.FAIL
    bad.results.append(
        CheckResult(
            "cicd_updated", "dev", (Evidence("deploy.yml", "none"),),
            ("deploy.yml: no <script>alert(1)</script> Vault login",),
        )
    )  # fmt: skip
    return s


def test_gate_fails_on_a_failing_cell_and_passes_when_waived() -> None:
    s = _signoff()
    assert not s.passed
    s.cells[("cicd_updated", "dev")].status = Status.WAIVED
    assert s.passed
    s.waiver_problems.append("expired waiver: x")
    assert not s.passed


def test_json_has_a_schema_version_and_every_cell(tmp_path: Path) -> None:
    paths = write_all(_signoff(), tmp_path)
    data = orjson.loads(paths[0].read_bytes())
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["passed"] is False
    assert data["counts"] == {"pass": 3, "fail": 1, "waived": 0, "not judged": 0, "not run": 0}
    by_id = {c["id"]: c for c in data["criteria"]}
    assert by_id["cicd_updated"]["environments"]["dev"]["status"] == "fail"
    assert by_id["vault_running"]["environments"]["prod"]["results"][0]["evidence"] == [
        {"looked_at": "sys/health", "found": "ok"}
    ]
    assert [p.name for p in paths] == [
        "signoff.json", "signoff.md", "signoff.html", "signoff.junit.xml",
    ]  # fmt: skip


def test_markdown_matrix_and_findings() -> None:
    md = to_markdown(_signoff())
    assert md.startswith("## vault-gate sign-off: ❌ FAILED (store-erp)\n\n**3 pass · 1 fail**")
    assert "| Vault running and reachable | ✅ pass | ✅ pass | ✅ pass |" in md
    assert "| CI/CD workflows authenticate to Vault | ❌ fail | — | — |" in md
    assert (
        "- ❌ fail **CI/CD workflows authenticate to Vault [dev]**: "
        "deploy.yml: no <script>alert(1)</script> Vault login"
    ) in md
    assert md.index("### What failed and why") < md.index("| criterion |")


def test_html_links_each_cell_to_its_evidence_and_escapes_text() -> None:
    page = to_html(_signoff())
    anchors = set(re.findall(r"href='#([^']+)'", page))
    ids = set(re.findall(r"id='([^']+)'", page))
    assert anchors == ids == {
        "vault_running--dev", "vault_running--staging", "vault_running--prod", "cicd_updated--dev",
    }  # fmt: skip
    assert "<script>" not in page and "&lt;script&gt;" in page


def _waiver_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(body)
    return path


GOOD = """
[[waiver]]
criterion = "cicd_updated"
environment = "dev"
reason = "dev deploys by hand until the OIDC role exists"
owner = "platform@example.com"
expires = 2999-12-31
"""


def test_waivers_load(tmp_path: Path) -> None:
    [w] = load_waivers(_waiver_file(tmp_path, GOOD))
    assert (w.criterion, w.environment, w.owner) == ("cicd_updated", "dev", "platform@example.com")
    assert not w.expired(dt.date(2026, 11, 29)) and w.expired(dt.date(3000, 1, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('criterion = "cicd_updated"', 'criterion = "fast"'), "unknown criterion 'fast'"),
        (('environment = "dev"', 'environment = "qa"'), "unknown environment 'qa'"),
        (("expires = 2999-12-31", 'expires = "soon"'), "expires must be a TOML date"),
        (('owner = "platform@example.com"\n', ""), "missing owner"),
        (('reason = "dev deploys by hand until the OIDC role exists"', 'reason = " "'),
         "reason must be a non-empty string"),
        (("expires = 2999-12-31", "expires = 2999-12-31\nticket = 1"), "unknown ticket"),
    ],
)  # fmt: skip
def test_bad_waivers_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(WaiverError, match=re.escape(message)):
        load_waivers(_waiver_file(tmp_path, GOOD.replace(*change)))


def test_two_waivers_for_one_cell_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="a second waiver for cicd_updated in dev"):
        load_waivers(_waiver_file(tmp_path, GOOD + GOOD))


def test_waiver_shown_in_reports() -> None:
    s = _signoff()
    cell = s.cells[("cicd_updated", "dev")]
    cell.status = Status.WAIVED
    cell.waiver = Waiver("cicd_updated", "dev", "by hand for now", "ops", dt.date(2999, 1, 1), "w")
    assert "waived by ops until 2999-01-01: by hand for now" in to_markdown(s)
    assert "<b>Waived</b> by ops until 2999-01-01" in to_html(s)


# -- where the time went: per-cell durations and the run's timing -------------------------

TIMING = {
    "wall_s": 61.2,
    "critical_path_s": 48.5,
    "declared_waits_s": {"grace": 12.0, "cache_ttl": 6.0},
    "lanes": {"dev": {"busy_s": 20.5, "waits_s": 9.0}, "prod": {"busy_s": 44.25, "waits_s": 18.0}},
}


def _timed() -> SignOff:
    s = _signoff()
    s.cells[("vault_running", "dev")].duration_s = 0.42
    s.cells[("vault_running", "staging")].duration_s = 3.61
    s.cells[("vault_running", "prod")].duration_s = 127.4
    s.cells[("cicd_updated", "dev")].duration_s = 12.0
    s.timing = dict(TIMING)
    return s


def test_durations_in_every_format(tmp_path: Path) -> None:
    s = _timed()
    data = orjson.loads(write_all(s, tmp_path)[0].read_bytes())
    by_id = {c["id"]: c["environments"] for c in data["criteria"]}
    assert by_id["vault_running"]["staging"]["duration_s"] == 3.61
    assert data["timing"] == TIMING and data["schema_version"] == 1
    md = to_markdown(s)
    assert (
        "| Vault running and reachable | ✅ pass (0.42 s) | ✅ pass (3.6 s) | ✅ pass (127 s) |"
        in md
    )
    page = to_html(s)
    assert "<a href='#vault_running--staging'>pass<span class=dur>3.6 s</span></a>" in page
    assert "<a href='#cicd_updated--dev'>fail<span class=dur>12.0 s</span></a>" in page


def test_no_duration_no_time_section() -> None:
    s = _signoff()
    assert "duration" not in to_markdown(s) and "class=dur" not in to_html(s)
    assert "Where the time went" not in to_markdown(s) + to_html(s)
    assert "timing" not in to_json(s)
    assert to_json(s)["criteria"][0]["environments"]["dev"]["duration_s"] is None


def test_the_timing_table_lanes_and_slowest_cells() -> None:
    s = _timed()
    s.timing["critical_path"] = ["prod: rotation_works", "prod: load"]  # any key is shown
    md = to_markdown(s)
    assert "### Where the time went" in md
    assert "| wall_s | 61.2 |" in md and "| declared_waits_s.grace | 12 |" in md
    assert "| critical_path | prod: rotation_works; prod: load |" in md
    assert "| environment | busy_s | waits_s |" in md and "| prod | 44.25 | 18 |" in md
    slowest = [line for line in md.splitlines() if line.endswith(" s |")]
    assert slowest == [
        "| Vault running and reachable | prod | pass | 127 s |",
        "| CI/CD workflows authenticate to Vault | dev | fail | 12.0 s |",
        "| Vault running and reachable | staging | pass | 3.6 s |",
        "| Vault running and reachable | dev | pass | 0.42 s |",
    ]
    page = to_html(s)
    assert "<h2 id=time>Where the time went</h2>" in page
    assert "<tr><td>critical_path_s</td><td class=num>48.5</td></tr>" in page
    assert "<tr><td>prod</td><td class=num>44.25</td><td class=num>18</td></tr>" in page
    assert "lanes." not in page  # a dict of lanes is a table of its own, not flattened rows


def test_lanes_of_another_shape_are_flattened_not_dropped() -> None:
    s = _signoff()
    s.timing = {"lanes": 3, "wall_s": 1.5}
    assert "| lanes | 3 |" in to_markdown(s)


# -- measurements as tables, and the load plot --------------------------------------------

TIMELINE = {
    "requests": [[0.05, 4.2, True], [0.5, 7.0, True], [1.2, 95.5, False], [2.0, 5.1, True]],
    "rotations": [[0.4, 0.9], [1.5, 1.6]],
}


def _measured(timeline: dict | None = TIMELINE) -> SignOff:
    s = _signoff()
    values: dict = {
        "requests": 4,
        "failures": 1,
        "by_status": {"200": 3, "500": 1},
        "latency_ms": {"p50": 5.1, "p95": 95.5},
        "rotation_run_s": [0.5, 0.1],
        "failure_examples": ["GET /api/items: HTTP 500 a|b"],
    }
    if timeline is not None:
        values["timeline"] = timeline
    s.measurements["rotation under load [<prod> & co]"] = values
    return s


def test_a_measurement_is_a_table_with_nested_keys_flattened() -> None:
    s = _measured()
    md = to_markdown(s)
    assert "#### rotation under load [<prod> & co]" in md
    assert "| latency_ms.p95 | 95.5 |" in md and "| by_status.500 | 1 |" in md
    assert "| rotation_run_s | 0.5; 0.1 |" in md
    assert "| failure_examples | GET /api/items: HTTP 500 a\\|b |" in md  # a pipe stays in its cell
    assert "timeline" not in md and "[0.05" not in md
    page = to_html(s)
    assert "<tr><td>latency_ms.p95</td><td class=num>95.5</td></tr>" in page
    assert "<h3 class=measure>rotation under load [&lt;prod&gt; &amp; co]</h3>" in page
    assert "<td>timeline" not in page
    assert to_json(s)["measurements"]["rotation under load [<prod> & co]"]["timeline"] == TIMELINE


def test_the_terminal_line_leaves_the_timeline_out() -> None:
    values = _measured().measurements["rotation under load [<prod> & co]"]
    line = measurement_line(values)
    assert line.startswith("requests 4, failures 1, by_status.200 3") and "timeline" not in line


def _svg(page: str) -> ET.Element:
    [svg] = re.findall(r"<svg .*?</svg>", page, re.DOTALL)
    return ET.fromstring(svg)  # noqa: S314 - our own output


SVG = "{http://www.w3.org/2000/svg}"


def _points(svg: ET.Element, kind: str) -> list[ET.Element]:
    [group] = [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]
    return list(group.iter(f"{SVG}circle"))


def test_the_load_plot_has_a_point_per_request_failures_red_and_a_band_per_rotation() -> None:
    svg = _svg(to_html(_measured()))
    assert svg.findtext(f"{SVG}title") == "Latency over time: rotation under load [<prod> & co]"
    ok, failed = _points(svg, "ok"), _points(svg, "fail")
    assert len(ok) == 3 and len(failed) == 1
    [fail_group] = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "fail"]
    assert fail_group.get("fill") == FAIL_COLOUR != OK_COLOUR
    assert failed[0].findtext(f"{SVG}title") == "failed at 1.2 s after 95.5 ms"
    bands = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "rotation"]
    assert len(bands) == 2
    # The band spans the run: x from its start, width its length (at the plot's scale).
    first, second = (float(b.get("width", "0")) for b in bands)
    assert first > 3 * second > 0
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"seconds since the load started", "latency (ms)", "0", "100"} <= texts


def test_a_failed_request_is_red_and_a_good_one_is_not() -> None:
    """The known-bad case of the plot: flip the failure to a success and no red point is left."""
    good = {**TIMELINE, "requests": [[t, ms, True] for t, ms, _ in TIMELINE["requests"]]}
    svg = _svg(to_html(_measured(good)))
    assert len(_points(svg, "ok")) == 4 and _points(svg, "fail") == []


def test_points_sit_where_their_values_say() -> None:
    svg = _svg(to_html(_measured()))
    ok = _points(svg, "ok")
    xs = [float(c.get("cx", "0")) for c in ok]
    assert xs == sorted(xs)
    [failed] = _points(svg, "fail")
    assert float(failed.get("cy", "0")) < min(float(c.get("cy", "0")) for c in ok)  # slowest: top


def test_a_measurement_without_timeline_gets_no_plot() -> None:
    page = to_html(_measured(None))
    assert "<svg" not in page and "<tr><td>requests</td><td class=num>4</td></tr>" in page


@pytest.mark.parametrize(
    ("timeline", "message"),
    [
        ({"requests": [[0.1, "fast", True]]}, "timeline.requests[0][1] is not a finite number"),
        ({"requests": [[0.1, 3.0]]}, "timeline.requests[0] is not [t_s, latency_ms, ok]"),
        ({"rotations": [[2.0, 1.0]]}, "timeline.rotations[0] ends before it starts"),
        ({"requests": [[-1, 3.0, True]]}, "timeline.requests[0][0] is negative"),
        ([1, 2], "a timeline is a mapping, not list"),
    ],
)  # fmt: skip
def test_a_bad_timeline_is_named_not_drawn(timeline: object, message: str) -> None:
    with pytest.raises(PlotError, match=re.escape(message)):
        latency_svg(timeline, "x")
    page = to_html(_measured(timeline))  # type: ignore[arg-type]
    assert "<svg" not in page and f"no latency plot: {html.escape(message)}" in page


def test_ticks_are_round_and_cover_the_data() -> None:
    assert nice_ticks(37.3) == [0, 10, 20, 30, 40]
    assert nice_ticks(0.3) == [0, 0.1, 0.2, 0.3]
    assert nice_ticks(0) == [0, 1]


# -- the timeline's data: fixtures/app/load.py and fixtures/run/load_rotation.py (plain samples) --


def _sample(t: float, ms: float, ok: bool = True) -> Sample:
    return Sample(100 + t, 100 + t + ms / 1000, "GET /x", 200 if ok else 500, ok)


def test_timeline_points_keep_every_failure_and_the_spikes_under_the_limit() -> None:
    samples = [_sample(i * 0.01, 5.0) for i in range(5000)]
    samples[2500] = _sample(25.0, 900.0)  # one slow request: a plain stride would lose it
    samples += [_sample(i * 0.1, 50.0, ok=False) for i in range(40)]
    points = timeline_points(samples, origin=100.0, limit=1500)
    assert len(points) <= 1500
    assert sum(1 for p in points if not p[2]) == 40
    assert [25.0, 900.0, True] in points
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    assert points[0] == [0.0, 5.0, True]


def test_a_small_load_is_kept_whole() -> None:
    samples = [_sample(i * 0.5, 3.0 + i) for i in range(10)]
    assert timeline_points(samples, origin=100.0) == [[i * 0.5, 3.0 + i, True] for i in range(10)]


def test_the_load_measurement_carries_its_timeline_relative_to_the_loads_start() -> None:
    samples = [_sample(1.0, 4.0), _sample(2.0, 30.0, ok=False)]
    run = LoadRotation(
        rotations=1, summary=summarise(samples, clients=1), rotation_s=[0.5],
        samples=samples, load_started=100.5, rotation_runs=[(101.0, 101.5)],
    )  # fmt: skip
    m = run.measurement()
    assert m["timeline"] == {
        "requests": [[0.5, 4.0, True], [1.5, 30.0, False]],
        "rotations": [[0.5, 1.0]],
    }
    assert m["failures"] == 1 and m["rotation_run_s"] == [0.5]
    s = SignOff(target="t", environments=("prod",), meta={})
    s.measurements["m"] = m
    svg = _svg(to_html(s))
    assert len(_points(svg, "fail")) == 1 and len(_points(svg, "ok")) == 1
    assert "timeline" not in LoadRotation(1, summarise([], 0)).measurement()


# -- three outcomes: pass, fail (a finding), not judged (could not judge) -----------------


def _three_outcomes() -> SignOff:
    s = _timed()
    broken = s.cell("rotation_works", "prod")
    broken.record("steps/test_success_criteria.py::test_rotating[prod]", Status.ERROR)
    broken.errors.append("[app]: GET /health did not answer 200 within 30 s\n  log tail ...")
    return s


def test_a_cell_that_could_not_be_judged_is_neither_fail_nor_pass(tmp_path: Path) -> None:
    s = _three_outcomes()
    cell = s.cells[("rotation_works", "prod")]
    assert cell.status is Status.ERROR and cell.status.value == "not judged"
    assert s.counts() == {"pass": 3, "fail": 1, "waived": 0, "not judged": 1, "not run": 0}
    assert s.verdict is Verdict.FAILED and exit_code(s) == 1  # a finding outweighs
    s.cells[("cicd_updated", "dev")].status = Status.WAIVED
    assert s.verdict is Verdict.NOT_JUDGED and exit_code(s) == 3 and not s.passed
    data = orjson.loads(write_all(s, tmp_path)[0].read_bytes())
    assert data["verdict"] == "not judged" and data["exit_code"] == 3
    env = {c["id"]: c["environments"] for c in data["criteria"]}["rotation_works"]["prod"]
    assert env["status"] == "not judged"
    assert env["reasons"] == ["[app]: GET /health did not answer 200 within 30 s"]
    page = to_html(s)
    assert "<span class='verdict not-judged'>NOT JUDGED</span>" in page
    assert "<td class='cell not-judged'>" in page and "<td class='cell fail'>" not in page
    md = to_markdown(s)
    assert "| ⛔ not judged |" in md and "⛔ NOT JUDGED" in md


def test_the_reader_sees_verdict_counts_and_reasons_before_tables_and_plots() -> None:
    s = _three_outcomes()
    page = to_html(s)
    counts = page.index("<div class=counts>")
    why = page.index("<h2 id=what-failed>What failed and why</h2>")
    assert counts < why < page.index("<table class=matrix>") < page.index("<h2 id=time>")
    assert "<b>1</b> not judged" in page and "<b>1</b> fail" in page and "<b>3</b> pass" in page
    line = re.search(r"<ul class=why>(.*?)</ul>", page)
    assert line is not None
    items = re.findall(r"<li class=([a-z-]+)>", line.group(1))
    assert items == ["fail", "not-judged"]  # matrix order: cicd_updated before rotation_works
    assert "href='#cicd_updated--dev'>evidence</a>" in line.group(1)
    md = to_markdown(s)
    assert md.index("What failed and why") < md.index("| criterion |") < md.index("Where the time")


def test_a_finding_is_shown_once_and_no_assertion_text() -> None:
    s = _signoff()
    cell = s.cells[("cicd_updated", "dev")]
    cell.results.append(cell.results[0])  # the same result recorded twice
    page = to_html(s)
    assert page.count("finding: deploy.yml: no &lt;script&gt;") == 1
    assert "assert " not in page and "+ where" not in page


def test_junit_tells_a_failure_from_an_error() -> None:
    s = _three_outcomes()
    s.cell("audit_enabled", "dev").record("x", Status.NOT_RUN)
    root = ET.fromstring(to_junit(s))  # noqa: S314 - our own output
    suite = root.find("testsuite")
    assert suite is not None
    counts = [suite.get(k) for k in ("tests", "failures", "errors", "skipped")]
    assert counts == ["6", "1", "1", "1"]
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    failure = cases[("cicd_updated", "dev")].find("failure")
    assert failure is not None and failure.get("message", "").startswith("deploy.yml: no")
    error = cases[("rotation_works", "prod")].find("error")
    assert error is not None and error.get("message", "").startswith("not judged: [app]:")
    assert cases[("rotation_works", "prod")].find("failure") is None
    assert cases[("audit_enabled", "dev")].find("skipped") is not None


def test_a_run_that_judged_nothing_reports_only_why(tmp_path: Path) -> None:
    write_all(_signoff(), tmp_path)  # an older run's report in the same folder
    paths = not_judged_report(tmp_path, "ledger", "[setup] (dev): exit status 1", {"commit": "c"})
    data = orjson.loads(paths[0].read_bytes())
    assert data["verdict"] == "not judged" and data["criteria"] == []
    assert data["reason"] == "[setup] (dev): exit status 1"
    page = paths[2].read_text()
    body = page.split("</style>")[1]
    assert "NOT JUDGED" in body and "class='cell" not in body and "fail" not in body.lower()
    assert not (tmp_path / "signoff.junit.xml").exists()

"""The sign-off report: a matrix of criteria by environment, with the evidence behind each cell.

Four writers share one model (:class:`SignOff`): JSON for machines (with a schema
version), Markdown for a pull-request comment, one self-contained HTML page for the
reviewer who signs off (no script, no external asset: it opens from a file), and JUnit
XML with one case per cell (pytest's own ``--junitxml`` has one per scenario).

Every cell has one of three outcomes, each with its own word and colour: pass, fail (a
check's finding) and not judged (the gate could not judge: the app never started, a
probe it declares did not answer); plus "waived" (a reviewed fail) and "not run" (the
target declares nothing to run it against). A cell that could not be judged never
shows as a fail or a pass. The reader sees the verdict and the counts first, then
what failed and why, one line per cell; the matrix, the evidence and the timing after.

Nothing here sees a secret: cells carry CheckResults, whose evidence and findings
hold fingerprints only, and the text of a failed step's assertion.
"""

from __future__ import annotations

import html
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import orjson

from vault_gate.compliance.criteria import Criterion, all_criteria
from vault_gate.compliance.exits import EXIT_CANNOT_JUDGE, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from vault_gate.compliance.report.plot import PlotError, latency_svg
from vault_gate.compliance.report.waivers import Waiver
from vault_gate.compliance.result import CheckResult

SCHEMA_VERSION = 1


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    WAIVED = "waived"
    ERROR = "not judged"  # the gate could not judge (compliance.result.NotJudged)
    NOT_RUN = "not run"


class Verdict(StrEnum):
    """The sign-off's verdict, and the exit code that goes with it (:func:`exit_code`)."""

    PASSED = "passed"
    FAILED = "failed"  # a finding (or an expired waiver): exit 1
    NOT_JUDGED = "not judged"  # nothing failed, but some cell could not be judged: exit 3
    PARTIAL = "partial"  # nothing failed or errored; some criteria not run (not declared)


EXIT_PASS, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_NOT_JUDGED = (
    EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_CANNOT_JUDGE,
)  # fmt: skip


@dataclass
class Cell:
    """One criterion in one environment."""

    criterion: str
    environment: str
    status: Status = Status.NOT_RUN
    results: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a failed step's message, a skip reason
    scenarios: dict[str, Status] = field(default_factory=dict)
    waiver: Waiver | None = None
    # The cell's scenarios' time, background work included (filled by the sign-off plugin).
    duration_s: float | None = None

    def record(self, scenario: str, status: Status) -> None:
        """One scenario's outcome; the cell is the worst of its scenarios' outcomes:
        any failure fails it, a part that could not be judged makes it "not judged",
        and a part that did not run keeps it from passing."""
        self.scenarios[scenario] = status
        outcomes = set(self.scenarios.values())
        for worst in (Status.FAIL, Status.ERROR, Status.NOT_RUN, Status.PASS):
            if worst in outcomes:
                self.status = worst
                break

    @property
    def anchor(self) -> str:
        return f"{self.criterion}--{self.environment}"

    def reasons(self) -> list[str]:
        """Why the cell is not a pass, each reason once, as the check or the harness
        wrote it: the findings, then the errors (a reason why it was not judged or run)."""
        found = [f for r in self.results for f in r.findings]
        if self.status is Status.ERROR or not found:
            found += [_first_line(e) for e in self.errors]
        return list(dict.fromkeys(f for f in found if f))


@dataclass
class SignOff:
    target: str
    environments: tuple[str, ...]
    meta: dict[str, str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    waiver_problems: list[str] = field(default_factory=list)
    # Optional: named measurements (load runs, failover times), plain JSON values.
    measurements: dict[str, dict] = field(default_factory=dict)
    # Optional: where the run's time went (wall_s, critical_path_s, lanes: {environment:
    # {busy_s, waits_s}}, ...), plain JSON values; the writers show whatever keys are there.
    timing: dict = field(default_factory=dict)

    def cell(self, criterion: str, environment: str) -> Cell:
        key = (criterion, environment)
        if key not in self.cells:
            self.cells[key] = Cell(criterion, environment)
        return self.cells[key]

    def criteria(self) -> list[Criterion]:
        ran = {c for c, _ in self.cells}
        return [c for c in all_criteria() if c.id in ran]

    @property
    def passed(self) -> bool:
        """The gate: every cell that ran passed or is waived, and no waiver is expired."""
        return not self.waiver_problems and all(
            c.status in (Status.PASS, Status.WAIVED) for c in self.cells.values()
        )

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for c in self.cells.values():
            out[c.status.value] += 1
        return out

    @property
    def verdict(self) -> Verdict:
        statuses = {c.status for c in self.cells.values()}
        if self.waiver_problems or Status.FAIL in statuses:
            return Verdict.FAILED
        if Status.ERROR in statuses:
            return Verdict.NOT_JUDGED
        return Verdict.PASSED if self.passed else Verdict.PARTIAL

    def not_passing(self) -> list[Cell]:
        """Failing cells, then not-judged ones, each in the matrix's order."""
        order = {c.id: i for i, c in enumerate(all_criteria())}
        envs = {e: i for i, e in enumerate(self.environments)}
        cells = [c for c in self.cells.values() if c.status in (Status.FAIL, Status.ERROR)]
        return sorted(
            cells,
            key=lambda c: (
                c.status is not Status.FAIL,  # findings first, then what was not judged
                order.get(c.criterion, 99),
                envs.get(c.environment, 9),
            ),
        )


def exit_code(signoff: SignOff) -> int:
    """The gate as an exit code: 0 pass, 1 a finding (or an expired waiver), 3 nothing
    failed but something could not be judged. (2, bad input, is decided before any cell
    runs.) Cells "not run" because the target declares nothing to run them against do
    not change it: the report says so."""
    return {Verdict.FAILED: EXIT_FINDINGS, Verdict.NOT_JUDGED: EXIT_NOT_JUDGED}.get(
        signoff.verdict, EXIT_PASS
    )


def counts_line(signoff: SignOff) -> str:
    """ "9 pass · 2 fail · 1 waived · 3 not judged" (zero counts left out, but pass and fail
    always shown)."""
    counts = signoff.counts()
    shown = [s for s in Status if counts[s.value] or s in (Status.PASS, Status.FAIL)]
    return " · ".join(f"{counts[s.value]} {s.value}" for s in shown)


# -- JSON ---------------------------------------------------------------------------


def to_json(signoff: SignOff) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "target": signoff.target,
        "meta": signoff.meta,
        "passed": signoff.passed,
        "verdict": signoff.verdict.value,
        "exit_code": exit_code(signoff),
        "counts": signoff.counts(),
        "waiver_problems": signoff.waiver_problems,
        "environments": list(signoff.environments),
        "criteria": [
            {
                "id": c.id,
                "title": c.title,
                "impact": c.impact,
                "plan_text": c.plan_text,
                "environments": {
                    env: _cell_json(signoff.cells[(c.id, env)])
                    for env in signoff.environments
                    if (c.id, env) in signoff.cells
                },
            }
            for c in signoff.criteria()
        ],
        **({"measurements": signoff.measurements} if signoff.measurements else {}),
        **({"timing": signoff.timing} if signoff.timing else {}),
    }


def _cell_json(cell: Cell) -> dict:
    return {
        "status": cell.status.value,
        "duration_s": cell.duration_s,
        "scenarios": {name: status.value for name, status in cell.scenarios.items()},
        "reasons": cell.reasons() if cell.status is not Status.PASS else [],
        "errors": cell.errors,
        "waiver": cell.waiver.to_json() if cell.waiver else None,
        "results": [
            {
                "criterion": r.criterion,
                "environment": r.environment,
                "passed": r.passed,
                "findings": list(r.findings),
                "evidence": [{"looked_at": e.looked_at, "found": e.found} for e in r.evidence],
            }
            for r in cell.results
        ],
    }


def write_json(signoff: SignOff, path: Path) -> None:
    _write(path, orjson.dumps(to_json(signoff), option=orjson.OPT_INDENT_2))


# -- Markdown -------------------------------------------------------------------------

ICON = {Status.PASS: "✅ pass", Status.FAIL: "❌ fail", Status.WAIVED: "⚠️ waived",
        Status.ERROR: "⛔ not judged", Status.NOT_RUN: "— not run"}  # fmt: skip
VERDICT_ICON = {Verdict.PASSED: "✅", Verdict.FAILED: "❌", Verdict.NOT_JUDGED: "⛔",
                Verdict.PARTIAL: "—"}  # fmt: skip
WHAT_FAILED = "What failed and why"


def to_markdown(signoff: SignOff) -> str:
    verdict = signoff.verdict
    lines = [
        f"## vault-gate sign-off: {VERDICT_ICON[verdict]} {verdict.value.upper()} "
        f"({signoff.target})",
        "",
        f"**{counts_line(signoff)}**",
        "",
        _meta_line(signoff),
    ]
    failing = signoff.not_passing()
    if failing or signoff.waiver_problems:
        lines += ["", f"### {WHAT_FAILED}", ""]
        lines += [f"- ❌ waiver problem: {_md(p)}" for p in signoff.waiver_problems]
        for cell in failing:
            lines.append(
                f"- {ICON[cell.status]} **{_md(_title(cell.criterion))} [{cell.environment}]**: "
                + _md("; ".join(cell.reasons()) or "no reason recorded")
            )
    lines += [
        "",
        "| criterion | " + " | ".join(signoff.environments) + " |",
        "|---|" + "---|" * len(signoff.environments),
    ]
    for c in signoff.criteria():
        row = [_md_cell(signoff.cells.get((c.id, e))) for e in signoff.environments]
        lines.append(f"| {c.title} | " + " | ".join(row) + " |")
    others = [c for c in signoff.cells.values() if c.status in (Status.WAIVED, Status.NOT_RUN)]
    if others:
        lines += ["", "### Waived and not run", ""]
        for cell in others:
            lines.append(f"- **{cell.criterion} [{cell.environment}]**: {cell.status.value}")
            if cell.waiver:
                w = cell.waiver
                lines.append(f"  - waived by {w.owner} until {w.expires}: {w.reason}")
            lines += [f"  - {_md(r)}" for r in cell.reasons()]
    lines += _md_time(signoff)
    if signoff.measurements:
        lines += ["", "### Measurements"]
        for name, values in signoff.measurements.items():
            lines += ["", f"#### {_md(name)}", ""]
            lines += _md_table(("measure", "value"), measurement_rows(values))
            if isinstance(values, dict) and TIMELINE in values:
                lines += ["", "_Latency over time: see the plot in the HTML report._"]
    return "\n".join(lines) + "\n"


def _md_cell(cell: Cell | None) -> str:
    if cell is None:
        return "—"
    took = format_duration(cell.duration_s)
    return f"{ICON[cell.status]} ({took})" if took else ICON[cell.status]


def _md(text: object) -> str:
    """A table cell's text: a pipe or a line break would end the cell early."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [
        "| " + " | ".join(_md(h) for h in header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_md(_value(v)) for v in row) + " |" for row in rows),
    ]


def _md_time(signoff: SignOff) -> list[str]:
    view = time_view(signoff)
    if view is None:
        return []
    lines = ["", "### Where the time went"]
    if view.totals:
        lines += ["", *_md_table(("measure", "value"), view.totals)]
    if view.lanes:
        lines += ["", "Lanes:", "", *_md_table(("environment", *view.lane_keys), view.lanes)]
    if view.slowest:
        lines += ["", f"Slowest cells (top {SLOWEST_CELLS}):", ""]
        lines += _md_table(("criterion", "environment", "status", "duration"), view.slowest)
    return lines


def write_markdown(signoff: SignOff, path: Path) -> None:
    _write(path, to_markdown(signoff).encode())


# -- HTML -----------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.5rem;margin:0 0 .3rem}.meta{color:#57606a;margin-bottom:1.2rem}
.verdict{display:inline-block;padding:.2rem .7rem;border-radius:1rem;font-weight:600;color:#fff}
.verdict.passed{background:#1a7f37}.verdict.failed{background:#cf222e}
.verdict.not-judged{background:#8250df}.verdict.partial{background:#57606a}
.counts{margin:.3rem 0 .6rem;font-size:1.05rem}.count{margin-right:1rem}
.count.fail b{color:#cf222e}.count.pass b{color:#1a7f37}.count.not-judged b{color:#8250df}
.count.waived b{color:#9a6700}ul.why{padding-left:1.2rem}ul.why li{margin:.25rem 0}
.tag{display:inline-block;font-size:.8rem;font-weight:600;border-radius:.3rem;padding:0 .4rem}
.tag.fail{color:#cf222e;background:#ffebe9}.tag.not-judged{color:#8250df;background:#fbefff}
table{border-collapse:collapse;margin:1rem 0 2rem}h2{font-size:1.2rem;margin:1.2rem 0 .4rem}
th,td{border:1px solid #d0d7de;padding:.45rem .8rem}
th{background:#f6f8fa;text-align:left}td.cell{text-align:center;min-width:7rem}
td.cell a{display:block;text-decoration:none;font-weight:600;border-radius:.3rem;padding:.15rem}
.pass a{color:#1a7f37;background:#dafbe1}.fail a{color:#cf222e;background:#ffebe9}
.waived a{color:#9a6700;background:#fff8c5}.not-run a{color:#57606a;background:#f6f8fa}
.not-judged a{color:#8250df;background:#fbefff}
.impact{color:#57606a;font-size:.85rem}section.ev{border-top:1px solid #d0d7de;padding:.6rem 0}
section.ev h3{font-size:1rem;margin:.2rem 0}ul{margin:.3rem 0}code{font-size:.88rem}
.finding{color:#cf222e}.err{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;font-size:.85rem}
.dur{display:block;font-weight:400;font-size:.8rem;color:#57606a}td.num{text-align:right}
table.kv{margin:.4rem 0 1.2rem}h3.measure{font-size:1.05rem;margin:1.2rem 0 .3rem}
figure{margin:.4rem 0}figcaption{color:#57606a;font-size:.85rem;max-width:760px}
svg.latency-plot{max-width:100%;height:auto}
"""


def to_html(signoff: SignOff) -> str:
    e = html.escape
    verdict = signoff.verdict
    css_verdict = verdict.value.replace(" ", "-")
    head = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>vault-gate sign-off: {e(signoff.target)}</title><style>{CSS}</style></head><body>"
        f"<h1>vault-gate sign-off: {e(signoff.target)} "
        f"<span class='verdict {css_verdict}'>{e(verdict.value.upper())}</span></h1>"
        f"<div class=counts>{_html_counts(signoff)}</div>"
        f"<div class=meta>{e(_meta_line(signoff))}</div>"
    )
    rows = ["<table class=matrix><tr><th>criterion</th>"
            + "".join(f"<th>{e(env)}</th>" for env in signoff.environments) + "</tr>"]  # fmt: skip
    for c in signoff.criteria():
        tds = []
        for env in signoff.environments:
            cell = signoff.cells.get((c.id, env))
            if cell is None:
                tds.append("<td class='cell not-run'><a>—</a></td>")
                continue
            took = format_duration(cell.duration_s)
            dur = f"<span class=dur>{e(took)}</span>" if took else ""
            link = f"<a href='#{e(cell.anchor)}'>{e(cell.status.value)}{dur}</a>"
            tds.append(f"<td class='cell {_css(cell.status)}'>{link}</td>")
        rows.append(
            f"<tr><td>{e(c.title)}<div class=impact>{e(c.impact)} · plan: "
            f"“{e(c.plan_text)}”</div></td>{''.join(tds)}</tr>"
        )
    rows.append("</table>")
    problems = [f"<li class=finding>{e(p)}</li>" for p in signoff.waiver_problems]
    sections = ["<h2>Evidence</h2>"]
    for c in signoff.criteria():
        for env in signoff.environments:
            cell = signoff.cells.get((c.id, env))
            if cell is not None:
                sections.append(_html_cell(c, cell))
    waivers = f"<h2>Waiver problems</h2><ul>{''.join(problems)}</ul>" if problems else ""
    measured = ""
    if signoff.measurements:
        items = "".join(_html_measurement(k, v) for k, v in signoff.measurements.items())
        measured = f"<h2 id=measurements>Measurements</h2>{items}"
    return (
        head + _html_what_failed(signoff) + "".join(rows) + waivers + "".join(sections)
        + measured + _html_time(signoff) + "</body></html>\n"
    )  # fmt: skip


def _css(status: Status) -> str:
    return status.value.replace(" ", "-")


def _html_counts(signoff: SignOff) -> str:
    counts = signoff.counts()
    shown = [s for s in Status if counts[s.value] or s in (Status.PASS, Status.FAIL)]
    return " ".join(
        f"<span class='count {_css(s)}'><b>{counts[s.value]}</b> {html.escape(s.value)}</span>"
        for s in shown
    )


def _html_what_failed(signoff: SignOff) -> str:
    """One line per failing or not-judged cell: where, its reasons, a link to its evidence."""
    e = html.escape
    failing = signoff.not_passing()
    if not failing and not signoff.waiver_problems:
        return ""
    items = [
        f"<li class=fail><span class='tag fail'>fail</span> waiver problem: {e(p)}</li>"
        for p in signoff.waiver_problems
    ]
    for cell in failing:
        reasons = cell.reasons() or ["no reason recorded"]
        items.append(
            f"<li class={_css(cell.status)}><span class='tag {_css(cell.status)}'>"
            f"{e(cell.status.value)}</span> <b>{e(_title(cell.criterion))}</b> in "
            f"<b>{e(cell.environment)}</b>: {e('; '.join(reasons))} "
            f"<a href='#{e(cell.anchor)}'>evidence</a></li>"
        )
    return f"<h2 id=what-failed>{WHAT_FAILED}</h2><ul class=why>{''.join(items)}</ul>"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td class=num>{e(_value(v))}</td>" if _numeric(v) else f"<td>{e(_value(v))}</td>"
            for v in row
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table class=kv><tr>{head}</tr>{body}</table>"


def _html_time(signoff: SignOff) -> str:
    view = time_view(signoff)
    if view is None:
        return ""
    parts = ["<h2 id=time>Where the time went</h2>"]
    if view.totals:
        parts.append(_html_table(("measure", "value"), view.totals))
    if view.lanes:
        parts.append("<h3 class=measure>Lanes</h3>")
        parts.append(_html_table(("environment", *view.lane_keys), view.lanes))
    if view.slowest:
        parts.append(f"<h3 class=measure>Slowest cells (top {SLOWEST_CELLS})</h3>")
        parts.append(_html_table(("criterion", "environment", "status", "duration"), view.slowest))
    return "".join(parts)


def _html_measurement(name: str, values: dict) -> str:
    e = html.escape
    parts = [f"<section class=measurement><h3 class=measure>{e(name)}</h3>"]
    timeline = values.get(TIMELINE) if isinstance(values, dict) else None
    if timeline is not None:
        try:
            svg = latency_svg(timeline, name)
        except PlotError as exc:
            parts.append(f"<p class=finding>no latency plot: {e(str(exc))}</p>")
        else:
            parts.append(f"<figure>{svg}<figcaption>{e(_caption(timeline))}</figcaption></figure>")
    parts.append(_html_table(("measure", "value"), measurement_rows(values)))
    parts.append("</section>")
    return "".join(parts)


def _caption(timeline: dict) -> str:
    requests = timeline.get("requests", [])
    failed = sum(1 for r in requests if not r[2])
    rotations = len(timeline.get("rotations", []))
    return (
        f"Latency of each request against seconds since the load started: {len(requests)} "
        f"requests plotted (downsampled, every failure kept), {failed} failed (red); "
        f"{rotations} shaded band{'s' if rotations != 1 else ''}: the rotation tool's runs, "
        "from start to end."
    )


def _html_cell(c: Criterion, cell: Cell) -> str:
    e = html.escape
    parts = [
        f"<section class=ev id='{e(cell.anchor)}'><h3>{e(c.title)} — {e(cell.environment)}: "
        f"{e(cell.status.value)}{_took(cell)}</h3>"
    ]
    for scenario, status in cell.scenarios.items():
        parts.append(
            f"<div class=impact>scenario ({e(status.value)}): <code>{e(scenario)}</code></div>"
        )
    if cell.waiver:
        w = cell.waiver
        parts.append(
            f"<p><b>Waived</b> by {e(w.owner)} until {e(str(w.expires))}: {e(w.reason)}</p>"
        )
    seen: set[str] = set()
    for r in cell.results:
        parts.append("<ul>")
        parts += [f"<li class=finding>finding: {e(f)}</li>" for f in r.findings if f not in seen]
        seen.update(r.findings)
        parts += [
            f"<li>looked at {_looked_at(ev.looked_at)}: {e(ev.found)}</li>" for ev in r.evidence
        ]
        parts.append("</ul>")
    label = "not judged" if cell.status is Status.ERROR else "note"
    parts += [
        f"<div class='err {_css(cell.status)}'><b>{label}:</b> {e(err)}</div>"
        for err in dict.fromkeys(cell.errors)
    ]
    parts.append("</section>")
    return "".join(parts)


def write_html(signoff: SignOff, path: Path) -> None:
    _write(path, to_html(signoff).encode())


# -- shared -----------------------------------------------------------------------------


def _meta_line(signoff: SignOff) -> str:
    m = signoff.meta
    return " · ".join(f"{k}: {v}" for k, v in m.items())


def _took(cell: Cell) -> str:
    took = format_duration(cell.duration_s)
    return f" ({html.escape(took)})" if took else ""


def format_duration(seconds: float | None) -> str:
    """A cell's time as a reader takes it in: "0.42 s", "3.6 s", "127 s"; "" when unknown."""
    if seconds is None or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        return ""
    if seconds < 1:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


TIMELINE = "timeline"  # a measurement's plot data: drawn in the HTML, left out of tables
SLOWEST_CELLS = 10
LANES = "lanes"


def _value(value: object) -> str:
    """A table value: numbers as written (floats rounded to what a reader can use)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{round(value, 3):g}" if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value) if value else "—"
    return str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in _flatten(f"{prefix}{k}.", v)]
    return [(prefix[:-1], value)]


def measurement_rows(values: dict) -> list[tuple[str, object]]:
    """A measurement as (key, value) rows: nested dicts flattened with dots
    (``latency_ms.p95``); its timeline is the plot's, not the table's."""
    return [
        row for k, v in values.items() if k != TIMELINE for row in _flatten(f"{k}.", v)
    ]  # fmt: skip


@dataclass(frozen=True)
class TimeView:
    """The "where the time went" section's tables, whatever keys the timing holds."""

    totals: list[tuple[str, object]]
    lane_keys: tuple[str, ...]
    lanes: list[tuple[object, ...]]
    slowest: list[tuple[str, str, str, str]]


def time_view(signoff: SignOff) -> TimeView | None:
    """None when the run recorded no timing and no cell duration (no section at all)."""
    timed = [c for c in signoff.cells.values() if format_duration(c.duration_s)]
    if not signoff.timing and not timed:
        return None
    timing = dict(signoff.timing)
    lanes = timing.get(LANES)
    lane_keys: tuple[str, ...] = ()
    lane_rows: list[tuple[object, ...]] = []
    if isinstance(lanes, dict) and lanes and all(isinstance(v, dict) for v in lanes.values()):
        del timing[LANES]
        lane_keys = tuple(dict.fromkeys(k for v in lanes.values() for k in v))
        lane_rows = [(env, *(v.get(k) for k in lane_keys)) for env, v in lanes.items()]
    order = {c.id: i for i, c in enumerate(all_criteria())}
    timed.sort(key=lambda c: (-float(c.duration_s or 0), order.get(c.criterion, 0)))
    slowest = [
        (_title(c.criterion), c.environment, c.status.value, format_duration(c.duration_s))
        for c in timed[:SLOWEST_CELLS]
    ]
    totals = [row for k, v in timing.items() for row in _flatten(f"{k}.", v)]
    return TimeView(totals, lane_keys, lane_rows, slowest)


def _title(criterion: str) -> str:
    return next((c.title for c in all_criteria() if c.id == criterion), criterion)


def measurement_line(values: dict) -> str:
    """One line for a measurement (the terminal summary): ``key value`` pairs, nested
    dicts flattened with dots; the timeline (plot data, up to ~1500 points) is left out."""
    values = {k: v for k, v in values.items() if k != TIMELINE}

    def flat(prefix: str, value: object) -> list[str]:
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in flat(f"{prefix}{k}.", v)]
        if isinstance(value, list):
            return [f"{prefix[:-1]}: {'; '.join(str(x) for x in value)}"] if value else []
        return [f"{prefix[:-1]} {value}"]

    return ", ".join(flat("", values))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _write(path: Path, data: bytes) -> None:
    """Write atomically: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_all(signoff: SignOff, directory: Path) -> list[Path]:
    paths = [
        directory / "signoff.json",
        directory / "signoff.md",
        directory / "signoff.html",
        directory / "signoff.junit.xml",
    ]
    write_json(signoff, paths[0])
    write_markdown(signoff, paths[1])
    write_html(signoff, paths[2])
    write_junit(signoff, paths[3])
    return paths


# -- JUnit ------------------------------------------------------------------------------


def to_junit(signoff: SignOff) -> bytes:
    """One test case per cell (classname: the criterion, name: the environment): a fail is
    a ``<failure>``, not judged an ``<error>``, not run ``<skipped>``; a waived cell passes
    with the waiver in its properties. CI systems then tell a finding from a run that
    could not judge, as the report does."""
    counts = signoff.counts()
    suite = ET.Element(
        "testsuite",
        name=f"vault-gate sign-off: {signoff.target}",
        tests=str(len(signoff.cells)),
        failures=str(counts[Status.FAIL.value]),
        errors=str(counts[Status.ERROR.value]),
        skipped=str(counts[Status.NOT_RUN.value]),
        time=f"{sum(c.duration_s or 0 for c in signoff.cells.values()):.3f}",
    )
    order = {c.id: i for i, c in enumerate(all_criteria())}
    envs = {e: i for i, e in enumerate(signoff.environments)}
    cells = sorted(
        signoff.cells.values(),
        key=lambda c: (order.get(c.criterion, 99), envs.get(c.environment, 9)),
    )
    for cell in cells:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=cell.criterion,
            name=cell.environment,
            time=f"{cell.duration_s or 0:.3f}",
        )
        reasons = cell.reasons()
        text = "\n".join(reasons)
        first = reasons[0] if reasons else ""
        if cell.status is Status.FAIL:
            ET.SubElement(case, "failure", message=first, type="finding").text = text
        elif cell.status is Status.ERROR:
            ET.SubElement(
                case, "error", message=f"not judged: {first}", type="not judged"
            ).text = text
        elif cell.status is Status.NOT_RUN:
            ET.SubElement(case, "skipped", message=first)
        elif cell.status is Status.WAIVED and cell.waiver is not None:
            props = ET.SubElement(case, "properties")
            for k, v in cell.waiver.to_json().items():
                ET.SubElement(props, "property", name=f"waiver.{k}", value=v)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(signoff: SignOff, path: Path) -> None:
    _write(path, to_junit(signoff))


def not_judged_report(
    directory: Path, target: str, reason: str, meta: dict[str, str]
) -> list[Path]:
    """When nothing could be judged (the servers or the target's set-up never came up):
    a report that says only that, and why; never a matrix of fails. Any older report in
    ``directory`` is replaced, so nobody reads a previous run's verdict as this one's."""
    e = html.escape
    data = {
        "schema_version": SCHEMA_VERSION,
        "target": target,
        "meta": meta,
        "passed": False,
        "verdict": Verdict.NOT_JUDGED.value,
        "exit_code": EXIT_NOT_JUDGED,
        "reason": reason,
        "counts": {s.value: 0 for s in Status},
        "criteria": [],
    }
    meta_line = " · ".join(f"{k}: {v}" for k, v in meta.items())
    md = (
        f"## vault-gate sign-off: ⛔ NOT JUDGED ({target})\n\n{meta_line}\n\n"
        f"Nothing was judged: {reason.splitlines()[0] if reason else ''}\n\n```\n{reason}\n```\n"
    )
    page = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>vault-gate sign-off: "
        f"{e(target)}</title><style>{CSS}</style></head><body><h1>vault-gate sign-off: "
        f"{e(target)} <span class='verdict not-judged'>NOT JUDGED</span></h1>"
        f"<div class=meta>{e(meta_line)}</div><h2 id=why>Nothing was judged</h2>"
        f"<div class='err not-judged'>{e(reason)}</div></body></html>\n"
    )
    paths = [directory / "signoff.json", directory / "signoff.md", directory / "signoff.html"]
    _write(paths[0], orjson.dumps(data, option=orjson.OPT_INDENT_2))
    _write(paths[1], md.encode())
    _write(paths[2], page.encode())
    (directory / "signoff.junit.xml").unlink(missing_ok=True)
    return paths


__all__: Sequence[str] = (
    "Cell", "SignOff", "Status", "Verdict", "counts_line", "exit_code", "format_duration",
    "measurement_line", "measurement_rows", "not_judged_report", "to_json", "to_junit",
    "to_markdown", "write_all",
)  # fmt: skip


# Kept files, relative to the report (fixtures/app/process.py: keep_log).
EVIDENCE_FILES = "evidence/"


def _looked_at(where: str) -> str:
    """What a check looked at; a file kept in the report's evidence folder is a link."""
    shown = f"<code>{html.escape(where)}</code>"
    if where.startswith(EVIDENCE_FILES) and ".." not in where.split("/"):
        return f'<a href="{html.escape(where, quote=True)}">{shown}</a>'
    return shown

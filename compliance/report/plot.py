"""A latency-over-time plot as inline SVG, for a measurement that carries a ``timeline``.

The sign-off page must open from a file with nothing else (no script, no external
asset), so the plot is plain SVG markup written here with the standard library:
one point per request (failed ones red and larger, drawn on top), a shaded band per
rotation tool run, axes with ticks and labels, a legend, and a ``<title>`` so a
screen reader names it. The input is the measurement's JSON, nothing more: times,
latencies and outcomes, never a value of the run.

A timeline is ``{"requests": [[t_s, latency_ms, ok], ...], "rotations": [[start_s,
end_s], ...]}``, times in seconds since the load started (fixtures/run/load_rotation.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 34, 46  # margins: room for tick labels and the legend
OK_COLOUR = "#0969da"
FAIL_COLOUR = "#cf222e"
ROTATION_COLOUR = "#bf8700"
AXIS_COLOUR = "#57606a"


class PlotError(ValueError):
    """A timeline that cannot be drawn; the message names what was wrong with it."""


@dataclass(frozen=True)
class Timeline:
    requests: list[tuple[float, float, bool]]
    rotations: list[tuple[float, float]]


def parse_timeline(data: object) -> Timeline:
    """Check a timeline's shape and numbers; a bad one is refused with its first fault
    named (a report shows that rather than a plot that lies)."""
    if not isinstance(data, dict):
        raise PlotError(f"a timeline is a mapping, not {type(data).__name__}")
    requests, rotations = data.get("requests", []), data.get("rotations", [])
    if not isinstance(requests, list) or not isinstance(rotations, list):
        raise PlotError("timeline.requests and timeline.rotations must be lists")
    parsed: list[tuple[float, float, bool]] = []
    for i, row in enumerate(requests):
        if not (isinstance(row, list | tuple) and len(row) == 3 and isinstance(row[2], bool)):
            raise PlotError(f"timeline.requests[{i}] is not [t_s, latency_ms, ok]")
        where = f"timeline.requests[{i}]"
        parsed.append((_number(row[0], f"{where}[0]"), _number(row[1], f"{where}[1]"), row[2]))
    bands: list[tuple[float, float]] = []
    for i, row in enumerate(rotations):
        if not (isinstance(row, list | tuple) and len(row) == 2):
            raise PlotError(f"timeline.rotations[{i}] is not [start_s, end_s]")
        where = f"timeline.rotations[{i}]"
        start, end = _number(row[0], f"{where}[0]"), _number(row[1], f"{where}[1]")
        if end < start:
            raise PlotError(f"{where} ends before it starts")
        bands.append((start, end))
    return Timeline(parsed, bands)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlotError(f"{where} is not a finite number")
    if value < 0:
        raise PlotError(f"{where} is negative")
    return float(value)


def nice_ticks(upper: float, count: int = 6) -> list[float]:
    """Ticks from 0 to at least ``upper`` at a round step (1, 2 or 5 times a power of ten)."""
    if upper <= 0:
        return [0.0, 1.0]
    raw = upper / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(upper / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


def latency_svg(timeline: object, title: str) -> str:
    """The plot of one measurement's timeline, as an ``<svg>`` element (XML-valid)."""
    data = parse_timeline(timeline)
    x_max = max([t for t, _, _ in data.requests] + [e for _, e in data.rotations] + [1.0])
    y_max = max([ms for _, ms, _ in data.requests] + [1.0])
    x_ticks, y_ticks = nice_ticks(x_max, 8), nice_ticks(y_max, 5)
    x_top, y_top = x_ticks[-1], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + t / x_top * plot_w

    def y(ms: float) -> float:
        return TOP + plot_h - ms / y_top * plot_h

    failed = sum(1 for _, _, ok in data.requests if not ok)
    summary = (
        f"{len(data.requests)} requests plotted, {failed} failed, "
        f"{len(data.rotations)} rotation tool runs shaded"
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="latency-plot" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="system-ui,sans-serif" font-size="11">',
        f"<title>Latency over time: {escape(title)}</title>",
        f"<desc>{escape(summary)}; x: seconds since the load started, y: latency in ms</desc>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        f'stroke="#d0d7de"/>',
    ]
    out.append(f'<g class="rotations" fill="{ROTATION_COLOUR}" fill-opacity="0.22">')
    for n, (start, end) in enumerate(data.rotations, 1):
        width = max(x(end) - x(start), 1.5)  # a run shorter than a pixel stays visible
        out.append(
            f'<rect class="rotation" x="{x(start):.1f}" y="{TOP}" width="{width:.1f}" '
            f'height="{plot_h}"><title>rotation {n}: {_label(start)} to {_label(end)} s'
            f"</title></rect>"
        )
    out.append("</g>")
    out += _axes(x_ticks, y_ticks, x, y, plot_w, plot_h)
    out.append(f'<g class="ok" fill="{OK_COLOUR}" fill-opacity="0.55">')
    out += [
        f'<circle cx="{x(t):.1f}" cy="{y(ms):.1f}" r="1.6"/>' for t, ms, ok in data.requests if ok
    ]
    out.append("</g>")
    out.append(f'<g class="fail" fill="{FAIL_COLOUR}" stroke="#82071e" stroke-width="0.6">')
    out += [
        f'<circle cx="{x(t):.1f}" cy="{y(ms):.1f}" r="3.2"><title>failed at {_label(t)} s '
        f"after {_label(ms)} ms</title></circle>"
        for t, ms, ok in data.requests
        if not ok
    ]
    out.append("</g>")
    out += _legend()
    out.append("</svg>")
    return "".join(out)


def _axes(
    x_ticks: list[float],
    y_ticks: list[float],
    x: Callable[[float], float],
    y: Callable[[float], float],
    plot_w: float,
    plot_h: float,
) -> list[str]:
    base = TOP + plot_h
    out = [f'<g class="axes" stroke="{AXIS_COLOUR}" fill="{AXIS_COLOUR}">']
    out.append(f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}"/>')
    for t in x_ticks:
        px = f"{x(t):.1f}"
        out.append(f'<line x1="{px}" y1="{base}" x2="{px}" y2="{base + 4}"/>')
        out.append(
            f'<text x="{px}" y="{base + 16}" text-anchor="middle" stroke="none">{_label(t)}</text>'
        )
    for ms in y_ticks:
        py = f"{y(ms):.1f}"
        out.append(f'<line x1="{LEFT - 4}" y1="{py}" x2="{LEFT}" y2="{py}"/>')
        out.append(f'<line x1="{LEFT}" y1="{py}" x2="{LEFT + plot_w}" y2="{py}" stroke="#eaeef2"/>')
        out.append(
            f'<text x="{LEFT - 7}" y="{py}" dy="0.32em" text-anchor="end" stroke="none">'
            f"{_label(ms)}</text>"
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'stroke="none">seconds since the load started</text>'
    )
    out.append(
        f'<text transform="translate(14 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" stroke="none">latency (ms)</text>'
    )
    out.append("</g>")
    return out


def _legend() -> list[str]:
    y = TOP - 14
    return [
        '<g class="legend" font-size="11">',
        f'<circle cx="{LEFT + 6}" cy="{y}" r="2.4" fill="{OK_COLOUR}"/>',
        f'<text x="{LEFT + 13}" y="{y}" dy="0.32em">request (ok)</text>',
        f'<circle cx="{LEFT + 112}" cy="{y}" r="3.2" fill="{FAIL_COLOUR}"/>',
        f'<text x="{LEFT + 120}" y="{y}" dy="0.32em">failed request</text>',
        f'<rect x="{LEFT + 222}" y="{y - 5}" width="12" height="10" fill="{ROTATION_COLOUR}" '
        f'fill-opacity="0.35"/>',
        f'<text x="{LEFT + 239}" y="{y}" dy="0.32em">rotation tool run, start to end</text>',
        "</g>",
    ]

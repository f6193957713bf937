"""How fast the gate is, in one run: ``.venv/bin/python benchmarks/run.py``.

Five figures, measured one after the other on this machine, printed as a table
and written as JSON (``--json``, default reports/benchmark.json):

1. boot: until every server of dev, staging, prod and PostgreSQL answers
   (benchmarks/boot.py, median of ``--boot-rounds``);
2. gate: wall time of the sign-off (``pytest -k success_criteria``) in a fresh clone
   of this repository's HEAD, and its ratio to boot; where its time went, from the run
   itself (fixtures/run/timing.py): when its servers were ready, each environment's chain
   of work, the critical paths, and the slowest cells; with ``--xdist`` (default 2) the
   same with ``-n 2``, and the speedup;
3. per-scenario overhead: the median time a scenario spends outside its When/Then
   steps (fixtures/run/timing.py);
4. audit-log analysis: a generated audit log of 256 MB and 1 GB (benchmarks/audit_log.py):
   MB/s on one core and peak memory at each size;
5. repository scan next to plain detect-secrets (benchmarks/scan.py, when present).

A measurement, not a test: nothing here passes or fails; the aims are printed next to
the figures. Absolute times are noisy on shared machines; ratios within one run are
what to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import audit_log  # noqa: E402
import boot  # noqa: E402

GATE_TIMEOUT_S = 900
AIMS = {
    "gate_to_boot": 4.0,
    "gate_to_critical_path": 1.25,
    "overhead_median_ms": 100.0,
    "audit_mb_s": 100.0,
    "scan_ratio": 5.0,
}


def machine() -> dict[str, str | int]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def fresh_clone(workdir: Path) -> Path:
    """HEAD of this repository, cloned (only its own branch, so history is this branch's)."""
    clone = workdir / "clone"
    subprocess.run(  # noqa: S603
        ["git", "clone", "-q", "--single-branch", "--no-hardlinks", str(ROOT), str(clone)],  # noqa: S607
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return clone


REPO_SCAN_SCENARIOS = "repository_and_all_its_history"  # no_secrets_in_repo's history scan


def run_gate(clone: Path, workdir: Path, workers: int, without_scan: bool = False) -> dict:
    """One sign-off in the clone; wall time, exit code, scenario timings. ``without_scan``
    leaves out the repository-history scenarios, to tell the harness from the scanner."""
    tag = f"n{workers}" + ("-noscan" if without_scan else "")
    timings = workdir / f"timings-{tag}.json"
    selection = "success_criteria" + (f" and not {REPO_SCAN_SCENARIOS}" if without_scan else "")
    cmd = [
        sys.executable, "-m", "pytest", "steps/test_success_criteria.py",  # as tasks.py signoff
        "-k", selection, "-q", "-p", "no:cacheprovider",
        "--report-dir", str(workdir / f"reports-{tag}"), "--scenario-timings", str(timings),
    ]  # fmt: skip
    if workers:
        cmd += ["-n", str(workers)]
    started = time.monotonic()
    out = subprocess.run(  # noqa: S603
        cmd, cwd=clone, capture_output=True, text=True, timeout=GATE_TIMEOUT_S, check=False
    )
    wall = time.monotonic() - started
    data = json.loads(timings.read_text()) if timings.exists() else {"summary": {}}
    slowest = sorted(data.get("scenarios", []), key=lambda r: -r.get("duration_s", 0))[:5]
    report = workdir / f"reports-{tag}" / "signoff.json"
    report_json = json.loads(report.read_text()) if report.exists() else {}
    return {
        "workers": workers,
        "timing": data.get("timing", {}),
        "cells": _cell_durations(report_json),
        "selection": selection,
        "slowest": slowest,
        "wall_s": round(wall, 2),
        "exit_code": out.returncode,
        "scenarios": data["summary"].get("scenarios"),
        "overhead_median_ms": _ms(data["summary"].get("overhead_median_s")),
        "overhead_max_ms": _ms(data["summary"].get("overhead_max_s")),
        "harness_overhead_median_ms": _ms(data["summary"].get("harness_median_s")),
        "tail": out.stdout.strip().splitlines()[-1:] if out.returncode else [],
    }


def _cell_durations(report: dict) -> list[dict]:
    """Each cell of the sign-off report (criterion/environment) and its duration, slowest
    first (signoff.json: criteria[].environments{env: cell})."""
    out = [
        {"cell": f"{c.get('id')}/{env}", "duration_s": cell.get("duration_s")}
        for c in report.get("criteria", [])
        for env, cell in c.get("environments", {}).items()
    ]
    return sorted(out, key=lambda c: -(c["duration_s"] or 0))


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def repo_scan(workdir: Path, size_mb: int) -> dict | str:
    if importlib.util.find_spec("scan") is None or not (ROOT / "benchmarks" / "scan.py").exists():
        return "n/a (benchmarks/scan.py missing)"
    import scan  # type: ignore[import-not-found]

    (workdir / "scan").mkdir()
    return dict(scan.measure(workdir / "scan", size_mb=size_mb))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot-rounds", type=int, default=3)
    parser.add_argument("--xdist", type=int, default=2, help="workers for the second gate run")
    parser.add_argument("--audit-sizes", default="256,1024", help="MB, comma-separated")
    parser.add_argument(
        "--scan-mb", type=int, default=5, help="tree size (plain detect-secrets: ~10 s per MB here)"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated: boot,gate,xdist,noscan,audit,scan"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "reports" / "benchmark.json")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}

    figures: dict = {
        "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "aims": AIMS,
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vault-gate-bench-") as tmp:
        work = Path(tmp)
        if "boot" not in skip:
            figures["boot"] = boot.summarize(boot.measure(args.boot_rounds)["process"])
        if "gate" not in skip:
            clone = fresh_clone(work)
            figures["gate"] = run_gate(clone, work, 0)
            if "xdist" not in skip and args.xdist > 1:
                figures["gate_xdist"] = run_gate(clone, work, args.xdist)
            if "noscan" not in skip:
                figures["gate_noscan"] = run_gate(clone, work, 0, without_scan=True)
                if "xdist" not in skip and args.xdist > 1:
                    figures["gate_noscan_xdist"] = run_gate(
                        clone, work, args.xdist, without_scan=True
                    )
        if "audit" not in skip:
            sizes = tuple(int(s) for s in args.audit_sizes.split(","))
            figures["audit"] = audit_log.measure(work, sizes)
        if "scan" not in skip:
            figures["scan"] = repo_scan(work, args.scan_mb)
    figures["benchmark_s"] = round(time.monotonic() - started, 1)
    print_table(figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"\nJSON: {args.json}")
    return 0


def _where_time_went(gate: dict) -> list[tuple[str, str, str]]:
    """The run's own timing: servers ready, the critical paths, the lanes, slow cells.

    Two critical paths: the *run's* (servers ready, then the longest environment's chain:
    its foreground scenarios and its run-ahead experiments, whose waits are the target's
    declared windows), which overlap cannot beat; and the *declared waits alone* (servers
    ready, then the environment whose declared waits add up to the most), a lower bound
    no run can beat."""
    t = gate.get("timing") or {}
    if not t:
        return [("2   where time went", "n/a", "no timing (xdist, or an older run)")]
    rows = [(
        "2   servers ready",
        f"{t['world_ready_s']:.1f} s",
        f"from process start: pytest start-up, boot {t.get('boot_s', 0):.1f} s, "
        f"target's set-up {t.get('bootstrap_s', 0):.1f} s",
    )]  # fmt: skip
    path = t["critical_path_s"]
    waits = t["critical_path_of_declared_waits_s"]
    wall = gate["wall_s"]
    gate["critical_path_s"] = round(path, 2)
    gate["ratio_to_critical_path"] = round(wall / path, 2) if path else None
    gate["ratio_to_declared_waits"] = round(wall / waits, 2) if waits else None
    rows.append((
        "2   critical path",
        f"{path:.1f} s; wall = {wall / path:.2f}x",
        f"aim <= {AIMS['gate_to_critical_path']:g}x; servers ready + longest environment chain",
    ))  # fmt: skip
    rows.append((
        "2   declared waits alone",
        f"{waits:.1f} s; wall = {wall / waits:.2f}x",
        f"servers ready + {t['declared_waits_longest_s']:.1f} s of the target's windows",
    ))  # fmt: skip
    for env, lane in sorted(t.get("lanes", {}).items(), key=lambda kv: -kv[1]["chain_s"]):
        rows.append((
            f"2   lane {env}",
            f"{lane['chain_s']:.1f} s",
            f"foreground {lane['foreground_s']:.1f} s + ahead {lane['ahead_s']:.1f} s "
            f"(declared waits {lane['waits_s']:.1f} s)",
        ))  # fmt: skip
    for cell in gate.get("cells", [])[:5]:
        if cell["duration_s"] is not None:
            rows.append(("2   slow cell", f"{cell['duration_s']:.1f} s", cell["cell"]))
    return rows


def print_table(f: dict) -> None:
    m = f["machine"]
    print(f"vault-gate benchmark, {f['at']}: {m['cpu']}, {m['cores']} cores, "
          f"Python {m['python']}, load before {m['load_before']}")  # fmt: skip
    rows: list[tuple[str, str, str]] = []
    boot_s = f.get("boot", {}).get("boot_s", {}).get("median")
    if boot_s is not None:
        bootstrap_s = f["boot"]["bootstrap_s"]["median"]
        rows.append(("1 boot (median)", f"{boot_s:.2f} s", f"bootstrap +{bootstrap_s:.2f} s"))
    gate = f.get("gate")
    if gate:
        ratio = gate["wall_s"] / boot_s if boot_s else None
        gate["ratio_to_boot"] = round(ratio, 1) if ratio else None
        rows.append((
            "2 gate, -n 0",
            f"{gate['wall_s']:.1f} s" + (f" = {ratio:.1f}x boot" if ratio else ""),
            f"aim <= {AIMS['gate_to_boot']:g}x; exit {gate['exit_code']}, "
            f"{gate['scenarios']} scenarios",
        ))  # fmt: skip
        x = f.get("gate_xdist")
        if x:
            x["speedup"] = round(gate["wall_s"] / x["wall_s"], 2)
            xr = x["wall_s"] / boot_s if boot_s else None
            rows.append((
                f"2 gate, -n {x['workers']}",
                f"{x['wall_s']:.1f} s" + (f" = {xr:.1f}x boot" if xr else ""),
                f"speedup {x['speedup']:.2f}x over -n 0; exit {x['exit_code']}",
            ))  # fmt: skip
        ns, nsx = f.get("gate_noscan"), f.get("gate_noscan_xdist")
        if ns:
            nr = ns["wall_s"] / boot_s if boot_s else None
            rows.append((
                "2 gate w/o history scan",
                f"{ns['wall_s']:.1f} s" + (f" = {nr:.1f}x boot" if nr else ""),
                f"{ns['scenarios']} scenarios (the scan is benchmarks/scan.py's subject)",
            ))  # fmt: skip
        if ns and nsx:
            nsx["speedup"] = round(ns["wall_s"] / nsx["wall_s"], 2)
            rows.append((
                f"2   same, -n {nsx['workers']}",
                f"{nsx['wall_s']:.1f} s",
                f"speedup {nsx['speedup']:.2f}x over -n 0; exit {nsx['exit_code']}",
            ))  # fmt: skip
        rows += _where_time_went(gate)
        rows.append((
            "3 overhead/scenario",
            f"{gate['overhead_median_ms']} ms median",
            f"aim <= {AIMS['overhead_median_ms']:g} ms; max {gate['overhead_max_ms']} ms; "
            f"without Given steps {gate['harness_overhead_median_ms']} ms",
        ))  # fmt: skip
    audit = f.get("audit")
    if audit:
        for r in audit["runs"]:
            rows.append((
                f"4 audit {r['kind']}",
                f"{r['mb_s']:.0f} MB/s over {r['log_mb']:.0f} MB",
                f"peak RSS {r['peak_rss_mb']:.0f} MB; aim >= {AIMS['audit_mb_s']:g} MB/s, flat",
            ))  # fmt: skip
    scan = f.get("scan")
    if isinstance(scan, str):
        rows.append(("5 repository scan", scan, ""))
    elif scan:
        rows.append((
            "5 repository scan",
            f"{scan['ours_mb_s']:.1f} vs {scan['plain_mb_s']:.1f} MB/s = {scan['ratio']:.1f}x",
            f"aim >= {AIMS['scan_ratio']:g}x; lost findings {scan['lost_findings']}",
        ))  # fmt: skip
    width = max(len(r[0]) for r in rows) if rows else 0
    vwidth = max(len(r[1]) for r in rows) if rows else 0
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:<{vwidth}}  {note}")
    print(f"  (benchmark took {f['benchmark_s']} s)")


if __name__ == "__main__":
    sys.exit(main())

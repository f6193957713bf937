"""Boot time: until every server of dev, staging, prod and PostgreSQL answers.

A measurement, not a test: run ``.venv/bin/python benchmarks/boot.py [--rounds N]``.
Servers start concurrently (PostgreSQL, the dev-mode server, the server-mode
server with init and unseal); the figure is the wall time until all answer, and,
separately, the bootstrap that follows. Absolute seconds are noisy on shared
machines, so the per-server figures are also shown as ratios of the whole.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixtures.backends import ProcessBackend
from fixtures.binaries import resolve_pg_bindir, resolve_vault_binary
from fixtures.reaper import Reaper
from fixtures.world import boot, bootstrap


def measure(rounds: int = 5) -> dict:
    """Boot and bootstrap ``rounds`` times; every round's timings and their summary."""
    backend = ProcessBackend(resolve_vault_binary(), resolve_pg_bindir())
    reaper = Reaper()
    rows: list[dict[str, float]] = []
    try:
        for _ in range(rounds):
            started = time.monotonic()
            world = boot(backend, reaper)
            try:
                bootstrap(world)
                rows.append({**world.timings, "total_s": time.monotonic() - started})
            finally:
                world.stop()
    finally:
        reaper.close()
    summary = {
        key: {
            "median": statistics.median(r[key] for r in rows),
            "min": min(r[key] for r in rows),
            "max": max(r[key] for r in rows),
        }
        for key in rows[0]
    }
    return {"rounds": rows, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    figures = measure(args.rounds)
    summary = figures["summary"]
    print(f"{'figure':<22}{'median s':>10}{'min s':>10}{'max s':>10}   ({args.rounds} rounds)")
    for key, s in summary.items():
        print(f"{key:<22}{s['median']:>10.2f}{s['min']:>10.2f}{s['max']:>10.2f}")
    boot_median = summary["boot_s"]["median"]
    for key in summary:
        if key.endswith("_ready_s"):
            print(f"  {key} / boot_s = {summary[key]['median'] / boot_median:.2f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

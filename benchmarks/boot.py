"""Boot time: until every server of dev, staging, prod and PostgreSQL answers.

A measurement, not a test: run ``.venv/bin/python benchmarks/boot.py [--rounds N]``.
Servers start concurrently (PostgreSQL, the dev-mode server, the server-mode
server with init and unseal); the figure is the wall time until all answer, and,
separately, the bootstrap that follows. Absolute seconds are noisy on shared
machines, so the per-server figures are also shown as ratios of the whole.

``--backend docker`` measures the Docker backend; ``--backend process --backend docker``
interleaves rounds of both and shows the Docker/process ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vault_gate.compliance.target import Target, load_target
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.world import boot, bootstrap
from vault_gate.fixtures.servers.backends import Backend, BackendOptions, make_backend

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARGET = ROOT / "store_erp" / "target.toml"  # pyproject's vault_gate_target


def measure(
    rounds: int = 5, backend_names: tuple[str, ...] = ("process",), target: Target | None = None
) -> dict:
    """Boot and bootstrap (the target's own set-up) ``rounds`` times per backend
    (interleaved); each round's timings."""
    target = target or load_target(DEFAULT_TARGET)
    reaper = Reaper()
    backends: list[Backend] = [
        make_backend(name, reaper, BackendOptions()) for name in backend_names
    ]
    per_backend: dict[str, list[dict[str, float]]] = {b.name: [] for b in backends}
    try:
        for _ in range(rounds):
            for backend in backends:
                started = time.monotonic()
                world = boot(backend, reaper, target.profiles())
                try:
                    bootstrap(world, target)
                    per_backend[backend.name].append(
                        {**world.timings, "total_s": time.monotonic() - started}
                    )
                finally:
                    world.stop()
    finally:
        reaper.close()
    return per_backend


def summarize(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median, min and max of every figure over the rounds."""
    return {
        key: {
            "median": statistics.median(r[key] for r in rows),
            "min": min(r[key] for r in rows),
            "max": max(r[key] for r in rows),
        }
        for key in rows[0]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--backend", action="append", choices=["process", "docker"], default=None)
    args = parser.parse_args()

    per_backend = measure(args.rounds, tuple(args.backend or ["process"]))
    totals = {}
    for name, rows in per_backend.items():
        print(f"backend: {name}")
        totals[name] = _report(rows, args.rounds)
    if len(totals) == 2:
        print(f"docker / process (total_s medians) = {totals['docker'] / totals['process']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(per_backend, indent=2))
    return 0


def _report(rows: list[dict[str, float]], rounds: int) -> float:
    """Print one backend's figures; return its median total."""
    summary = summarize(rows)
    print(f"{'figure':<22}{'median s':>10}{'min s':>10}{'max s':>10}   ({rounds} rounds)")
    for key, s in summary.items():
        print(f"{key:<22}{s['median']:>10.2f}{s['min']:>10.2f}{s['max']:>10.2f}")
    boot_median = summary["boot_s"]["median"]
    for key in summary:
        if key.endswith("_ready_s"):
            print(f"  {key} / boot_s = {summary[key]['median'] / boot_median:.2f}")
    return summary["total_s"]["median"]


if __name__ == "__main__":
    sys.exit(main())

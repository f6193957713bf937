"""The pre-commit hook on a 20-file staged change, next to ``detect-secrets-hook``.

A measurement, not a test: ``.venv/bin/python benchmarks/hook.py [--rounds 7]
[--files 20] [--json FILE]``. Generates ordinary files (Python, YAML, JSON, configs;
no secrets), stages them in a throwaway git repository, and times each command as
pre-commit runs it (a new process over the file names), alternating rounds so load
spikes hit both: ``vault-gate-hook``; ``detect-secrets-hook`` with its defaults; and
``detect-secrets-hook`` with vault-gate's plugins (a baseline holding our settings).
Medians; ratios are the figure (absolute seconds are noisy on shared machines).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate
from vault_gate.compliance.scan import detectors

BIN = Path(sys.executable).parent
TIMEOUT_S = 300


def _staged_change(root: Path, count: int) -> list[str]:
    """``count`` ordinary files, staged in a new repository; their names."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)  # noqa: S603, S607
    generate(root / "src", 2_000_000, seed=20, secret_rate=0.0, lines_per_file=(150, 400))
    names = sorted(p.relative_to(root).as_posix() for p in (root / "src").rglob("*"))
    names = [n for n in names if (root / n).is_file()][:count]
    subprocess.run(["git", "-C", str(root), "add", *names], check=True)  # noqa: S603, S607
    return names


# As pre-commit's environments have them (pip compiles on install): cached bytecode.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    run = subprocess.run(  # noqa: S603 - fixed argv
        argv, cwd=cwd, env=ENV, capture_output=True, timeout=TIMEOUT_S, check=False
    )
    elapsed = time.perf_counter() - started
    if run.returncode not in (0, 1):
        raise RuntimeError(f"{argv[0]} failed with exit {run.returncode}")
    return elapsed


def measure(workdir: Path, files: int = 20, rounds: int = 7) -> dict:
    root = workdir / "repo"
    names = _staged_change(root, files)
    size = sum((root / n).stat().st_size for n in names)
    from detect_secrets.__version__ import VERSION

    ours_baseline = workdir / "ours.baseline"
    ours_baseline.write_text(
        json.dumps({"version": VERSION, **detectors.detect_secrets_config(), "results": {}})
    )
    commands = {
        "vault-gate-hook": [str(BIN / "vault-gate-hook"), *names],
        "detect-secrets-hook (defaults)": [str(BIN / "detect-secrets-hook"), *names],
        "detect-secrets-hook (our plugins)": [
            str(BIN / "detect-secrets-hook"), "--baseline", str(ours_baseline), *names,
        ],
    }  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():
        _time(argv, root)  # warm the file cache and .pyc files
    for _ in range(rounds):
        for name, argv in commands.items():
            times[name].append(_time(argv, root))
    medians = {name: statistics.median(t) for name, t in times.items()}
    ours = medians["vault-gate-hook"]
    return {
        "files": len(names),
        "bytes": size,
        "rounds": rounds,
        "median_s": {k: round(v, 3) for k, v in medians.items()},
        "min_s": {k: round(min(v), 3) for k, v in times.items()},
        "ratio_vs_defaults": round(medians["detect-secrets-hook (defaults)"] / ours, 2),
        "ratio_vs_same_plugins": round(medians["detect-secrets-hook (our plugins)"] / ours, 2),
        "hook_s": round(ours, 3),
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vault-gate-hook-bench-") as tmp:
        result = measure(Path(tmp), args.files, args.rounds)
    print(f"{result['files']} files, {result['bytes'] / 1000:.0f} kB, {result['rounds']} rounds")
    print(f"{'command':<36}{'median s':>10}{'min s':>10}")
    for name, median in result["median_s"].items():
        print(f"{name:<36}{median:>10.3f}{result['min_s'][name]:>10.3f}")
    print(
        f"detect-secrets-hook / vault-gate-hook: {result['ratio_vs_defaults']}x (defaults), "
        f"{result['ratio_vs_same_plugins']}x (same plugins)"
    )
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

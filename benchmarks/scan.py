"""Full scan of a large generated tree: vault-gate's scan next to plain detect-secrets.

A measurement, not a test: ``.venv/bin/python benchmarks/scan.py [--size-mb 50]
[--json FILE]``. One run times both on the same tree (Python, YAML, JSON, INI and
other configs, a few secrets of every kind, see benchmarks/corpus.py):

- ours: :func:`vault_gate.compliance.scan.repo.scan` (what ``vault-gate scan`` and the gate run: the
  prefiltered detect-secrets pass, our raw-line pass, parallel workers);
- plain: ``detect-secrets scan --all-files`` with the same plugins and filters (a
  baseline holding vault-gate's settings), one process, as detect-secrets runs.

The engine replaces detect-secrets' keyword and entropy plugins with its own rules
(docs/scanner.md), so the two no longer report the same set: ``lost_findings`` counts
detect-secrets findings (file, line, SHA-1 of the value) that ours does not report,
``only_ours`` the reverse; which of them are secrets is the labelled corpus' question
(benchmarks/peers.py), not this one's. This is the throughput figure. Throughputs are MB/s of the
tree; absolute numbers are noisy on shared machines, the ratio is the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate
from vault_gate.compliance.scan import detectors, repo

DETECT_SECRETS_TIMEOUT_S = 3 * 3600


def _plain(tree: Path, workdir: Path) -> tuple[float, set[tuple[str, int, str]]]:
    """Seconds and (file, line, hashed_secret) of ``detect-secrets scan`` over ``tree``."""
    from detect_secrets.__version__ import VERSION

    baseline = workdir / "plain.baseline"
    baseline.write_text(
        json.dumps({"version": VERSION, **detectors.detect_secrets_config(), "results": {}})
    )
    command = Path(sys.executable).parent / "detect-secrets"
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed argv
        [str(command), "scan", "--all-files", "--baseline", str(baseline), "."],
        cwd=tree,
        check=True,
        capture_output=True,
        timeout=DETECT_SECRETS_TIMEOUT_S,
    )
    seconds = time.perf_counter() - started
    results = json.loads(baseline.read_text())["results"]
    found = {
        (Path(name).as_posix(), entry["line_number"], entry["hashed_secret"])
        for name, entries in results.items()
        for entry in entries
    }
    return seconds, found


def _ours(tree: Path, workers: int | None) -> tuple[float, set[tuple[str, int, str]], int]:
    started = time.perf_counter()
    report = repo.scan([tree], workers=workers)
    seconds = time.perf_counter() - started
    found = {(f.path, f.line, f.hashed_secret) for f in report.findings if f.hashed_secret}
    return seconds, found, len(report.findings)


def measure(workdir: Path, size_mb: int = 50, workers: int | None = None) -> dict:
    """Generate a ``size_mb`` tree under ``workdir`` and time both scanners on it.

    Returns ``ours_mb_s``, ``plain_mb_s``, ``ratio`` (ours / plain throughput),
    ``lost_findings`` (plain findings missing from ours) and the details.
    """
    tree = workdir / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    stats = generate(tree, size_mb * 1_000_000, seed=size_mb)
    mb = stats["bytes"] / 1_000_000
    ours_s, ours, ours_total = _ours(tree, workers)
    plain_s, plain = _plain(tree, workdir)
    lost = sorted(plain - ours)
    only_ours = ours - plain
    return {
        "size_mb": round(mb, 2),
        "files": stats["files"],
        "planted": stats["planted"],
        "workers": workers if workers is not None else repo.default_workers(),
        "ours_s": round(ours_s, 2),
        "plain_s": round(plain_s, 2),
        "ours_mb_s": round(mb / ours_s, 3),
        "plain_mb_s": round(mb / plain_s, 3),
        "ratio": round(plain_s / ours_s, 2),
        "plain_findings": len(plain),
        "ours_findings": ours_total,
        "lost_findings": len(lost),
        "only_ours": len(only_ours),
        "lost": [f"{path}:{line}" for path, line, _ in lost[:20]],
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=50)
    parser.add_argument("--workers", type=int, default=None, help="default: available cores")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vault-gate-bench-") as tmp:
        result = measure(args.workdir or Path(tmp), args.size_mb, args.workers)
    print(f"{'scanner':<44}{'seconds':>10}{'MB/s':>10}{'findings':>10}")
    print(
        f"{'vault-gate scan (' + str(result['workers']) + ' workers)':<44}"
        f"{result['ours_s']:>10.1f}{result['ours_mb_s']:>10.2f}{result['ours_findings']:>10}"
    )
    print(
        f"{'detect-secrets scan (same plugins)':<44}"
        f"{result['plain_s']:>10.1f}{result['plain_mb_s']:>10.2f}{result['plain_findings']:>10}"
    )
    print(
        f"tree {result['size_mb']} MB, {result['files']} files; ratio {result['ratio']}x; "
        f"detect-secrets findings ours does not report: {result['lost_findings']}, "
        f"ours only: {result['only_ours']} (accuracy: benchmarks/peers.py)"
    )
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

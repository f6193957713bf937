"""Real-code noise: our findings on installed third-party packages, each reviewed once.

    .venv/bin/python benchmarks/real_code.py [--site-packages DIR]... [--show]

Default tree: the site-packages of this project's own venv (.venv). More trees may be
named (``--site-packages``), e.g. a scratch venv with ``botocore`` (AWS's API models and
examples: ChangeToken, ClientToken, NextToken... under UUIDs, the issue's noise).

Every finding was reviewed once and labelled in tests/data/real_code_labels.json, keyed
by the path under site-packages, the line, the kind and the fingerprint (never a
value): ``secret-shaped`` (a value in a credential's form and place, live or an example
a reviewer must look at: a documentation JWT, an API example's password) or ``noise``
(not a credential: a name, a mask, a pagination token, a pattern). Precision is
secret-shaped over reviewed findings; findings no label covers are listed and counted
as unreviewed (no precision is claimed over them). Findings about a whole file (not
scanned: over the size limit) are not claims of a secret and are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABELS = ROOT / "tests" / "data" / "real_code_labels.json"
VERDICTS = ("secret-shaped", "noise")


def project_site_packages() -> Path:
    venv = ROOT / ".venv"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = sorted((venv / "lib").glob("python3*/site-packages")) if venv.is_dir() else []
    return found[0] if found else venv / "lib" / version / "site-packages"


def load_labels() -> dict[str, dict[str, str]]:
    """``path:line:kind:fingerprint`` -> {"verdict", "why"}."""
    rows = json.loads(LABELS.read_text())["findings"]
    return {f"{r['path']}:{r['line']}:{r['kind']}:{r['fingerprint']}": r for r in rows}


def findings(tree: Path) -> list[tuple[str, int, str, str]]:
    """(path under the tree, line, kind, fingerprint) of each finding claiming a secret."""
    from vault_gate.compliance.scan.repo import scan

    report = scan([tree], ignored=True)
    out = []
    for f in report.findings:
        if f.line == 0:
            continue  # about a whole file (not scanned), not a secret
        out.append((Path(f.path).as_posix(), f.line, f.kind, f.fingerprint))
    return out


def measure(trees: list[Path], show: bool = False) -> dict[str, object]:
    labels = load_labels()
    counts = {"findings": 0, "secret-shaped": 0, "noise": 0, "unreviewed": 0}
    unreviewed = []
    for tree in trees:
        for path, line, kind, fp in findings(tree):
            counts["findings"] += 1
            label = labels.get(f"{path}:{line}:{kind}:{fp}")
            if label is None:
                counts["unreviewed"] += 1
                unreviewed.append(f"{tree.name}/{path}:{line}: {kind} ({fp})")
                continue
            counts[label["verdict"]] += 1
            if show:
                print(f"{label['verdict']:<14} {path}:{line}: {kind} -- {label['why']}")
    reviewed = counts["secret-shaped"] + counts["noise"]
    precision = counts["secret-shaped"] / reviewed if reviewed else 1.0
    print(
        f"{counts['findings']} findings: {counts['secret-shaped']} secret-shaped, "
        f"{counts['noise']} noise, {counts['unreviewed']} unreviewed; "
        f"precision {precision:.2f} over reviewed findings"
    )
    for row in unreviewed:
        print("UNREVIEWED", row)
    return {**counts, "precision": precision}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site-packages", type=Path, action="append", default=[])
    parser.add_argument("--show", action="store_true", help="each finding and its label")
    args = parser.parse_args(argv)
    trees = [project_site_packages(), *args.site_packages]
    for tree in trees:
        if not tree.is_dir():
            print(f"{tree}: not a directory", file=sys.stderr)
            return 2
    print("trees:", ", ".join(str(t) for t in trees), f"({sysconfig.get_platform()})")
    measure(trees, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

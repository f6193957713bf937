"""How fast the code checks read code: ``.venv/bin/python benchmarks/code_reading.py``.

Reads a corpus with compliance/code's full judgement (tree-sitter parse, environment
reads, values kept from Vault) and, for Python, next to a bare ``ast.parse`` of the same
files (what the former Python-only rules cost at least). Printed: files, MB, seconds,
MB/s, and the ratio to ``ast.parse`` measured in the same run. A measurement, not a
test; absolute times are noisy on shared machines, the ratio is what to compare.

Corpora: this repository's own Python (compliance, fixtures, steps, tests), and the
JavaScript of sample_apps/courier's node_modules when it is installed (npm ci).
"""

from __future__ import annotations

import ast
import contextlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vault_gate.compliance.code.reader import _read  # noqa: E402 - after sys.path


def _files(roots: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for r in roots if r.is_dir() for p in r.rglob("*") if p.suffix in suffixes)


def _judge(files: list[Path]) -> float:
    _read.cache_clear()
    start = time.perf_counter()
    for f in files:
        st = f.stat()
        _read(f.resolve(), st.st_mtime_ns, st.st_size)
    return time.perf_counter() - start


def _ast(files: list[Path]) -> float:
    start = time.perf_counter()
    for f in files:
        with contextlib.suppress(SyntaxError):
            ast.parse(f.read_bytes())
    return time.perf_counter() - start


def main() -> int:
    python = _files([ROOT / d for d in ("compliance", "fixtures", "steps", "tests")], (".py",))
    js = _files([ROOT / "sample_apps" / "courier" / "node_modules"], (".js",))
    print(f"{'corpus':<28}{'files':>7}{'MB':>8}{'s':>8}{'MB/s':>8}  ratio")
    for name, files in (("Python (this repository)", python), ("JavaScript (node_modules)", js)):
        if not files:
            print(f"{name:<28} not present")
            continue
        mb = sum(f.stat().st_size for f in files) / 1e6
        took = min(_judge(files) for _ in range(3))
        ratio = ""
        if files is python:
            base = min(_ast(files) for _ in range(3))
            ratio = f"{took / base:.2f}x ast.parse"
        print(f"{name:<28}{len(files):>7}{mb:>8.2f}{took:>8.2f}{mb / took:>8.1f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

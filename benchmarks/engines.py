"""Which regex engine runs the scan's prefilter: Hyperscan, RE2 or Python's ``re``.

    .venv/bin/python benchmarks/engines.py [--tree DIR] [--rounds 3]

The prefilter is the part of the scan that sees every byte: all anchors of all rules
(compliance/scan/engine.py) over each file, reporting where they match. The rest (rules on
the marked lines) is the same Python whatever the engine. Measured on the same files
in one run (default: the vault-guides tree of benchmarks/peers.py, text files only):

- hyperscan: one database of every anchor, one pass per file (what the engine uses);
- re2 (google-re2): one compiled pattern per anchor, ``finditer`` per anchor per file
  (RE2 has a multi-pattern ``Set``, but it says which patterns matched, not where);
- re: the same with Python's ``re`` (the engine's fallback without a Hyperscan wheel).

Every engine must report the same (file, line) marks as ``re`` (the reference); the
throughput is MB/s of text. google-re2 is installed only for this measurement
(benchmarks/.peers/tools, see peers.py --setup), never a dependency.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peers import DEFAULT_TREE, PEERS  # noqa: E402
from vault_gate.compliance.scan import detectors, engine  # noqa: E402

Marks = Callable[[bytes], set[int]]  # data -> line-start offsets marked


def _lines(data: bytes, ends: set[int]) -> set[int]:
    return {data.rfind(b"\n", 0, max(0, e - 1)) + 1 for e in ends}


def _anchors() -> list[tuple[str, int]]:
    from detect_secrets.settings import get_plugins

    with detectors.scan_settings():
        plugins = engine.engine_plugins(get_plugins())
    return [(a.pattern, a.flags) for p in plugins for a in engine._anchors(p)]


def hyperscan_marks(anchors: list[tuple[str, int]]) -> Marks:
    db, _ = engine._hyperscan_db(tuple((i, p, f) for i, (p, f) in enumerate(anchors)))

    def marks(data: bytes) -> set[int]:
        ends: set[int] = set()
        db.scan(data, match_event_handler=lambda _i, _s, e, _f, _c: ends.add(e))
        return _lines(data, ends)

    return marks


def re_marks(anchors: list[tuple[str, int]]) -> Marks:
    import re

    compiled = [re.compile(p.encode(), (f & ~re.UNICODE) | re.MULTILINE) for p, f in anchors]

    def marks(data: bytes) -> set[int]:
        return _lines(data, {m.end() for r in compiled for m in r.finditer(data)})

    return marks


def re2_marks(anchors: list[tuple[str, int]]) -> Marks | None:
    sys.path.insert(0, str(next((PEERS / "tools" / "lib").glob("python*/site-packages"), "")))
    try:
        import re2  # type: ignore[import-not-found]
    except ImportError:
        return None
    import re

    compiled = []
    refused = []
    for p, f in anchors:
        prefix = b"(?im)" if f & re.IGNORECASE else b"(?m)"
        try:
            compiled.append(re2.compile(prefix + p.encode()))
        except Exception:
            refused.append(re.compile(p.encode(), (f & ~re.UNICODE) | re.MULTILINE))
    print(f"  (re2 refuses {len(refused)} of {len(anchors)} anchors: re runs those)")

    def marks(data: bytes) -> set[int]:
        ends = {m.end() for r in compiled for m in r.finditer(data)}
        ends |= {m.end() for r in refused for m in r.finditer(data)}
        return _lines(data, ends)

    return marks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    files = []
    for path in sorted(args.tree.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if b"\0" not in data[:8000]:
                files.append(data)
    size = sum(map(len, files))
    anchors = _anchors()
    print(f"{len(anchors)} anchors, {len(files)} text files, {size / 1e6:.1f} MB")
    reference = None
    for name, make in (("re", re_marks), ("hyperscan", hyperscan_marks), ("re2", re2_marks)):
        marks = make(anchors)
        if marks is None:
            print(f"  {name:<10} not available (or refuses an anchor)")
            continue
        best = float("inf")
        for _ in range(args.rounds):
            started = time.perf_counter()
            found = [marks(d) for d in files]
            best = min(best, time.perf_counter() - started)
        if reference is None:
            reference = found
        same = all(a >= b for a, b in zip(found, reference, strict=True))
        print(f"  {name:<10} {best:6.2f} s  {size / 1e6 / best:7.1f} MB/s  "
              f"marks every line re marks: {same}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

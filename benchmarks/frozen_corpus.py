"""The frozen measuring part of the secrets corpus: scored, never tuned on.

    .venv/bin/python benchmarks/frozen_corpus.py fetch   # re-create real/ (network)
    .venv/bin/python benchmarks/frozen_corpus.py hash    # the set's digest
    .venv/bin/python benchmarks/frozen_corpus.py score   # ours on it, per kind

tests/data/secrets_corpus/ has two parts. ``positives/`` and ``negatives/`` are the
*tuning* part: the rules were written beside them. ``frozen/`` is the *measuring* part:
its labels were written before any rule was changed for it, no rule is written against
it, and its misses are looked at only when a measurement is reported. Its digest
(:func:`frozen_digest`) is pinned in tests/test_secrets_corpus.py, so changing a file or
a label there fails the suite.

``frozen/generated/``: realistic files written for this set (random values, nothing was
ever a live credential), committed. ``frozen/real/``: files from public repositories,
not committed (fetched material stays out of the repository): ``real.tsv`` lists each
one's repository, commit, path and sha256, ``fetch`` downloads them from GitHub at that
commit and checks the digest; the digest covers ``real.tsv``, so the real files are
pinned too. Scoring is benchmarks/secrets_corpus.py's (line level; a false positive is
counted against the kind of the first secret labelled in its file, or ``neg:<part>``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages

from benchmarks.secrets_corpus import (  # noqa: E402
    CORPUS,
    Score,
    format_table,
    print_misses,
    score,
)

FROZEN = CORPUS / "frozen"
LABELS = FROZEN / "labels.json"
REAL_LIST = FROZEN / "real.tsv"
PARTS = ("generated", "real")
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
FETCH_TIMEOUT_S = 30


def load_labels() -> dict[str, dict[str, str]]:
    return json.loads(LABELS.read_text())["files"]


def _committed() -> Iterator[Path]:
    """The files the digest covers: labels, the real files' list, the generated part."""
    yield LABELS
    yield REAL_LIST
    yield from sorted(p for p in (FROZEN / "generated").rglob("*") if p.is_file())


def frozen_digest() -> str:
    """sha256 over every committed file of the set (relative path and bytes)."""
    digest = hashlib.sha256()
    for path in _committed():
        digest.update(path.relative_to(FROZEN).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def real_files() -> list[tuple[str, str, str, str]]:
    """(repository, commit, path, sha256) for each real file."""
    rows = []
    for line in REAL_LIST.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            repo, commit, path, sha = line.split("\t")
            rows.append((repo, commit, path, sha))
    return rows


def real_path(repo: str, path: str) -> Path:
    return FROZEN / "real" / repo.replace("/", "__") / path


def fetch() -> int:
    """Download the real files at their commits; a digest that differs is an error."""
    bad = 0
    for repo, commit, path, sha in real_files():
        target = real_path(repo, path)
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha:
            continue
        url = RAW_URL.format(repo=repo, commit=commit, path=path)
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 - fixed host
            data = response.read()
        if hashlib.sha256(data).hexdigest() != sha:
            print(f"{repo}@{commit[:10]} {path}: sha256 differs, not written", file=sys.stderr)
            bad += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return 1 if bad else 0


def present_labels() -> dict[str, dict[str, str]]:
    """The labels of the files on disk (real/ may be absent: not committed)."""
    return {p: s for p, s in load_labels().items() if (FROZEN / p).is_file()}


def group_by_file(labels: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Which kind a false positive in each file is counted against."""
    return {
        path: next(iter(spans.values()), f"neg:{path.split('/', 1)[0]}")
        for path, spans in labels.items()
    }


def score_frozen(reported: Mapping[str, set[int]]) -> Score:
    labels = present_labels()
    groups = group_by_file(labels)
    return score(reported, labels, group=groups.__getitem__)


def ours() -> dict[str, set[int]]:
    """Our scanner's reported lines on the frozen set (via compliance.repo.scan)."""
    from vault_gate.compliance.scan.repo import scan

    roots = [FROZEN / part for part in PARTS if (FROZEN / part).is_dir()]
    report = scan(roots, workers=1, ignored=True)  # real/ is git-ignored
    out: dict[str, set[int]] = {}
    for f in report.findings:
        if not f.line:
            continue
        path = Path(f.path)
        if not path.is_absolute():  # a path relative to the root it was found under
            path = next((r / path for r in roots if (r / path).is_file()), FROZEN / path)
        out.setdefault(path.resolve().relative_to(FROZEN.resolve()).as_posix(), set()).add(f.line)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch")
    sub.add_parser("hash")
    sub.add_parser("score").add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "fetch":
        return fetch()
    if args.cmd == "hash":
        print(frozen_digest())
        return 0
    s = score_frozen(ours())
    print(format_table({"vault-gate": s}))
    if args.show:  # only when a measurement is reported
        print_misses(s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

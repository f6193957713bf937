"""The harness knows an application only through its target file: nothing under
fixtures/, steps/, compliance/ or features/ names the bundled example (store-erp), its
variables, its routes or its test user. A verdict about our own files instead of the
user's is the worst bug this tool can have; this keeps the door shut."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ("fixtures", "steps", "compliance", "features")
# store-erp's own: its names, its variables, its routes, its test user.
NAMES = re.compile(
    r"store[-_ ]?erp|STORE_ERP|PAYMENT_API_KEY|MAIL_API_KEY|[\"'/]orders\b|\"/session\"|\balice\b",
    re.IGNORECASE,
)
# Known remaining work (issue 15): the fault scenarios still speak store-erp's order API
# and its fallback variables. Listed by file so that nothing new can slip in elsewhere.
NOT_YET = {"steps/faults.py": 4}


def _hits() -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for top in HARNESS:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if NAMES.search(line):
                    hits.setdefault(rel, []).append(f"{rel}:{n}: {line.strip()}")
    return hits


def test_no_harness_file_names_the_bundled_example() -> None:
    hits = _hits()
    unexpected = {f: lines for f, lines in hits.items() if f not in NOT_YET}
    assert not unexpected, "\n".join(line for lines in unexpected.values() for line in lines)
    for file, most in NOT_YET.items():
        assert len(hits.get(file, [])) <= most, "\n".join(hits[file])


def test_the_pattern_finds_what_it_must() -> None:
    for text in (
        'KV "secret/store-erp/prod"',
        "STORE_ERP_ROLE_ID",
        'get("/orders")',
        "store_erp.app",
    ):
        assert NAMES.search(text), text
    for text in ("secret/data/{tree}/app", "ordering", "VAULT_ADDR", "/login"):
        assert not NAMES.search(text), text

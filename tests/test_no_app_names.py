"""The harness knows an application only through its target file: nothing under
fixtures/, steps/, compliance/ or features/ names the bundled example (store-erp), its
variables, its routes or its test user. A verdict about our own files instead of the
user's is the worst bug this tool can have; this keeps the door shut."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ("fixtures", "steps", "compliance", "features")
# store-erp's own: its names, its variables, its routes, its test user, and the words and
# JSON keys of its outage answers and self-report (its target file's [app.outage],
# [app.diagnostics] and [app.fallback] say them; the fault scenarios read them there).
NAMES = re.compile(
    r"store[-_ ]?erp|STORE_ERP|PAYMENT_API_KEY|MAIL_API_KEY|[\"'/]orders\b|\"/session\"|\balice\b"
    r"|FALLBACK IN USE|login_generation|refusing to start in|does not allow falling back"
    r"|expired, destroyed or used up|AppRole login refused",
    re.IGNORECASE,
)


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
    assert not hits, "\n".join(line for lines in hits.values() for line in lines)


def test_the_pattern_finds_what_it_must() -> None:
    for text in (
        'KV "secret/store-erp/prod"',
        "STORE_ERP_ROLE_ID",
        'get("/orders")',
        "store_erp.app",
        '"VAULT FALLBACK IN USE" in log',
        'health["database"]["login_generation"]',
        '"AppRole login refused"',
    ):
        assert NAMES.search(text), text
    for text in ("secret/data/{tree}/app", "ordering", "VAULT_ADDR", "/login"):
        assert not NAMES.search(text), text

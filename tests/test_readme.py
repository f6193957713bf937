"""The README's numbers and links are true of this repository.

A count of scenarios must be the suite's count (tests/inner_pytest.py counts the
sign-off's Examples rows), unless it is a dated measurement written as "then N"; a count
of tests is only ever written that way (it changes with every commit). Every relative
link must lead to a file inside the repository: a reader of a clone has nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from inner_pytest import SIGNOFF_SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COUNT = re.compile(r"(?<![\w.])(then\s+)?(\d+)\s+(fault\s+)?(scenarios|tests)\b")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def counts(text: str) -> list[tuple[bool, int, bool, str]]:
    return [
        (bool(m.group(1)), int(m.group(2)), bool(m.group(3)), m.group(4))
        for m in COUNT.finditer(text)
    ]


def problems(path: Path, text: str) -> list[str]:
    found = []
    for dated, n, fault, what in counts(text):
        if dated or fault:
            continue
        if what == "tests":
            found.append(f"{path.name}: '{n} tests' (write 'then {n} tests' for a measurement)")
        elif n != SIGNOFF_SCENARIOS:
            found.append(f"{path.name}: '{n} scenarios', the sign-off has {SIGNOFF_SCENARIOS}")
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # an address, or an anchor in the same page
        linked = (path.parent / unquote(target.split("#")[0])).resolve()
        if not linked.is_relative_to(ROOT):
            found.append(f"{path.name}: link {target} leads outside the repository")
        elif not linked.exists():
            found.append(f"{path.name}: link {target} leads nowhere")
    return found


def test_the_readme_and_docs_numbers_and_links_are_true() -> None:
    found = [p for doc in DOCS for p in problems(doc, doc.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_catches_a_stale_count_and_a_link_outside() -> None:
    text = (
        "the sign-off (7 scenarios), 774 tests; then 40 scenarios; "
        "[plan](../shared/plan.md) [gone](docs/none.md) [web](https://example.com)"
    )
    found = problems(ROOT / "README.md", text)
    assert found == [
        f"README.md: '7 scenarios', the sign-off has {SIGNOFF_SCENARIOS}",
        "README.md: '774 tests' (write 'then 774 tests' for a measurement)",
        "README.md: link ../shared/plan.md leads outside the repository",
        "README.md: link docs/none.md leads nowhere",
    ]

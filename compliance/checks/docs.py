"""Criterion "Documentation complete".

The plan's phase 5 asks for a setup guide, a usage guide, a troubleshooting guide and
a rotation guide. Complete means: each exists and says something, and what the guides
tell a reader to run exists. A guide naming ``scripts/rotate_keys.py`` or an option
the tool does not have sends an operator astray in the middle of an incident, so:

* every ``scripts/<name>.py`` (and other repository path in backticks or code blocks
  that looks like one) named in a guide exists;
* every ``--option`` written after a tool's name on the same line is in that tool's
  ``--help`` text (given by the caller, so the check runs no programs itself);
* every environment variable of the application's own prefix that a guide names is
  read somewhere in the given source files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "docs_complete"
REQUIRED_GUIDES: dict[str, tuple[str, ...]] = {
    "setup": ("setup.md", "setup-guide.md", "SETUP.md"),
    "usage": ("usage.md", "usage-guide.md", "USAGE.md"),
    "troubleshooting": ("troubleshooting.md", "TROUBLESHOOTING.md"),
    "rotation": ("rotation.md", "rotation-guide.md", "ROTATION.md"),
}
MIN_WORDS = 80
CODE = re.compile(r"`([^`\n]+)`|```[^\n]*\n(.*?)```", re.DOTALL)
# A repository path the docs name: relative, at least one directory, a file type that
# belongs to a repository (not a URL, not an absolute path on some server).
REPO_PATH = re.compile(
    r"(?<![\w/.:~$-])((?:\.?[\w-]+/)+[\w.-]+\.(?:py|hcl|md|sql|yml|yaml|sh|toml))(?![\w/])"
)
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")


def check_docs_complete(
    docs_dir: Path,
    environment: str,
    *,
    repo_root: Path,
    tool_help: Mapping[str, str] = {},
    env_prefixes: Sequence[str] = (),
    source_files: Sequence[Path] = (),
    required: Mapping[str, tuple[str, ...]] = REQUIRED_GUIDES,
) -> CheckResult:
    """Judge the guides in ``docs_dir``. ``tool_help`` maps a tool's name (as written in
    the docs, e.g. ``rotate_secrets.py``) to its ``--help`` output."""
    evidence: list[Evidence] = []
    findings: list[str] = []
    guides: list[Path] = []
    for topic, names in required.items():
        found = next((docs_dir / n for n in names if (docs_dir / n).is_file()), None)
        if found is None:
            findings.append(f"no {topic} guide in {docs_dir} (looked for {', '.join(names)})")
            continue
        words = len(found.read_text(encoding="utf-8", errors="replace").split())
        evidence.append(Evidence(str(found), f"{topic} guide, {words} words"))
        if words < MIN_WORDS:
            findings.append(f"{found}: the {topic} guide has only {words} words")
        guides.append(found)

    source_text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in source_files if p.is_file()
    )
    for guide in guides:
        text = guide.read_text(encoding="utf-8", errors="replace")
        code = "\n".join(a or b for a, b in CODE.findall(text))
        named_paths = sorted(set(REPO_PATH.findall(code)))
        for rel in named_paths:
            if not (repo_root / rel).exists():
                findings.append(f"{guide.name}: names {rel}, which does not exist")
        for line in code.splitlines():
            for tool, help_text in tool_help.items():
                if tool not in line:
                    continue
                after = line.split(tool, 1)[1]
                for option in OPTION.findall(after):
                    if option not in help_text:
                        findings.append(f"{guide.name}: `{tool} {option}`: {tool} has no {option}")
        variables = set()
        for prefix in env_prefixes:
            variables |= set(re.findall(rf"\b({re.escape(prefix)}[A-Z0-9_]+)\b", text))
        for var in sorted(variables):
            if source_files and var not in source_text:
                findings.append(f"{guide.name}: names {var}, which the code never reads")
        evidence.append(
            Evidence(
                f"{guide.name}: references",
                f"{len(named_paths)} paths, {len(variables)} variables checked",
            )
        )
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

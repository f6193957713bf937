"""Criterion "Documentation complete".

The plan's phase 5 asks for a setup guide, a usage guide, a troubleshooting guide and
a rotation guide. Complete means: each exists and says something, and what the guides
tell a reader to run exists. A guide naming ``scripts/rotate_keys.py`` or an option
the tool does not have sends an operator astray in the middle of an incident, so:

* every ``scripts/<name>.py`` (and other repository path in backticks or code blocks
  that looks like one, whatever its extensions: ``vault/policies/app.hcl.tmpl``) named
  in a guide exists;
* every ``--option`` written after a tool's name on the same line is in that tool's
  ``--help`` text (given by the caller, so the check runs no programs itself);
* every environment variable of the application's own prefix that a guide names is
  named somewhere in the repository's code or scripts, in any language: the app's
  ``source``, and its set-up, rotation, seed and other tools (compliance/code/files.py),
  since a set-up guide names what the set-up script reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from vault_gate.compliance.code import code_files
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
# Every extension counts, and the whole name is taken (``app.hcl.tmpl``, not ``app.hcl``).
REPO_PATH = re.compile(
    r"(?<![\w/.:~$@-])((?:\.{1,2}/)*(?:\.?[\w-]+/)+[\w-][\w.-]*\.\w+)(?![\w/-]|\.\w)"
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
    exclude: Sequence[str] = (),
) -> CheckResult:
    """Judge the guides in ``docs_dir``. ``tool_help`` maps a tool's name (as written in
    the docs, e.g. ``rotate_secrets.py``) to its ``--help`` output. Variables are looked
    for in ``source_files`` and every code or script file under ``repo_root`` but those
    ``exclude`` matches (globs relative to it)."""
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
            findings.append(
                f"{found}: the {topic} guide has {words} words, fewer than the "
                f"{MIN_WORDS}-word minimum"
            )
        guides.append(found)

    scripts = sorted({*(p for p in source_files if p.is_file()), *code_files(repo_root, exclude)})
    code_text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in scripts)
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
            if scripts and not re.search(rf"(?<![A-Za-z0-9_]){var}(?![A-Za-z0-9_])", code_text):
                findings.append(
                    f"{guide.name}:{_line_of(text, var)}: names {var}, which no code or script "
                    f"of the repository names ({len(scripts)} files searched)"
                )
        evidence.append(
            Evidence(
                f"{guide.name}: references",
                f"{len(named_paths)} paths, {len(variables)} variables checked against "
                f"{len(scripts)} code and script files",
            )
        )
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def _line_of(text: str, word: str) -> int:
    """The first line of ``text`` that names ``word``."""
    match = re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text)
    return text.count("\n", 0, match.start()) + 1 if match else 0

"""SARIF 2.1.0 output, so code-scanning tools (GitHub, GitLab, IDEs) show findings inline.

Generic on purpose: the repository scan, the pre-commit hook and live mode all turn
their findings into :class:`SarifFinding` and write one log. A finding's message is
the caller's text and must never hold a secret value: callers put a fingerprint in it
(and in ``fingerprint``, which becomes a partial fingerprint so tools can follow one
finding across commits). Standard library only, so the light install can write SARIF.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vault-gate/vault-gate"
LEVELS = frozenset({"none", "note", "warning", "error"})
FINGERPRINT_KEY = "secretFingerprint/v1"
SRCROOT = "%SRCROOT%"


@dataclass(frozen=True)
class SarifFinding:
    """One result: which rule, what to tell the reader, where (file and 1-based line).

    ``path`` None is a finding about no file (a process, a server); ``line`` None or
    0 is about a whole file. ``fingerprint`` (``sha256:...``), when given, identifies
    the secret without revealing it.
    """

    rule_id: str
    message: str
    path: str | None
    line: int | None
    level: str = "error"
    fingerprint: str | None = None


def _tool_version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("vault-gate")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def _artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a URI reference under %SRCROOT% (what GitHub maps to the
    repository root); an absolute one a file: URI. Both percent-encoded, '/'-separated."""
    posix = path.replace(os.sep, "/")
    if PurePosixPath(posix).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(posix.removeprefix("./"), safe="/"), "uriBaseId": SRCROOT}


def _result(finding: SarifFinding, rule_index: int) -> dict[str, object]:
    if finding.level not in LEVELS:
        raise ValueError(
            f"SARIF level {finding.level!r} of rule {finding.rule_id!r} is not one of "
            f"{', '.join(sorted(LEVELS))}"
        )
    result: dict[str, object] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": finding.message},
    }
    if finding.path is not None:
        physical: dict[str, object] = {"artifactLocation": _artifact_location(finding.path)}
        if finding.line is not None and finding.line > 0:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    return result


def sarif_log(
    findings: Iterable[SarifFinding],
    rules: Mapping[str, str],
    tool_name: str = "vault-gate",
    tool_version: str | None = None,
) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run: the tool, its rules, and one result per finding.

    ``rules`` maps each rule id to a short description. A finding whose rule is not in
    ``rules`` gets a rule described by its id, so no result points at a missing rule.
    """
    findings = list(findings)
    descriptions = dict(rules)
    for f in findings:
        descriptions.setdefault(f.rule_id, f.rule_id)
    index = {rule_id: i for i, rule_id in enumerate(descriptions)}
    driver = {
        "name": tool_name,
        "version": tool_version or _tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": [
            {"id": rule_id, "name": rule_id, "shortDescription": {"text": text}}
            for rule_id, text in descriptions.items()
        ],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"description": {"text": "the scanned root"}}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule_id]) for f in findings],
            }
        ],
    }


def write_sarif(path: Path, log: Mapping[str, object]) -> None:
    """Write ``log`` to ``path`` atomically: a reader (an upload step, an IDE) never sees
    half a file, and an interrupted write leaves the previous log in place."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"{path}: its directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(log, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a report is for readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

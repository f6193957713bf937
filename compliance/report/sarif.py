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
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
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


@dataclass(frozen=True)
class RuleHelp:
    """What a code-scanning tool shows beside a rule's results (GitHub requires
    ``fullDescription`` and ``help`` for each rule): what was found, why it matters, how
    to rotate it, how to allow a false positive; a severity for security tools."""

    name: str  # PascalCase, not the id (GitHub shows it as the rule's title)
    short: str
    full: str
    help_text: str
    help_markdown: str
    severity: float  # security-severity: 9.0+ critical, 7.0+ high, 4.0+ medium
    tags: tuple[str, ...]
    precision: str = "high"


ALLOW = (
    "Not a secret (a test fixture, an example)? Add the comment `pragma: allowlist secret` "
    "at the end of its line, or record it in the detect-secrets baseline "
    "(`.secrets.baseline`, see docs/scanner.md) and commit the baseline after review."
)
ENV_NOT_ALLOWED = (
    "A committed .env file is never allowed (no pragma, no baseline): commit a "
    "`.env.example` with placeholders instead."
)
ROTATE = (
    "Remove it from the file, rotate it at its source (a clone or a fork may already hold "
    "it: deleting the line does not un-leak it), and have the application read it from "
    "Vault at run time."
)
# (words in the finding's kind, name, what it is, how to rotate, severity, extra tags)
_CATEGORIES: tuple[tuple[tuple[str, ...], str, str, str, float, tuple[str, ...]], ...] = (
    (("unseal", "recovery"), "VaultUnsealKey",
     "a Vault/OpenBao unseal or recovery key share: with a threshold of them, anyone can "
     "unseal the server or make a root token",
     "Rekey the server (`bao operator rekey`, or `-target=recovery` for recovery keys) and "
     "hand the new shares to their holders out of band.", 9.8, ("vault",)),
    (("secret_id", "approle"), "VaultAppRoleSecretId",
     "a Vault/OpenBao AppRole secret_id: with the role_id it logs in as the application",
     "Destroy it (`bao write auth/approle/role/ROLE/secret-id/destroy secret_id=...` or by "
     "accessor) and deliver new secret_ids through a wrapped token or a trusted orchestrator.",
     9.0, ("vault",)),
    (("vault", "openbao"), "VaultToken",
     "a Vault/OpenBao token (or a value given to VAULT_TOKEN): it acts with every policy "
     "attached to it until it expires",
     "Revoke it (`bao token revoke -accessor ACCESSOR`), check the audit log for its use, "
     "and log in with AppRole or OIDC instead of a stored token.", 9.8, ("vault",)),
    (("dsn", "connection", "url", "database", "password"), "ConnectionUrlWithPassword",
     "a connection URL (DSN) with a password in it",
     "Change the database password (or let Vault's database engine issue short-lived "
     "logins) and build the URL at run time from what Vault returns.", 8.5, ("database",)),
    (("private key",), "PrivateKey", "a private key (PEM)",
     "Replace the key pair, revoke any certificate issued for it, and keep the new key in "
     "Vault (KV or the PKI engine).", 9.0, ("crypto",)),
    (("aws", "gcp", "google", "azure", "cloud"), "CloudCredential", "a cloud provider credential",
     "Deactivate the key in the provider's console, review its recent use, and use "
     "Vault's secrets engine for the provider (short-lived credentials).", 9.0, ("cloud",)),
    ((".env",), "CommittedEnvFile", "a committed .env file (environment secrets in the repository)",
     "Remove it from the repository (`git rm --cached FILE`, add it to .gitignore), rotate "
     "every value it held, and read them from Vault.", 8.0, ("configuration",)),
    (("known value",), "KnownSecretValue",
     "a value the harness knows to be secret (it wrote it to Vault in this run)",
     "Find what copied the value out of Vault (a log line, a cache file, a test fixture) and "
     "stop it; the value was a test value and needs no rotation.", 9.0, ()),
    (("live/",), "VaultConfigurationCheck", "a live Vault/OpenBao server's configuration",
     "Change the server's configuration as the finding says (docs/live-mode.md).", 7.0,
     ("vault", "configuration")),
)  # fmt: skip


def describe_rule(rule_id: str, text: str) -> RuleHelp:
    """A rule's help from its id and the finding kind's text (e.g. "DSN with password"):
    every kind a scanner reports, ours or detect-secrets', gets a full description and
    help; a kind no category names gets the generic secret's."""
    words = f"{rule_id} {text}".lower()
    found = next((c for c in _CATEGORIES if any(n in words for n in c[0])), None)
    if found is None:
        name, what, rotate, severity, tags = (
            "HardcodedSecret",
            "a hard-coded secret",
            ROTATE,
            7.5,
            (),
        )
    else:
        _, name, what, rotate, severity, tags = found
    if rule_id.startswith("live/"):
        tags = (*tags, "live")
        full = f"{text}: {what}."
        help_text = f"{full} {rotate}"
        markdown = f"**{text}**\n\nThis rule judges {what}.\n\n**Fix:** {rotate}"
    else:
        allow = ALLOW if name != "CommittedEnvFile" else ENV_NOT_ALLOWED
        full = f"{text}: {what} was found in the repository."
        help_text = f"{full}\n\nHow to rotate: {rotate}\n\nFalse positive: {allow}"
        markdown = (
            f"**{text}**: {what} was found in the repository. The message shows its "
            "fingerprint (sha256, 12 hex digits), never the value.\n\n"
            f"### How to rotate\n\n{rotate}\n\n### A false positive\n\n{allow}"
        )
    unique = name + "".join(w.capitalize() for w in re.findall(r"[a-z0-9]+", rule_id))
    return RuleHelp(
        name=unique if unique != rule_id else f"{unique}Rule",
        short=text,
        full=full,
        help_text=help_text,
        help_markdown=markdown,
        severity=severity,
        tags=("security", "secret" if not rule_id.startswith("live/") else "vault", *tags),
    )


def _rule(rule_id: str, text: str) -> dict[str, object]:
    h = describe_rule(rule_id, text)
    rule: dict[str, object] = {
        "id": rule_id,
        "name": h.name,
        "shortDescription": {"text": h.short},
        "fullDescription": {"text": h.full},
        "help": {"text": h.help_text, "markdown": h.help_markdown},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": list(dict.fromkeys(h.tags)),
            "security-severity": f"{h.severity:.1f}",
            "precision": h.precision,
            "problem.severity": "error",
        },
    }
    home = information_uri()
    if home:
        rule["helpUri"] = home
    return rule


def information_uri() -> str | None:
    """The project's home page, from the installed package's metadata (``Project-URL``
    Homepage or Repository, ``Home-page``); None (left out of the log) when it declares
    none: a placeholder would send a reader nowhere."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("vault-gate")
    except PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "repository", "source") and url.strip():
            return url.strip()
    home = meta.get("Home-page")
    return home.strip() if home and home.strip().startswith("https://") else None


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
    driver: dict[str, object] = {
        "name": tool_name,
        "version": tool_version or _tool_version(),
        "semanticVersion": tool_version or _tool_version(),
        "rules": [_rule(rule_id, text) for rule_id, text in descriptions.items()],
    }
    home = information_uri()
    if home:
        driver["informationUri"] = home
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

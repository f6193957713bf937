"""Criterion "All secrets migrated to Vault".

Two halves, both needed: every secret the plan names exists in the environment's
Vault tree with a usable value, and the application's code reads no secret from
anywhere else (an ``os.getenv("DATABASE_URL")`` or a ``process.env.SIGNING_KEY`` left
in the config means the migration is not done, whatever Vault holds). A secret is a
name the target lists in ``env_secrets``, or any name that names one
(compliance/code/names.py: KEY, TOKEN, PASSWORD, DSN, a data store's URL...) and is not
on the allow list. The only exception is a rollback module the caller names explicitly
(an app's dev-only fallback). And a Vault or OpenBao token read from the environment
(``VAULT_TOKEN``, ``BAO_TOKEN``, or a variable the target declares as a credential) is
a static secret by another name: the plan's own sketch does that, and it is a finding
everywhere in the app's code, the fallback included.

The code is read in any language the gate has a grammar for (compliance/code/). A file
in another language is named "not read" in the evidence; a file that does not parse is
a finding ("not judged", with its file and line), never a pass.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import hvac
import hvac.exceptions

from vault_gate.compliance.code import NOT_PARSED, READ, read_code, secret_kind
from vault_gate.compliance.profiles import Profile
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.target import Target

CRITERION = "secrets_migrated"

# Variables that carry a Vault token: an app that reads one holds a static credential.
TOKEN_VARIABLES: tuple[str, ...] = ("VAULT_TOKEN", "BAO_TOKEN")
# The test user the harness hands the target's seed command ([app.login] seed).
SEED_VARIABLES: tuple[str, ...] = ("VAULT_GATE_TEST_USER", "VAULT_GATE_TEST_PASSWORD")


def allowed_reads(target: Target) -> frozenset[str]:
    """Names the code may read from the environment though they look secret: the target's
    reviewed ``env_allow``, the variables its deployment maps to a value the harness
    provides (``[app.env]``: an address, a file path, the role_id; a literal is judged by
    its name like any other), and the test user the harness hands the seed command."""
    provided = set()
    if target.app is not None:
        provided = {var for var, source in target.app.env.items() if not source.startswith("=")}
    return frozenset({*target.env_allow, *provided, *SEED_VARIABLES})


def check_secrets_migrated(
    client: hvac.Client,
    profile: Profile,
    *,
    source_files: Sequence[Path] = (),
    fallback_files: Collection[Path] = (),
    plan_secrets: Mapping[str, tuple[str, str]],
    kv_mount: str = "secret",
    credential_env: Collection[str] = (),
    allow: Collection[str] = (),
) -> CheckResult:
    """Every secret present in ``<kv_prefix>/<entry>`` (non-empty string), and no source
    file outside ``fallback_files`` reading a secret's old variable name from the
    environment; no source file at all reading a token variable (``TOKEN_VARIABLES``
    and ``credential_env``). ``plan_secrets`` maps each variable the app used to read to
    its KV entry (relative to the environment's prefix) and key: the target says so
    (``[vault.secrets]`` and ``env_secrets``). Any other secret-named variable read is a
    finding too, unless ``allow`` lists it. ``client`` needs read on the tree."""
    tokens = set(TOKEN_VARIABLES) | set(credential_env)
    evidence: list[Evidence] = []
    findings: list[str] = []
    entries: dict[str, dict | None] = {}
    for name, (entry, key) in plan_secrets.items():
        path = f"{profile.kv_prefix}/{entry}" if profile.kv_prefix else entry
        if entry not in entries:
            try:
                resp = client.secrets.kv.v2.read_secret_version(
                    path=path, mount_point=kv_mount, raise_on_deleted_version=True
                )
                entries[entry] = resp["data"]["data"]
                evidence.append(
                    Evidence(
                        f"{kv_mount}/data/{path}",
                        f"version {resp['data']['metadata']['version']}, keys: "
                        + ", ".join(sorted(entries[entry] or {})),
                    )
                )
            except hvac.exceptions.InvalidPath:
                entries[entry] = None
                evidence.append(Evidence(f"{kv_mount}/data/{path}", "does not exist"))
            except hvac.exceptions.VaultError as exc:
                entries[entry] = None
                findings.append(f"{kv_mount}/data/{path}: cannot be read ({type(exc).__name__})")
                continue
        data = entries[entry]
        if data is None:
            findings.append(f"{name}: {kv_mount}/data/{path} does not exist")
        elif not isinstance(data.get(key), str) or not data.get(key):
            findings.append(f"{name}: key {key!r} missing or empty in {kv_mount}/data/{path}")

    code_evidence, code_findings = judge_code(
        source_files, fallback_files, plan_secrets, tokens, allow=allow
    )
    return CheckResult(
        CRITERION, profile.name, (*evidence, *code_evidence), (*findings, *code_findings)
    )


def judge_code(
    source_files: Sequence[Path],
    fallback_files: Collection[Path],
    plan_secrets: Collection[str],
    tokens: Collection[str],
    *,
    allow: Collection[str] = (),
) -> tuple[list[Evidence], list[str]]:
    """The code half: evidence and findings for every source file."""
    evidence: list[Evidence] = []
    findings: list[str] = []
    fallback = {p.resolve() for p in fallback_files}
    not_read: list[str] = []
    judged = 0
    for file in source_files:
        reading = read_code(file)
        if reading.status == NOT_PARSED:
            findings.append(
                f"{file}:{reading.line}: does not parse as {reading.language}: its code was "
                "not judged"
            )
            continue
        if reading.status != READ:
            not_read.append(f"{file.name}: {reading.reason}")
            continue
        judged += 1
        reads = reading.reads()
        in_fallback = file.resolve() in fallback
        evidence.append(
            Evidence(
                str(file),
                f"{reading.language}{', the dev-only fallback' if in_fallback else ''}: "
                f"environment reads: {', '.join(sorted(reads)) or 'none'}",
            )
        )
        for name, line in sorted(reads.items()):
            if name in tokens:
                findings.append(
                    f"{file}:{line}: reads the credential {name} from the environment: a static "
                    "Vault token, not an AppRole login"
                )
            elif in_fallback:
                continue
            elif name in plan_secrets:
                findings.append(f"{file}:{line}: reads {name} from the environment, not from Vault")
            elif (kind := secret_kind(name, allow)) is not None:
                findings.append(
                    f"{file}:{line}: reads {name} from the environment: by its name, {kind}, "
                    "which belongs in Vault (a reviewed non-secret goes in the target's env_allow)"
                )
    if not_read:
        evidence.append(
            Evidence(f"{len(not_read)} source files not read", "; ".join(not_read[:20]))
        )
    if source_files and not judged and not findings:
        findings.append(
            f"none of the {len(source_files)} source files is in a language the gate reads: "
            "the code was not judged"
        )
    return evidence, findings


def environment_reads(file: Path) -> dict[str, int]:
    """Names a source file (any language the gate reads) reads from the environment, with
    the first line of each; {} for a file not read or not parsed."""
    reading = read_code(file)
    return reading.reads() if reading.judged else {}

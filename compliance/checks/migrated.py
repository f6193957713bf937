"""Criterion "All secrets migrated to Vault".

Two halves, both needed: every secret the plan names exists in the environment's
Vault tree with a usable value, and the application's code reads none of those
names from anywhere else (an ``os.getenv("DATABASE_URL")`` left in the config means
the migration is not done, whatever Vault holds). The only exception is a rollback
module the caller names explicitly (an app's dev-only fallback). And a Vault or
OpenBao token read from the environment (``VAULT_TOKEN``, ``BAO_TOKEN``, or a variable
the target declares as a credential) is a static secret by another name: the plan's own
sketch does that, and it is a finding everywhere in the app's code.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import hvac
import hvac.exceptions

from vault_gate.compliance.profiles import Profile
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "secrets_migrated"

# Variables that carry a Vault token: an app that reads one holds a static credential.
TOKEN_VARIABLES: tuple[str, ...] = ("VAULT_TOKEN", "BAO_TOKEN")


def check_secrets_migrated(
    client: hvac.Client,
    profile: Profile,
    *,
    source_files: Sequence[Path] = (),
    fallback_files: Collection[Path] = (),
    plan_secrets: Mapping[str, tuple[str, str]],
    kv_mount: str = "secret",
    credential_env: Collection[str] = (),
) -> CheckResult:
    """Every secret present in ``<kv_prefix>/<entry>`` (non-empty string), and no source
    file outside ``fallback_files`` reading a secret's old variable name from the
    environment; no source file at all reading a token variable (``TOKEN_VARIABLES``
    and ``credential_env``). ``plan_secrets`` maps each variable the app used to read to
    its KV entry (relative to the environment's prefix) and key: the target says so
    (``[vault.secrets]`` and ``env_secrets``). ``client`` needs read on the tree."""
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

    fallback = {p.resolve() for p in fallback_files}
    for file in source_files:
        reads = environment_reads(file)
        evidence.append(
            Evidence(str(file), f"environment reads: {', '.join(sorted(reads)) or 'none'}")
        )
        for name, line in sorted(reads.items()):
            if name in tokens:
                findings.append(
                    f"{file}:{line}: reads the credential {name} from the environment: a static "
                    "Vault token, not an AppRole login"
                )
        if file.resolve() in fallback:
            continue
        for name, line in sorted(reads.items()):
            if name in plan_secrets:
                findings.append(f"{file}:{line}: reads {name} from the environment, not from Vault")
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))


def environment_reads(file: Path) -> dict[str, int]:
    """Names a Python file reads from the environment, with the first line of each.

    Recognises ``os.getenv("X")``, ``os.environ["X"]``, ``os.environ.get("X")`` and
    ``environ.get("X")`` / ``env["X"]`` on any mapping named like an environment.
    """
    try:
        tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"), str(file))
    except SyntaxError as exc:
        return {f"<unparseable: {exc.msg}>": exc.lineno or 0}
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call) and node.args and _is_str(node.args[0]):
            func = node.func
            if isinstance(func, ast.Attribute) and (
                func.attr == "getenv"
                or (func.attr in ("get", "pop") and _looks_like_environ(func.value))
            ):
                name = node.args[0].value  # type: ignore[attr-defined]
        elif (
            isinstance(node, ast.Subscript)
            and _looks_like_environ(node.value)
            and _is_str(node.slice)
        ):
            name = node.slice.value  # type: ignore[attr-defined]
        if name is not None:
            found.setdefault(name, node.lineno)
    return found


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _looks_like_environ(node: ast.AST) -> bool:
    text = ast.unparse(node).lower()
    return text.endswith(("environ", "env", "environment"))

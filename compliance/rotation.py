"""Criterion "Rotation works and invalidates old values".

A rotation that writes a new version proves nothing by itself: the plan's sketch
caches with ``lru_cache`` and would go on serving the old key for ever. So the check
takes what was valid *before* the rotation (captured by the caller as a
:class:`RotationProbe`) and tries each old credential against the real parts after
the rotation and its grace window:

* the old JWT must get 401 from the app;
* the old session cookie must be refused by the app;
* the old database login must fail in PostgreSQL;
* the old AppRole secret_id must fail to log in to Vault;
* the app must serve the new KV versions (``/health``), not the old ones;
* and, statically, no secret reader in the app's code may be wrapped in an
  unbounded memoising cache (``functools.lru_cache``/``cache``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import hvac
import hvac.exceptions
import psycopg
import requests

from compliance.result import CheckResult, Evidence
from compliance.secret import Secret

CRITERION = "rotation_works"
TIMEOUT_S = 10
MEMOISERS = {"lru_cache", "cache", "cached_property"}
UNREACHABLE = -1


@dataclass
class RotationProbe:
    """Credentials that were valid before the rotation. Each one left None is not probed."""

    jwt: Secret | None = None
    session_cookie: Secret | None = None
    cookie_name: str = "session"
    db_user: str | None = None
    db_password: Secret | None = None
    secret_id: Secret | None = None
    versions_before: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    """Where the old credentials are tried."""

    app_url: str
    vault_addr: str
    role_id: str
    db_host: str
    db_port: int
    db_name: str
    ca_file: str | None = None


def check_rotation(
    targets: Targets,
    environment: str,
    probe: RotationProbe,
    *,
    rotated: Mapping[str, int] = {},
    source_files: Sequence[Path] = (),
) -> CheckResult:
    """``rotated`` maps KV entries (flask, jwt) to the version the rotation wrote."""
    evidence: list[Evidence] = []
    findings: list[str] = []

    if probe.jwt is not None:
        code = _get(targets, "/orders", headers={"Authorization": f"Bearer {probe.jwt.reveal()}"})
        evidence.append(Evidence(f"GET {targets.app_url}/orders with the old JWT", f"HTTP {code}"))
        if code == UNREACHABLE:
            findings.append("the app could not be reached to try the old JWT")
        elif code != 401:
            findings.append(
                f"the old JWT ({probe.jwt.fingerprint}) is still accepted (HTTP {code})"
            )
    if probe.session_cookie is not None:
        code = _get(targets, "/session", cookies={probe.cookie_name: probe.session_cookie.reveal()})
        evidence.append(
            Evidence(f"GET {targets.app_url}/session with the old cookie", f"HTTP {code}")
        )
        if code == UNREACHABLE:
            findings.append("the app could not be reached to try the old session cookie")
        elif code != 401:
            findings.append(f"the old session cookie is still accepted (HTTP {code})")
    if probe.db_user is not None and probe.db_password is not None:
        outcome = _db_login(targets, probe.db_user, probe.db_password)
        where = f"{targets.db_host}:{targets.db_port}/{targets.db_name}"
        evidence.append(Evidence(f"PostgreSQL {where} as {probe.db_user}", outcome))
        if outcome == "login succeeded":
            findings.append(f"the old database login {probe.db_user} still works")
    if probe.secret_id is not None:
        outcome = _approle_login(targets, probe.secret_id)
        evidence.append(
            Evidence(
                f"AppRole login with the old secret_id ({probe.secret_id.fingerprint})", outcome
            )
        )
        if outcome == "login succeeded":
            findings.append(f"the old secret_id ({probe.secret_id.fingerprint}) can still log in")
    if rotated:
        served = _served_versions(targets)
        evidence.append(
            Evidence(
                f"GET {targets.app_url}/health",
                ", ".join(f"{k} v{v}" for k, v in sorted(served.items())) or "no versions",
            )
        )
        for entry, version in sorted(rotated.items()):
            if served.get(entry) != version:
                findings.append(
                    f"the app serves {entry} version {served.get(entry)}, "
                    f"not the rotated version {version}"
                )
    if source_files:
        static = check_no_stale_cache(source_files, environment)
        findings += static.findings
        evidence += static.evidence
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def _get(targets: Targets, path: str, **kwargs: object) -> int:
    try:
        return requests.get(targets.app_url + path, timeout=TIMEOUT_S, **kwargs).status_code  # type: ignore[arg-type]
    except requests.RequestException:
        return UNREACHABLE


def _db_login(targets: Targets, user: str, password: Secret) -> str:
    try:
        with psycopg.connect(
            host=targets.db_host,
            port=targets.db_port,
            dbname=targets.db_name,
            user=user,
            password=password.reveal(),
            connect_timeout=5,
        ):
            return "login succeeded"
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"refused: {first[:160]}"


def _approle_login(targets: Targets, secret_id: Secret) -> str:
    client = hvac.Client(url=targets.vault_addr, verify=targets.ca_file or True, timeout=TIMEOUT_S)
    client.token = None
    try:
        client.auth.approle.login(role_id=targets.role_id, secret_id=secret_id.reveal())
    except hvac.exceptions.VaultError as exc:
        return f"refused: {type(exc).__name__}"
    return "login succeeded"


def _served_versions(targets: Targets) -> dict[str, int]:
    try:
        body = requests.get(targets.app_url + "/health", timeout=TIMEOUT_S).json()
    except (requests.RequestException, ValueError):
        return {}
    return {k: int(v["version"]) for k, v in (body.get("secrets") or {}).items()}


def memoised_secret_readers(file: Path) -> list[tuple[int, str]]:
    """Functions decorated with lru_cache/cache whose body talks to Vault.

    "Talks to Vault" is read loosely from the source: a call whose dotted name mentions
    ``secret``, ``kv`` or ``vault``. Good enough to catch the plan's sketch; a cache
    with a bounded lifetime (the store-erp client's) is not a decorator and passes.
    """
    try:
        tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"), str(file))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        decorators = {_name(d) for d in node.decorator_list}
        if not decorators & MEMOISERS:
            continue
        body = ast.unparse(node).lower()
        if any(word in body for word in ("secret", ".kv.", "vault")):
            found.append((node.lineno, node.name))
    return found


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def check_no_stale_cache(source_files: Sequence[Path], environment: str) -> CheckResult:
    """The static half of rotation: no secret reader memoised for ever (the plan's
    ``@lru_cache`` on ``get_secret``), which would serve a rotated value until restart."""
    findings = [
        f"{file}:{line}: {name} is memoised with an unbounded cache: a rotated secret is never seen"
        for file in source_files
        for line, name in memoised_secret_readers(file)
    ]
    evidence = (Evidence("memoised secret readers", f"{len(source_files)} source files read"),)
    if not source_files:
        findings.append("no source file given: the application's code was not read")
    return CheckResult(CRITERION, environment, evidence, tuple(findings))

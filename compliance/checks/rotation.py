"""Criterion "Rotation works and invalidates old values".

A rotation that writes a new version proves nothing by itself: the plan's sketch
caches with ``lru_cache`` and would go on serving the old key for ever. So the check
takes what was valid *before* the rotation (captured by the caller as a
:class:`RotationProbe`) and tries each old credential against the real parts after
the rotation and its grace window:

* the old credential (a JWT, an API token) must be refused by the app;
* the old session cookie must be refused by the app;
* the old database login must fail in PostgreSQL;
* the old AppRole secret_id must fail to log in to Vault;
* the app must serve the new KV versions (where it says which it serves), not the old;
* and, statically, the app's code may keep no value read from Vault for ever: no secret
  reader wrapped in an unbounded memoiser (``functools.lru_cache``, JS ``memoize``,
  Go's ``sync.Once``, Java's ``@Cacheable``...), no module-level or static holder filled
  from Vault and never refreshed, no ``static final`` read once at load. In any language
  the gate reads (compliance/code/).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import hvac
import hvac.exceptions
import psycopg
import requests

from vault_gate.compliance.code import NOT_PARSED, READ, read_code
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

CRITERION = "rotation_works"
TIMEOUT_S = 10
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
class Tries:
    """How the check tries an old value again: the I/O, injected by the caller (the
    sign-off drives the real app, PostgreSQL and Vault through the target's contract).

    Each ``try_*`` answers an HTTP status, or a short outcome ("login succeeded" or
    "refused: ..."); ``served_versions`` what the app says it serves ({} if it does not
    say); ``where`` names the places tried, for evidence.
    """

    try_credential: Callable[[Secret], int] | None = None
    try_cookie: Callable[[Secret], int] | None = None
    try_db_login: Callable[[str, Secret], str] | None = None
    try_secret_id: Callable[[Secret], str] | None = None
    served_versions: Callable[[], dict[str, int]] | None = None
    refused: tuple[int, ...] = (401, 403)
    where: Mapping[str, str] = field(default_factory=dict)


def check_rotation(
    tries: Tries,
    environment: str,
    probe: RotationProbe,
    *,
    rotated: Mapping[str, int] = {},
    before: Mapping[str, int] = {},
    source_files: Sequence[Path] = (),
) -> CheckResult:
    """Every old value refused, and the app serving what the server now holds.

    ``before`` and ``rotated`` are the KV entries' versions on the server before and after
    the rotation (read from the server, not from the tool's output)."""
    evidence: list[Evidence] = []
    findings: list[str] = []
    w = tries.where
    if before or rotated:
        evidence.append(
            Evidence(
                "KV versions on the server (before -> after the rotation)",
                ", ".join(f"{k} v{before.get(k)} -> v{v}" for k, v in sorted(rotated.items()))
                or "no entry",
            )
        )
    if probe.jwt is not None and tries.try_credential is not None:
        code = tries.try_credential(probe.jwt)
        evidence.append(Evidence(f"{w.get('credential', 'the app')} with the old credential "
                                 f"({probe.jwt.fingerprint})", f"HTTP {code}"))  # fmt: skip
        if code == UNREACHABLE:
            findings.append("the app could not be reached to try the old credential")
        elif code not in tries.refused:
            findings.append(
                f"the old credential ({probe.jwt.fingerprint}) is still accepted (HTTP {code})"
            )
    if probe.session_cookie is not None and tries.try_cookie is not None:
        code = tries.try_cookie(probe.session_cookie)
        evidence.append(
            Evidence(f"{w.get('cookie', 'the app')} with the old session cookie", f"HTTP {code}")
        )
        if code == UNREACHABLE:
            findings.append("the app could not be reached to try the old session cookie")
        elif code not in tries.refused:
            findings.append(f"the old session cookie is still accepted (HTTP {code})")
    if probe.db_user is not None and probe.db_password is not None and tries.try_db_login:
        outcome = tries.try_db_login(probe.db_user, probe.db_password)
        evidence.append(Evidence(f"PostgreSQL {w.get('database', '')} as {probe.db_user}", outcome))
        if outcome == "login succeeded":
            findings.append(f"the old database login {probe.db_user} still works")
    if probe.secret_id is not None and tries.try_secret_id is not None:
        outcome = tries.try_secret_id(probe.secret_id)
        evidence.append(
            Evidence(
                f"AppRole login with the old secret_id ({probe.secret_id.fingerprint})", outcome
            )
        )
        if outcome == "login succeeded":
            findings.append(f"the old secret_id ({probe.secret_id.fingerprint}) can still log in")
    changed = {k: v for k, v in rotated.items() if before.get(k) != v}
    if changed and tries.served_versions is not None:
        served = tries.served_versions()
        evidence.append(
            Evidence(
                f"{w.get('versions', 'the app')}: the versions it serves",
                ", ".join(f"{k} v{v}" for k, v in sorted(served.items())) or "no versions",
            )
        )
        for entry, version in sorted(changed.items()):
            if entry in served and served[entry] != version:
                findings.append(
                    f"the app serves {entry} version {served[entry]}, "
                    f"not the rotated version {version}"
                )
    if source_files:
        static = check_no_stale_cache(source_files, environment)
        findings += static.findings
        evidence += static.evidence
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def db_login(host: str, port: int, dbname: str, user: str, password: Secret) -> str:
    """Try a PostgreSQL login: "login succeeded" or "refused: <first line>"."""
    try:
        with psycopg.connect(
            host=host, port=port, dbname=dbname, user=user,
            password=password.reveal(), connect_timeout=5,
        ):  # fmt: skip
            return "login succeeded"
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"refused: {first[:160]}"


def approle_login(
    addr: str,
    role_id: str,
    secret_id: Secret,
    *,
    ca_file: str | None = None,
    mount: str = "approle",
) -> str:
    """Try an AppRole login: "login succeeded" or "refused: <error type>"."""
    client = hvac.Client(url=addr, verify=ca_file or True, timeout=TIMEOUT_S)
    client.token = None
    try:
        client.auth.approle.login(role_id=role_id, secret_id=secret_id.reveal(), mount_point=mount)
    except hvac.exceptions.VaultError as exc:
        return f"refused: {type(exc).__name__}"
    return "login succeeded"


def http_status(send: Callable[[], requests.Response]) -> int:
    """The status of ``send()``, or UNREACHABLE when no answer came."""
    try:
        return send().status_code
    except requests.RequestException:
        return UNREACHABLE


def memoised_secret_readers(file: Path) -> list[tuple[int, str]]:
    """Secret readers wrapped in a memoiser that never expires, as (line, name)."""
    reading = read_code(file)
    return [(k.line, k.name) for k in reading.kept if k.kind == "memoised"]


def check_no_stale_cache(source_files: Sequence[Path], environment: str) -> CheckResult:
    """The static half of rotation: nothing read from Vault kept for ever (the plan's
    ``@lru_cache`` on ``get_secret``; a module-level key cache never refreshed), which would
    serve a rotated value until restart. A file that does not parse is a finding (not
    judged); one in a language the gate does not read is named in the evidence."""
    findings: list[str] = []
    not_read: list[str] = []
    judged = 0
    for file in source_files:
        reading = read_code(file)
        if reading.status == NOT_PARSED:
            findings.append(
                f"{file}:{reading.line}: does not parse as {reading.language}: its code was "
                "not judged"
            )
        elif reading.status != READ:
            not_read.append(f"{file.name}: {reading.reason}")
        else:
            judged += 1
            findings += [f"{file}:{k.line}: {k.name} {k.why}" for k in reading.kept]
    evidence = [Evidence("values kept from Vault without expiry", f"{judged} source files read")]
    if not_read:
        evidence.append(
            Evidence(f"{len(not_read)} source files not read", "; ".join(not_read[:20]))
        )
    if not source_files:
        findings.append("no source file given: the application's code was not read")
    elif not judged and not findings:
        findings.append(
            f"none of the {len(source_files)} source files is in a language the gate reads: "
            "the code was not judged"
        )
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

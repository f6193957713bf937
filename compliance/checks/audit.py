"""Criteria "Audit logging enabled" and "The application retrieves its secrets from Vault".

Both are judged from the file audit device's log: JSON lines, one ``request`` entry
when a call arrives and one ``response`` entry when it is answered, each with the
caller's ``auth`` (token accessor, display name, policies, metadata), the
``request`` (path, operation, mount) and, for responses, the ``response`` and any
``error``. With ``log_raw`` off every string value in request and response data,
and the token and its accessor, are HMAC-SHA256'd with the device's salt; the
harness can ask the server for the same HMAC of a value (``sys/audit-hash/<device>``)
and look for it.

Attributing entries to the app: a token's accessor is the same (HMAC'd) string in
every entry the token makes, and the response to an AppRole login names the new
token's accessor and the role (``auth.metadata.role_name``). So the app's tokens are
the accessors of successful logins to its role, collected while reading, and the
app's reads are the entries made with them. Token metadata alone is not trusted:
a token with any metadata can be created by whoever may create tokens. Where several
processes of one role run (an app and the next one starting, a rotation tool), the
caller names *which* logins are the app's: the HMACs of the app's own secret_id
(``logins``), which a login's entry holds in its ``request.data.secret_id``.

Logs get large (a 1 GB log must read at 100 MB/s or better in flat memory): they are
streamed line by line, parsed with orjson, and the checks look at the parsed dict
directly; only :func:`iter_entries` builds an :class:`AuditEntry` per line. A line
that is not a JSON object (truncated by a crash or a full disk, garbage) is counted
and skipped, never fatal.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import orjson
import requests

from vault_gate.compliance.profiles import Profile
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

AUDIT_CRITERION = "audit_enabled"
READS_CRITERION = "app_reads_from_vault"
# A line longer than this is read in pieces, counted as corrupt and not parsed: one
# broken, newline-less stretch of a log must not take the whole log into memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
# Above this many distinct keys a summary counter keeps only its heaviest half.
SUMMARY_MAX_KEYS = 10_000
_TRUE = frozenset({"1", "t", "true", "yes", "on"})  # Go's ParseBool, plus yes/on

Record = dict[str, Any]


# -- reading ---------------------------------------------------------------------------


@dataclass
class AuditStats:
    """What reading a log met: lines, entries, and the lines that were skipped.

    ``corrupt`` counts lines that are not a JSON object (``oversized`` ones
    included); ``ignored`` counts JSON objects that are not request/response entries.
    """

    bytes_read: int = 0
    lines: int = 0
    blank: int = 0
    entries: int = 0
    corrupt: int = 0
    oversized: int = 0
    ignored: int = 0

    def describe(self) -> str:
        return (
            f"{self.entries} entries in {self.lines} lines ({self.bytes_read} bytes); "
            f"{self.corrupt} corrupt, {self.ignored} other, {self.blank} blank"
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """The fields of one entry a reviewer or a check asks about."""

    type: str  # "request" or "response"
    time: str
    path: str
    operation: str
    mount_type: str
    accessor: str  # HMAC'd unless the device has hmac_accessor=false
    display_name: str
    policies: tuple[str, ...]
    role_name: str  # auth.metadata.role_name: set on AppRole tokens
    error: str
    has_data: bool  # the response carried a data object (a denied one does too: data.error)


def _read_lines(path: Path, stats: AuditStats, start: int = 0) -> Iterator[tuple[bytes, bool]]:
    """(line, whole) for each line from byte offset ``start``; OSError if unreadable.

    ``whole`` is False for the pieces of an oversized line: they are there to be
    searched for plain-text values, not parsed.
    """
    with path.open("rb") as fh:
        if start:
            fh.seek(start)
        readline = fh.readline
        while True:
            line = readline(MAX_LINE_BYTES)
            if not line:
                return
            stats.lines += 1
            stats.bytes_read += len(line)
            if len(line) < MAX_LINE_BYTES or line.endswith(b"\n"):
                yield line, True
                continue
            stats.oversized += 1
            stats.corrupt += 1
            while line and not line.endswith(b"\n"):
                yield line, False
                line = readline(MAX_LINE_BYTES)
                stats.bytes_read += len(line)
            if line:
                yield line, False


def _parse(line: bytes, stats: AuditStats) -> Record | None:
    """The entry on a line, or None (counted as blank, corrupt or ignored)."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        if line.isspace():
            stats.blank += 1
        else:
            stats.corrupt += 1
        return None
    if type(record) is not dict:
        stats.corrupt += 1
        return None
    kind = record.get("type")
    if kind != "request" and kind != "response":
        stats.ignored += 1
        return None
    stats.entries += 1
    return record


def _records(path: Path, stats: AuditStats, start: int = 0) -> Iterator[Record]:
    for line, whole in _read_lines(path, stats, start):
        if whole:
            record = _parse(line, stats)
            if record is not None:
                yield record


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (a malformed field reads as absent)."""
    return value if type(value) is dict else {}


def _str(value: Any) -> str:
    return value if type(value) is str else ""


def error_text(error: Any) -> str:
    """An entry's error in one line: Vault wraps errors as "1 error occurred:\\n\\t* ...\\n\\n"."""
    if not error:
        return ""
    text = str(error)
    items = [line[3:].strip() for line in text.splitlines() if line.startswith("\t* ")]
    return "; ".join(items) if items else " ".join(text.split())


def _entry(record: Record) -> AuditEntry:
    auth = _obj(record.get("auth"))
    request = _obj(record.get("request"))
    policies = auth.get("policies")
    return AuditEntry(
        type=record["type"],
        time=_str(record.get("time")),
        path=_str(request.get("path")),
        operation=_str(request.get("operation")),
        mount_type=_str(request.get("mount_type")),
        accessor=_str(auth.get("accessor")),
        display_name=_str(auth.get("display_name")),
        policies=tuple(p for p in policies if type(p) is str) if type(policies) is list else (),
        role_name=_str(_obj(auth.get("metadata")).get("role_name")),
        error=error_text(record.get("error")),
        has_data=bool(_obj(_obj(record.get("response")).get("data"))),
    )


def iter_entries(
    path: Path, stats: AuditStats | None = None, *, start: int = 0
) -> Iterator[AuditEntry]:
    """Stream the log's entries; pass ``stats`` to learn what was skipped.

    ``start`` is a byte offset (e.g. the log's size before a scenario ran). Corrupt
    lines are counted in ``stats`` and skipped; an unreadable file raises OSError.
    """
    counts = stats if stats is not None else AuditStats()
    for record in _records(path, counts, start):
        yield _entry(record)


# -- attributing entries to an AppRole -------------------------------------------------


def raw_login(secret_id: str) -> str:
    """How a login's secret_id stands among an app's ``logins`` when a device logs raw
    values (log_raw): a digest of it, so the set of logins never holds the value itself.
    An HMAC'd device's entry (``hmac-sha256:...``) never equals such a digest."""
    return "raw-sha256:" + hashlib.sha256(secret_id.encode()).hexdigest()


def _is_login_of(record: Record, role: str, logins: frozenset[str] | None = None) -> str | None:
    """The new token's accessor if ``record`` answers a successful login to AppRole
    ``role`` (with one of the secret_ids whose HMACs ``logins`` holds, if given)."""
    if record["type"] != "response" or record.get("error"):
        return None
    request = _obj(record.get("request"))
    path = _str(request.get("path"))
    mount_type = request.get("mount_type")
    if not path.endswith("/login"):
        return None
    if mount_type != "approle" and not (mount_type is None and path.startswith("auth/approle/")):
        return None
    auth = _obj(record.get("auth")) or _obj(_obj(record.get("response")).get("auth"))
    if _obj(auth.get("metadata")).get("role_name") != role:
        return None
    if logins is not None:
        used = _str(_obj(request.get("data")).get("secret_id"))
        if used not in logins and raw_login(used) not in logins:
            return None
    return _str(auth.get("accessor")) or None


@dataclass
class _RoleTokens:
    """The accessors of a role's tokens, learnt from login responses in log order."""

    role: str
    secret_ids: frozenset[str] | None = None  # HMACs: only logins with these are the app's
    accessors: set[str] = field(default_factory=set)
    logins: int = 0
    entries: int = 0

    @property
    def who(self) -> str:
        """Whose entries: the role's, or the app's own logins to it."""
        own = " with the app's own secret_id" if self.secret_ids is not None else ""
        return f"AppRole {self.role}{own}"

    def observe(self, record: Record) -> bool:
        """Learn from ``record``; True if it was made by one of the role's tokens."""
        accessor = _is_login_of(record, self.role, self.secret_ids)
        if accessor is not None:
            self.accessors.add(accessor)
            self.logins += 1
            return False
        if _str(_obj(record.get("auth")).get("accessor")) in self.accessors:
            self.entries += 1
            return True
        return False


_ACCESSOR_KEY = b'"accessor":"'
_PLAIN_ROLE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _may_concern(line: bytes, role: bytes, accessors: set[str]) -> bool:
    """False only for a line that cannot be a login to the role nor an entry of one of
    its tokens, decided on the bytes: it does not hold the role's name, and it holds no
    ``"accessor"`` key or exactly one whose (escape-free) value is not a known token's.
    Two or more such keys, or an escape in the value: parse, to be sure."""
    if role in line:
        return True
    at = line.find(_ACCESSOR_KEY)
    if at < 0:
        return False
    if line.find(_ACCESSOR_KEY, at + 1) >= 0:
        return True
    start = at + len(_ACCESSOR_KEY)
    end = line.find(b'"', start)
    value = line[start:end]
    return end < 0 or b"\\" in value or value.decode("utf-8", "replace") in accessors


def role_request_paths(
    audit_log: Path, app_role: str, *, start: int = 0, logins: Collection[str] | None = None
) -> set[str]:
    """Request paths that tokens of AppRole ``app_role`` used successfully: what the app
    really did, for the least-privilege check's "granted but never used". ``logins``:
    only the tokens of logins with these secret_id HMACs (the module doc).

    Lines that cannot concern the role are skipped before parsing (:func:`_may_concern`):
    parsing is most of the cost of reading a large log, and most of a shared server's
    log is other clients'.
    """
    tokens = _RoleTokens(app_role, frozenset(logins) if logins is not None else None)
    used: set[str] = set()
    stats = AuditStats()
    role = orjson.dumps(app_role) if set(app_role) <= _PLAIN_ROLE else None
    for line, whole in _read_lines(audit_log, stats, start):
        if not whole or (role is not None and not _may_concern(line, role, tokens.accessors)):
            continue
        record = _parse(line, stats)
        if record is None:
            continue
        if tokens.observe(record) and record["type"] == "response" and not record.get("error"):
            used.add(_str(_obj(record.get("request")).get("path")))
    return used


def role_records(
    audit_log: Path,
    app_role: str,
    *,
    stats: AuditStats | None = None,
    start: int = 0,
    logins: Collection[str] | None = None,
) -> Iterator[tuple[bool, Record]]:
    """(is_login, entry) for each successful login to AppRole ``app_role`` and each entry
    its tokens made, in log order, streamed: what ``vault-gate policy suggest`` reads.
    ``stats`` counts what was read and skipped; ``logins`` as :func:`role_request_paths`."""
    tokens = _RoleTokens(app_role, frozenset(logins) if logins is not None else None)
    counts = stats if stats is not None else AuditStats()
    role = orjson.dumps(app_role) if set(app_role) <= _PLAIN_ROLE else None
    for line, whole in _read_lines(audit_log, counts, start):
        if not whole:
            continue
        if not line.rstrip().endswith(b"}"):  # no JSON object: truncated or garbage
            if line.isspace():
                counts.blank += 1
            else:
                counts.corrupt += 1
            continue
        if role is not None and not _may_concern(line, role, tokens.accessors):
            continue
        record = _parse(line, counts)
        if record is None:
            continue
        before = tokens.logins
        if tokens.observe(record):
            yield False, record
        elif tokens.logins != before:
            yield True, record


def accessor_records(
    audit_log: Path, accessor: str, *, stats: AuditStats | None = None
) -> Iterator[Record]:
    """Each entry made with the token whose accessor is ``accessor``, as the log writes it
    (HMAC'd, ``hmac-sha256:...``, unless the device logs accessors raw)."""
    counts = stats if stats is not None else AuditStats()
    needle = accessor.encode()
    for line, whole in _read_lines(audit_log, counts, 0):
        if not whole:
            continue
        if not line.rstrip().endswith(b"}"):  # no JSON object: truncated or garbage
            counts.corrupt += 0 if line.isspace() else 1
            continue
        if needle not in line:
            continue
        record = _parse(line, counts)
        if record is not None and _str(_obj(record.get("auth")).get("accessor")) == accessor:
            yield record


# -- summary ---------------------------------------------------------------------------


class _BoundedCounter(Counter[str]):
    """A Counter that keeps memory flat: past ``limit`` keys it drops its lighter half.

    Top-N answers stay right for heavy hitters; ``approximate`` says a prune happened.
    """

    def __init__(self, limit: int = SUMMARY_MAX_KEYS) -> None:
        super().__init__()
        self.limit = limit
        self.approximate = False

    def add(self, key: str) -> None:
        self[key] += 1
        if len(self) > self.limit:
            keep = self.most_common(self.limit // 2)
            self.clear()
            self.update(dict(keep))
            self.approximate = True


def summarize(path: Path, top: int = 20, *, start: int = 0) -> dict[str, Any]:
    """Counts a reviewer reads first: by type, operation, path, accessor, role, error.

    Operations, paths, accessors and roles are counted on request entries (one per
    API call); errors on response entries. JSON-serialisable.
    """
    stats = AuditStats()
    types: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    paths, accessors, roles, errors = (_BoundedCounter() for _ in range(4))
    first = last = ""
    for record in _records(path, stats, start):
        kind = record["type"]
        types[kind] += 1
        time = _str(record.get("time"))
        first = first or time
        last = time or last
        if kind == "request":
            request = _obj(record.get("request"))
            auth = _obj(record.get("auth"))
            operations[_str(request.get("operation")) or "(none)"] += 1
            paths.add(_str(request.get("path")) or "(none)")
            accessors.add(_str(auth.get("accessor")) or "(none)")
            role = _str(_obj(auth.get("metadata")).get("role_name"))
            if role:
                roles.add(role)
        elif record.get("error"):
            errors.add(error_text(record["error"]))
    return {
        "file": str(path),
        "bytes_read": stats.bytes_read,
        "lines": stats.lines,
        "entries": stats.entries,
        "corrupt_lines": stats.corrupt,
        "oversized_lines": stats.oversized,
        "other_lines": stats.ignored,
        "blank_lines": stats.blank,
        "first_time": first,
        "last_time": last,
        "by_type": dict(types),
        "by_operation": dict(operations.most_common()),
        "top_paths": dict(paths.most_common(top)),
        "distinct_paths": len(paths),
        "top_accessors": dict(accessors.most_common(top)),
        "distinct_accessors": len(accessors),
        "by_role_name": dict(roles.most_common(top)),
        "errors": sum(errors.values()),
        "top_errors": dict(errors.most_common(top)),
        "approximate": any(c.approximate for c in (paths, accessors, roles, errors)),
    }


# -- check: audit enabled --------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _same_file(a: str, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except (OSError, ValueError):
        return False


def _judge_devices(
    devices: dict[str, Any], profile: Profile, audit_log: Path | None
) -> tuple[list[Evidence], list[str], list[str]]:
    """(evidence, findings, devices writing to ``audit_log``) for the profile's devices.

    ``audit_log`` None: the log is not at hand (live mode against a remote server), so
    where a device writes is shown but not compared."""
    evidence, findings, writers = [], [], []
    listed = ", ".join(sorted(k for k in devices if isinstance(devices[k], dict))) or "none"
    evidence.append(Evidence("sys/audit", f"enabled devices: {listed}"))
    if not profile.audit_devices:
        source = f" ({profile.server_config})" if profile.server_config else ""
        findings.append(
            f"no audit device is declared for {profile.name}: its server config{source} "
            f"declares none, so nothing it serves is audited (sys/audit lists: {listed}; "
            "a vault-gate-observer/ there is the harness's own, not the environment's)"
        )
    for device in profile.audit_devices:
        info = devices.get(f"{device}/")
        if not isinstance(info, dict):
            findings.append(f"audit device {device}/ is not enabled (sys/audit lists: {listed})")
            continue
        kind = info.get("type")
        options = _obj(info.get("options"))
        file_path = _str(options.get("file_path") or options.get("path"))
        evidence.append(
            Evidence(
                f"sys/audit {device}/",
                f"type={kind} file_path={file_path or '(none)'} "
                f"log_raw={options.get('log_raw', '(absent)')} "
                f"hmac_accessor={options.get('hmac_accessor', '(absent)')}",
            )
        )
        if kind != "file":
            findings.append(f"audit device {device}/ is of type {kind}, not file")
        if _truthy(options.get("log_raw")):
            findings.append(
                f"audit device {device}/ has log_raw on: secret values reach its log unhashed"
            )
        if audit_log is None:
            continue
        if _same_file(file_path, audit_log):
            writers.append(device)
        elif kind == "file":
            findings.append(
                f"audit device {device}/ writes to {file_path or '(no file_path)'}, "
                f"not to the log examined ({audit_log})"
            )
    return evidence, findings, writers


def _list_devices(client: hvac.Client) -> dict[str, Any]:
    response = client.sys.list_enabled_audit_devices()
    return _obj(response.get("data")) or _obj(response)


def audit_hashes(
    client: hvac.Client, canary: Secret, devices: Sequence[str]
) -> tuple[dict[str, bytes], list[str]]:
    """device -> the value's HMAC under that device's salt (as its log writes it);
    findings for failures. A canary's, or an app's secret_id (to know its logins)."""
    hashes, findings = {}, []
    for device in devices:
        try:
            response = client.sys.calculate_hash(path=device, input_to_hash=canary.reveal())
            value = _obj(response.get("data")).get("hash") or response.get("hash")
        except (hvac.exceptions.VaultError, requests.RequestException) as exc:
            findings.append(
                f"could not compute the canary's HMAC via sys/audit-hash/{device}: "
                f"{type(exc).__name__}"
            )
            continue
        if isinstance(value, str) and value:
            hashes[device] = value.encode()
        else:
            findings.append(f"sys/audit-hash/{device} returned no hash for the canary")
    return hashes, findings


def _plain_forms(value: str) -> list[bytes]:
    """How a value appears in a JSON line unhashed: as is, JSON-escaped, and escaped the
    way Go's encoding/json does by default (<, >, & as \\u003c, \\u003e, \\u0026)."""
    escaped = orjson.dumps(value)[1:-1]
    go = escaped.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return [f for f in {value.encode(), escaped, go} if f]


def _is_read_response(record: Record) -> bool:
    """A successful read's response: where a value read through Vault is logged (hashed).

    ``sys/audit-hash/*`` is excluded by path: asking for a value's HMAC is itself
    audited, and its request entry holds the HMAC of the input, i.e. the very
    string looked for. Counting it would make any value look "read".
    """
    if record["type"] != "response" or record.get("error"):
        return False
    request = _obj(record.get("request"))
    return request.get("operation") == "read" and not _str(request.get("path")).startswith(
        "sys/audit-hash/"
    )


@dataclass
class _Scan:
    """One pass over a log: counts, an AppRole's entries, where searched values occur.

    ``plain`` counts lines holding each byte string anywhere (corrupt lines too);
    ``hashed_reads`` counts read responses holding each byte string.
    """

    stats: AuditStats = field(default_factory=AuditStats)
    role: _RoleTokens | None = None
    plain: dict[bytes, int] = field(default_factory=dict)
    hashed_reads: dict[bytes, int] = field(default_factory=dict)
    on_record: Callable[[Record, bool], None] | None = None

    def run(self, path: Path, start: int = 0) -> None:
        plain, hashes = list(self.plain), list(self.hashed_reads)
        for line, whole in _read_lines(path, self.stats, start):
            for needle in plain:
                if needle in line:
                    self.plain[needle] += 1
            if not whole:
                continue
            record = _parse(line, self.stats)
            if record is None:
                continue
            for needle in hashes:
                if needle in line and _is_read_response(record):
                    self.hashed_reads[needle] += 1
            by_role = self.role.observe(record) if self.role else False
            if self.on_record:
                self.on_record(record, by_role)


def check_audit_enabled(
    client: hvac.Client,
    audit_log: Path,
    profile: Profile,
    *,
    canary: Secret | None = None,
    app_role: str | None = None,
    start: int = 0,
    logins: Collection[str] | None = None,
) -> CheckResult:
    """Judge the server's audit devices against ``profile`` and the log they write.

    ``client`` may read ``sys/audit`` and use ``sys/audit-hash/*``. ``canary`` is a
    value the caller has written and read back through Vault: its plain form must
    be absent from the log and its HMAC present. ``app_role``: entries by that
    AppRole's tokens must be present (of the app's own logins, with ``logins``: the
    module doc). ``start``: judge only the log from this byte offset on.
    """
    evidence: list[Evidence] = []
    findings: list[str] = []
    try:
        devices = _list_devices(client)
    except (hvac.exceptions.VaultError, requests.RequestException) as exc:
        devices = None
        findings.append(f"could not list audit devices (sys/audit): {type(exc).__name__}")
    writers: list[str] = []
    if devices is not None:
        dev_evidence, dev_findings, writers = _judge_devices(devices, profile, audit_log)
        evidence += dev_evidence
        findings += dev_findings

    own = frozenset(logins) if logins is not None else None
    scan = _Scan(role=_RoleTokens(app_role, own) if app_role else None)
    plain: list[bytes] = []
    hashes: dict[str, bytes] = {}
    if canary is not None:
        plain = _plain_forms(canary.reveal())
        hashes, hash_findings = audit_hashes(client, canary, writers or list(profile.audit_devices))
        findings += hash_findings
        scan.plain = dict.fromkeys(plain, 0)
        scan.hashed_reads = dict.fromkeys(hashes.values(), 0)

    try:
        scan.run(audit_log, start)
    except OSError as exc:
        reason = "does not exist" if isinstance(exc, FileNotFoundError) else type(exc).__name__
        findings.append(f"could not read the audit log {audit_log}: {reason}")
        return CheckResult(AUDIT_CRITERION, profile.name, tuple(evidence), tuple(findings))

    evidence.append(Evidence(f"audit log {audit_log} from byte {start}", scan.stats.describe()))
    if scan.stats.entries == 0:
        findings.append(f"the audit log {audit_log} has no entries")
    if scan.role is not None:
        role = scan.role
        evidence.append(
            Evidence(
                f"entries by {role.who}",
                f"{role.logins} logins, {len(role.accessors)} tokens, {role.entries} entries",
            )
        )
        if role.entries == 0:
            findings.append(
                f"no entries by tokens of {role.who} "
                f"({role.logins} successful logins to it in the log)"
            )
    if canary is not None:
        findings += _judge_canary(canary, scan, hashes, evidence)
    return CheckResult(AUDIT_CRITERION, profile.name, tuple(evidence), tuple(findings))


def _judge_canary(
    canary: Secret, scan: _Scan, hashes: dict[str, bytes], evidence: list[Evidence]
) -> list[str]:
    """Plain text anywhere is a finding; so is an HMAC in no read response."""
    findings = []
    plain_lines = sum(scan.plain.values())
    hashed = {device: scan.hashed_reads[h] for device, h in hashes.items()}
    evidence.append(
        Evidence(
            f"canary {canary.fingerprint}",
            f"plain text in {plain_lines} lines; HMAC in "
            + (
                ", ".join(f"{n} read responses ({d}/)" for d, n in hashed.items())
                or "(no HMAC computed)"
            ),
        )
    )
    if plain_lines:
        findings.append(
            f"canary {canary.fingerprint} appears in plain text in the audit log "
            f"({plain_lines} lines)"
        )
    if hashes and not any(hashed.values()):
        findings.append(
            f"canary {canary.fingerprint}: its HMAC (sys/audit-hash/{', '.join(hashes)}) is in "
            "no read response in the audit log: the canary was not read and logged hashed"
        )
    return findings


# -- check: the app reads from Vault ---------------------------------------------------


def app_paths(profile: Profile) -> tuple[str, ...]:
    """The API paths the app must read: the KV entries its target declares (KV v2 API
    paths) and its database logins, at the target's mounts."""
    prefix = f"{profile.kv_prefix}/" if profile.kv_prefix else ""
    kv = tuple(f"{profile.kv_mount}/data/{prefix}{name}" for name in profile.kv_entries)
    creds = (f"{profile.database_mount}/creds/{profile.database_role}",)
    return (*kv, *(creds if profile.database_role else ()))


@dataclass
class _PathReads:
    ok: int = 0
    last: str = ""
    failures: Counter[str] = field(default_factory=Counter)


def check_app_reads_from_vault(
    audit_log: Path,
    profile: Profile,
    app_role: str,
    required_paths: Sequence[str],
    *,
    start: int = 0,
    logins: Collection[str] | None = None,
) -> CheckResult:
    """Every required path has a successful read by a token of AppRole ``app_role``
    (of the app's own logins, with ``logins``: the module doc).

    Successful: a response entry with operation ``read``, no error and a data object
    (a read of a missing KV path is answered without one). ``start``: judge only
    the log from this byte offset on (e.g. since the app under test started).
    """
    evidence: list[Evidence] = []
    findings: list[str] = []
    reads = {path: _PathReads() for path in required_paths}

    def on_record(record: Record, by_role: bool) -> None:
        if not by_role or record["type"] != "response":
            return
        request = _obj(record.get("request"))
        seen = reads.get(_str(request.get("path")))
        if seen is None or request.get("operation") != "read":
            return
        error = record.get("error")
        if error:
            seen.failures[error_text(error)] += 1
        elif not _obj(_obj(record.get("response")).get("data")):
            # Vault answers a read with a data object; a list or a string there is not one.
            seen.failures["no data in the response"] += 1
        else:
            seen.ok += 1
            seen.last = _str(record.get("time"))

    own = frozenset(logins) if logins is not None else None
    scan = _Scan(role=_RoleTokens(app_role, own), on_record=on_record)
    try:
        scan.run(audit_log, start)
    except OSError as exc:
        reason = "does not exist" if isinstance(exc, FileNotFoundError) else type(exc).__name__
        findings.append(f"could not read the audit log {audit_log}: {reason}")
        return CheckResult(READS_CRITERION, profile.name, tuple(evidence), tuple(findings))

    role = scan.role
    assert role is not None
    evidence.append(Evidence(f"audit log {audit_log} from byte {start}", scan.stats.describe()))
    evidence.append(
        Evidence(
            role.who,
            f"{role.logins} logins, {len(role.accessors)} tokens, {role.entries} entries",
        )
    )
    if role.logins == 0:
        own = " with the app's own secret_id" if own is not None else ""
        findings.append(f"no successful AppRole login by {app_role}{own} in the audit log")
    for path, seen in reads.items():
        failed = sum(seen.failures.values())
        evidence.append(
            Evidence(path, f"{seen.ok} successful reads (last {seen.last or '-'}), {failed} failed")
        )
        if not seen.ok:
            causes = ", ".join(f"{n}x {cause}" for cause, n in seen.failures.most_common())
            findings.append(
                f"{path} was never read successfully by a token of AppRole {app_role}"
                + (f" (failed reads: {causes})" if causes else "")
            )
    return CheckResult(READS_CRITERION, profile.name, tuple(evidence), tuple(findings))


# -- CLI -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m compliance.checks.audit summary LOG [--top N]``: the summary as JSON."""
    parser = argparse.ArgumentParser(prog="audit", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="counts by type, operation, path, accessor")
    summary.add_argument("log", type=Path)
    summary.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    try:
        result = summarize(args.log, args.top)
    except OSError as exc:
        print(
            f"audit: cannot read {args.log}: {exc.strerror or type(exc).__name__}", file=sys.stderr
        )
        return 2
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

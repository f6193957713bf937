"""The target's own server configuration stanzas ([server] in its target file).

A team's staging and production servers are configured by the team: which audit devices
they declare (OpenBao takes audit devices only from its config file), whether those log
raw values, which TLS versions the listener accepts. The harness writes the rest of a
server's config (storage, the listener's address and certificate); the target's stanzas
are read from its own HCL file, checked here the way the server would check them, and
rendered into the config of the server that hosts the environment. "No audit device"
or "raw audit" can then be the target's flaw, and audit_enabled judges its config.

Accepted, at the top level of the file:

* ``audit "file" "<path>" { options { ... } }``: a file device. Its ``file_path`` must be
  ``{audit_log}``: the file the harness gives the server, which every audit check reads
  (a device writing elsewhere could not be judged). At most one file device.
* ``listener "tcp" { <option> = "..." }``: options added to the harness's listener
  (TLS versions and ciphers, request limits and timeouts); its address and certificate
  stay the harness's.

Anything else is refused as the server would refuse it (an unknown option, a boolean that
Go's ParseBool cannot read, an unknown TLS version), with the key that is wrong.
Standard library only, like compliance/target.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from vault_gate.compliance.policy.hcl1 import (
    HclError,
    Item,
    ListNode,
    Literal,
    ObjectList,
    ObjectNode,
    parse,
)

AUDIT_LOG = "{audit_log}"
# OpenBao 2.x file device options (builtin/audit/file) and the common ones.
FILE_OPTIONS = frozenset(
    {"file_path", "path", "log_raw", "hmac_accessor", "mode", "format", "prefix",
     "elide_list_responses", "exclude", "filter", "fallback"}
)  # fmt: skip
BOOL_OPTIONS = frozenset({"log_raw", "hmac_accessor", "elide_list_responses", "fallback"})
AUDIT_BLOCK_KEYS = frozenset({"options", "description", "local"})
LISTENER_OPTIONS = frozenset(
    {"tls_min_version", "tls_max_version", "tls_cipher_suites", "max_request_size",
     "max_request_duration", "http_idle_timeout", "http_read_timeout",
     "http_read_header_timeout", "http_write_timeout"}
)  # fmt: skip
TLS_VERSIONS = frozenset({"tls10", "tls11", "tls12", "tls13"})
_GO_BOOLS = frozenset(
    {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}
)
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_DEVICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


class StanzaError(ValueError):
    """A stanza the server would refuse; the message names the file, line and key."""


@dataclass(frozen=True)
class AuditDevice:
    type: str
    path: str
    options: tuple[tuple[str, str], ...] = ()
    description: str = ""

    @property
    def log_raw(self) -> bool:
        return dict(self.options).get("log_raw", "false") in _TRUE

    def hcl(self, audit_log: Path) -> str:
        lines = [f'audit "{self.type}" "{self.path}" {{']
        if self.description:
            lines.append(f"  description = {_quote(self.description)}")
        lines.append("  options {")
        for key, value in self.options:
            value = str(audit_log) if value == AUDIT_LOG else value
            lines.append(f"    {key} = {_quote(value)}")
        lines += ["  }", "}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class ServerStanzas:
    """What one environment's server config declares beside the harness's parts."""

    source: str  # the file, for messages and evidence
    audit: tuple[AuditDevice, ...] = ()
    listener: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(d.path for d in self.audit)

    def audit_hcl(self, audit_log: Path) -> str:
        return "\n".join(d.hcl(audit_log) for d in self.audit)

    def listener_hcl(self) -> str:
        return "\n".join(f"  {k} = {_quote(v)}" for k, v in self.listener)

    def same_server(self, other: ServerStanzas | None) -> bool:
        """Whether two environments can share one server (their stanzas are the same)."""
        return other is not None and (self.audit, self.listener) == (other.audit, other.listener)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _scalar(node: object, where: str) -> str:
    if isinstance(node, Literal):
        text = node.token.value()
        return str(text).lower() if isinstance(text, bool) else str(text)
    raise StanzaError(f"{where}: must be a string, number or boolean")


def _object(node: object, where: str) -> ObjectList:
    if isinstance(node, ObjectNode):
        return node.list
    if isinstance(node, ObjectList):
        return node
    raise StanzaError(f"{where}: must be a block {{ ... }}")


def _labels(item: Item) -> list[str]:
    return [str(k.value()) for k in item.keys[1:]]


def _audit(item: Item, where: str) -> AuditDevice:
    labels = _labels(item)
    if len(labels) != 2:
        raise StanzaError(
            f'{where}: audit needs a type and a path: audit "file" "<path>" {{ ... }}'
        )
    kind, path = labels
    if kind != "file":
        raise StanzaError(
            f"{where}: audit type {kind!r}: only file devices (the harness reads their log)"
        )
    if not _DEVICE.match(path):
        raise StanzaError(f"{where}: audit path {path!r} is not a plain name")
    body = _object(item.val, where)
    options: dict[str, str] = {}
    description = ""
    for sub in body.items:
        key = str(sub.keys[0].value()) if sub.keys else ""
        at = f"{where}: {key} (line {sub.line})"
        if key not in AUDIT_BLOCK_KEYS:
            raise StanzaError(f"{at}: unknown key in an audit block")
        if key == "description":
            description = _scalar(sub.val, at)
        elif key == "local":
            if _scalar(sub.val, at) not in _GO_BOOLS:
                raise StanzaError(f"{at}: not a boolean")
        else:
            for opt in _object(sub.val, at).items:
                name = str(opt.keys[0].value()) if opt.keys else ""
                oat = f"{where}: options.{name} (line {opt.line})"
                if name not in FILE_OPTIONS:
                    raise StanzaError(f"{oat}: not an option of a file audit device")
                value = _scalar(opt.val, oat)
                if name in BOOL_OPTIONS and value not in _GO_BOOLS:
                    raise StanzaError(f"{oat}: {value!r} is not a boolean")
                if name == "format" and value not in ("json", "jsonx"):
                    raise StanzaError(f"{oat}: {value!r}: json or jsonx")
                if name == "mode" and not re.fullmatch(r"0?[0-7]{3}", value):
                    raise StanzaError(f"{oat}: {value!r} is not a file mode")
                options["file_path" if name == "path" else name] = value
    if options.get("file_path") != AUDIT_LOG:
        raise StanzaError(
            f"{where}: options.file_path must be {AUDIT_LOG!r} (the file the harness gives "
            "the server, and reads), not "
            f"{options.get('file_path', '(absent)')!r}"
        )
    return AuditDevice(kind, path, tuple(sorted(options.items())), description)


def _listener(item: Item, where: str) -> tuple[tuple[str, str], ...]:
    if _labels(item) != ["tcp"]:
        raise StanzaError(f'{where}: only listener "tcp" {{ ... }}')
    out: dict[str, str] = {}
    for sub in _object(item.val, where).items:
        key = str(sub.keys[0].value()) if sub.keys else ""
        at = f"{where}: {key} (line {sub.line})"
        if key not in LISTENER_OPTIONS:
            raise StanzaError(
                f"{at}: not a listener option the target may set "
                f"(the harness sets the address and certificate); known: "
                f"{', '.join(sorted(LISTENER_OPTIONS))}"
            )
        if isinstance(sub.val, ListNode):
            value = ",".join(_scalar(v, at) for v in sub.val.items)
        else:
            value = _scalar(sub.val, at)
        if key in ("tls_min_version", "tls_max_version") and value not in TLS_VERSIONS:
            raise StanzaError(f"{at}: {value!r} is not one of {', '.join(sorted(TLS_VERSIONS))}")
        out[key] = value
    return tuple(sorted(out.items()))


def parse_stanzas(text: str, source: str) -> ServerStanzas:
    """The target's stanzas from HCL text; StanzaError naming ``source`` and the key."""
    try:
        tree = parse(text)
    except HclError as exc:
        raise StanzaError(f"{source}: not HCL the server reads: {exc}") from None
    audit: list[AuditDevice] = []
    listener: tuple[tuple[str, str], ...] = ()
    for item in tree.items:
        key = str(item.keys[0].value()) if item.keys else ""
        where = f"{source}: line {item.line}: {key}"
        if key == "audit":
            audit.append(_audit(item, where))
        elif key == "listener":
            if listener:
                raise StanzaError(f"{where}: one listener block only")
            listener = _listener(item, where)
        else:
            raise StanzaError(
                f"{where}: the target may declare audit and listener stanzas only "
                "(the harness writes storage, addresses and certificates)"
            )
    paths = [d.path for d in audit]
    if len(set(paths)) != len(paths):
        raise StanzaError(f"{source}: audit: two devices at one path")
    if len(audit) > 1:
        raise StanzaError(f"{source}: audit: one file device only (both would write one file)")
    return ServerStanzas(source, tuple(audit), listener)


def load_stanzas(path: Path) -> ServerStanzas:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StanzaError(f"{path}: cannot be read ({type(exc).__name__})") from None
    return parse_stanzas(text, str(path))

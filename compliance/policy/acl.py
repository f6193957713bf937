"""Criterion "policies grant least privilege": Vault/OpenBao ACL policies, read and judged.

Three layers, each usable on its own:

* :func:`parse_policy` / :func:`load_policies` read a policy exactly as the server does
  when asked to store it: the HCL1 tree of hashicorp/hcl v1 (:mod:`compliance.policy.hcl1`),
  the library's lenient decoding (:mod:`vault_gate.compliance.policy.hcl1_decode`), then OpenBao's
  ``parsePaths`` checks in the server's order (``internal/vault/policy/policy.go``):
  templating, keys, control groups, ``expiration`` (a rule past it is dropped before
  any other check), ``+*``, the old ``policy = "..."``, capabilities up to the first
  ``deny`` (nothing after it is looked at), wrapping TTLs and their order, the list
  filter. ``flavour="vault"`` takes HashiCorp Vault's differences (capabilities
  ``subscribe``/``recover`` instead of ``scan``, no ``expiration``/``pagination_limit``,
  ``subscribe_event_types``, its control-group rules); Vault's side is read from its
  source (vault/policy.go), not run against a Vault server here.
* :func:`capabilities` answers what ``sys/capabilities`` answers for a token that
  holds exactly the given policies: the same matching and priority rules, modelled
  on OpenBao's ``internal/vault/policy/acl.go`` and checked against a real server by
  differential tests (tests/test_policy_differential.py: real policies, generated
  ones, and the surprising cases, with the server's answers).
* :class:`Entity` and :func:`render_template`: identity templates
  (``{{identity.entity.id}}``, aliases, groups) rendered for a token's entity as the
  server renders them. The judgement of an app's policies is
  :mod:`vault_gate.compliance.checks.least_privilege` (one function, whether the text
  came from a file or from the server).

How the server picks the rule for a path (what :class:`Acl` reproduces):

1. an exact rule for the path wins outright; then an exact rule for the path
   without one trailing ``/`` (``sys/capabilities`` evaluates as a LIST, whose
   paths end in ``/``);
2. otherwise the glob rules (``prefix*``) and segment-wildcard rules (containing a
   ``+`` segment, optionally ending in ``*``) that match compete, and ONE wins: the
   one whose first ``+`` or ``*`` comes latest; then one not ending in ``*``; then
   fewer ``+`` segments; then the longer path; then the lexicographically greater;
3. if nothing matched and the path ends in ``/``, step 2 again without the ``/``.

Rules with the same path string merge across policies (union; ``deny`` absorbs
everything). Rules with different paths never merge: the winner alone decides, so
a more specific rule with fewer capabilities takes capabilities away.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import hvac

from vault_gate.compliance.policy import hcl1
from vault_gate.compliance.policy.hcl1_decode import (
    DecodeError,
    Struct,
    ValueError_,
    decode,
    parse_absolute_time,
    parse_duration_second,
)
from vault_gate.compliance.secret import Secret, fingerprint

CRITERION = "least_privilege"

DENY = "deny"
# OpenBao 2.x (internal/vault/policy/policy.go): "scan" is OpenBao's; the server
# refuses the others with 'invalid capability'.
OPENBAO_CAPABILITIES = frozenset(
    {"create", "read", "update", "patch", "delete", "list", "sudo", "scan", DENY}
)
# HashiCorp Vault adds "subscribe" (event subscriptions, 1.13+) and "recover" (item
# recovery from a raft snapshot, 1.20+) and has no "scan". The parser knows the union,
# so that it can read policies written for either server.
VAULT_ONLY_CAPABILITIES = frozenset({"subscribe", "recover"})
KNOWN_CAPABILITIES = OPENBAO_CAPABILITIES | VAULT_ONLY_CAPABILITIES
WRITE_CAPABILITIES = frozenset({"create", "update", "patch", "delete", "recover"})
# Pre-0.5 ``policy = "..."`` stanzas, which the server still maps to capabilities.
_OLD_POLICIES: dict[str, frozenset[str]] = {
    "deny": frozenset({DENY}),
    "read": frozenset({"read", "list"}),
    "write": frozenset({"create", "read", "update", "delete", "list"}),
    "sudo": frozenset({"create", "read", "update", "delete", "list", "sudo"}),
}
# Where the app's secrets live (the same mounts fixtures/servers/bootstrap.py enables).
KV_MOUNT = "secret"
KV_V2_APIS = ("data", "metadata", "delete", "undelete", "destroy", "subkeys")
DATABASE_MOUNT = "database"


class PolicyError(ValueError):
    """A policy the server would refuse to store, named with its source and the reason."""


# A fragment of the input longer than this is shown by length and fingerprint, never
# as text: a long string where a name belongs is more likely a pasted value than a typo.
MAX_SHOWN_CHARS = 20


def _shown(value: Any) -> str:
    """``value`` for an error message: short strings as they are, anything else described."""
    if isinstance(value, str):
        if len(value) <= MAX_SHOWN_CHARS and value.isprintable() and _is_utf8(value):
            return repr(value)
        digest = fingerprint(value.encode("utf-8", "surrogatepass"))
        return f"a string of {len(value)} characters ({digest})"
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return f"a {type(value).__name__}"


def _is_utf8(text: str) -> bool:
    """False for strings holding lone surrogates (a JSON or HCL ``\\ud800`` escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------- parsing

Flavour = Literal["openbao", "vault"]
FLAVOURS: tuple[Flavour, ...] = ("openbao", "vault")

# The keys a path block may hold (internal/vault/policy/policy.go; Vault's vault/policy.go).
_OPENBAO_PATH_KEYS = (
    "comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
    "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods",
    "pagination_limit", "expiration", "list_scan_response_keys_filter_path", "control_group",
)  # fmt: skip
_VAULT_PATH_KEYS = (
    "comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
    "required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods",
    "control_group", "subscribe_event_types",
)  # fmt: skip
_FLAVOUR_CAPABILITIES: dict[str, frozenset[str]] = {
    "openbao": OPENBAO_CAPABILITIES,
    "vault": (OPENBAO_CAPABILITIES - {"scan"}) | VAULT_ONLY_CAPABILITIES,
}
# logical.AllOperations: what a control group factor may name.
_OPERATIONS = frozenset(
    {"create", "read", "update", "patch", "delete", "list", "scan", "help", "alias-lookahead",
     "resolve-role", "header", "revoke", "renew", "rollback"}
)  # fmt: skip

_ANY_LIST = ("list", "any")
# PathRules as hcl.DecodeObject sees it: the keys it decodes and their Go types.
_OPENBAO_PATH_STRUCT = Struct(
    (
        ("policy", "str"),
        ("capabilities", ("list", "str")),
        ("expiration", "str"),
        ("min_wrapping_ttl", "any"),
        ("max_wrapping_ttl", "any"),
        ("allowed_parameters", ("map", _ANY_LIST)),
        ("denied_parameters", ("map", _ANY_LIST)),
        ("required_parameters", ("list", "str")),
        ("mfa_methods", ("list", "str")),
        ("pagination_limit", "int"),
        ("list_scan_response_keys_filter_path", "str"),
    )
)
_VAULT_FACTOR = Struct(
    (
        ("identity", Struct((("group_ids", ("list", "str")), ("group_names", ("list", "str")),
                             ("approvals", "int")))),
        ("controlled_capabilities", ("list", "str")),
    )
)  # fmt: skip
_VAULT_PATH_STRUCT = Struct(
    (
        ("policy", "str"),
        ("capabilities", ("list", "str")),
        ("min_wrapping_ttl", "any"),
        ("max_wrapping_ttl", "any"),
        ("allowed_parameters", ("map", _ANY_LIST)),
        ("denied_parameters", ("map", _ANY_LIST)),
        ("required_parameters", ("list", "str")),
        ("mfa_methods", ("list", "str")),
        ("control_group", Struct((("ttl", "any"), ("factor", ("map", _VAULT_FACTOR))))),
        ("subscribe_event_types", ("list", "str")),
    )
)
_CONTROL_GROUP = Struct((("ttl", "any"), ("self_auth_allowed", "bool")))
_FACTOR = Struct(
    (
        ("controlled_capabilities", ("list", "str")),
        ("identity", Struct((("group_names", ("list", "str")), ("approvals", "int")))),
    )
)
_POLICY_STRUCT = Struct((("name", "str"),))


@dataclass(frozen=True)
class Rule:
    """One ``path "..." { ... }`` stanza, as the server keeps it (capabilities are what matter).

    ``capabilities`` is what the server's bitmap holds: ``{"deny"}`` alone for a deny
    rule, the old ``policy = "..."`` mapped in. ``expiration`` (OpenBao) is when the
    rule stops counting; ``line`` is where its block starts.
    """

    path: str
    capabilities: frozenset[str]
    source: str
    min_wrapping_ttl: str | None = None
    max_wrapping_ttl: str | None = None
    allowed_parameters: tuple[str, ...] = ()
    denied_parameters: tuple[str, ...] = ()
    required_parameters: tuple[str, ...] = ()
    expiration: datetime | None = None
    line: int | None = None
    pagination_limit: int = 0
    mfa_methods: tuple[str, ...] = ()
    control_group: bool = False

    @property
    def is_deny(self) -> bool:
        return DENY in self.capabilities

    @property
    def grants(self) -> frozenset[str]:
        """What the rule allows: nothing for a deny (or empty) rule."""
        return frozenset() if self.is_deny else self.capabilities

    def stanza(self) -> str:
        """The rule in one line, for evidence: ``path "p" [read, list]``."""
        return f'path "{self.path}" [{", ".join(sorted(self.capabilities))}]'

    def expired(self, now: datetime) -> bool:
        return self.expiration is not None and now > self.expiration


@dataclass(frozen=True)
class Policy:
    """A policy file: where it came from and its rules in file order."""

    source: str
    rules: tuple[Rule, ...]
    flavour: Flavour = "openbao"

    @property
    def name(self) -> str:
        """The name it is stored under: the server's (``sys/policies/acl/NAME``), or by
        convention the file name without ``.hcl``."""
        stored = self.source.removeprefix("sys/policies/acl/")
        if stored != self.source:
            return stored
        return Path(self.source).name.removesuffix(".hcl")


class _Refused(Exception):
    """The server's refusal, before the source is put in front of it."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def parse_policy(
    text: str,
    source: str,
    *,
    known: frozenset[str] | None = None,
    flavour: Flavour = "openbao",
    now: datetime | None = None,
) -> Policy:
    """Parse a policy exactly as the server stores it (``sys/policies/acl/NAME``).

    ``flavour`` names the server: ``openbao`` (the default, OpenBao 2.x) or ``vault``
    (HashiCorp Vault); they differ in capabilities (``scan`` against ``subscribe`` and
    ``recover``) and path keys (OpenBao's ``expiration``, ``pagination_limit``,
    ``list_scan_response_keys_filter_path``). ``known`` overrides the flavour's
    capabilities. ``now`` is the write time: a rule whose ``expiration`` has passed is
    dropped, unchecked, as the server drops it.

    Raises PolicyError naming ``source``, the line where known and the server's reason
    for anything the server refuses.
    """
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r}; known: {', '.join(FLAVOURS)}")
    caps = known if known is not None else _FLAVOUR_CAPABILITIES[flavour]
    try:
        rules = _parse_rules(_as_sent(text), source, caps, flavour, now or _utcnow())
    except hcl1.HclError as exc:
        kind = "JSON" if hcl1.is_json(_as_sent(text)) else "HCL"
        raise PolicyError(f"{source}: malformed {kind}: {exc}") from None
    except _Refused as exc:
        at = f"line {exc.line}: " if exc.line else ""
        raise PolicyError(f"{source}: {at}{exc.reason}") from None
    except DecodeError as exc:
        at = f"line {exc.line}: " if exc.line else ""
        raise PolicyError(f"{source}: {at}{exc.reason}") from None
    return Policy(source, tuple(rules), flavour)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_sent(text: str) -> str:
    """The text the server parses: it decodes a policy that is valid base64 first
    (``handlePoliciesSet``), and refuses an empty one."""
    if text == "":
        raise _Refused("empty policy: the server refuses a policy with no text")
    compact = text.replace("\r", "").replace("\n", "")
    if compact and len(compact) % 4 == 0 and _BASE64.fullmatch(compact):
        try:
            return base64.b64decode(compact, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "\x00"  # bytes that are no policy: the parser refuses them
    return text


_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def load_policies(
    files: Sequence[Path], *, flavour: Flavour = "openbao", now: datetime | None = None
) -> list[Policy]:
    """Parse each file; its path (as given) is the source every finding names.

    A file that is not a regular file (a FIFO would block forever), not UTF-8, or
    not parseable is a PolicyError; one that cannot be read raises OSError.
    """
    return [
        parse_policy(_read_policy_file(Path(f)), str(f), flavour=flavour, now=now) for f in files
    ]


def _read_policy_file(path: Path) -> str:
    if path.exists() and not path.is_file():
        raise PolicyError(f"{path}: not a regular file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None


def _parse_rules(
    text: str, source: str, known: frozenset[str], flavour: Flavour, now: datetime
) -> list[Rule]:
    """``ParseACLPolicy``: the tree, the top-level keys, ``name``, then each path block."""
    tree = hcl1.parse(text)
    _check_keys(tree, ("name", "path"), "top level")
    decode("root", tree, _POLICY_STRUCT)
    rules = []
    for item in tree.filter("path").items:
        rule = _path_rule(item, source, known, flavour, now)
        if rule is not None:
            rules.append(rule)
    return rules


def _check_keys(node: hcl1.Node | None, valid: Sequence[str], where: str) -> None:
    """``hclutil.CheckHCLKeys``: every key must be one of ``valid``, exactly as written."""
    if isinstance(node, hcl1.ObjectNode):
        node = node.list
    if not isinstance(node, hcl1.ObjectList):
        raise _Refused(f"{where}: expected a block {{ ... }}", getattr(node, "line", None))
    for item in node.items:
        key = _item_key(item)
        if key not in valid:
            raise _Refused(
                f"{where}: invalid key {_shown(key)} (unknown key; known: "
                f"{', '.join(sorted(valid))})",
                item.line,
            )


def _item_key(item: hcl1.Item) -> str:
    try:
        return item.key()
    except hcl1.HclError as exc:
        raise _Refused(exc.reason, item.line) from None


def _path_rule(
    item: hcl1.Item, source: str, known: frozenset[str], flavour: Flavour, now: datetime
) -> Rule | None:
    """``parsePaths`` for one block, check by check in the server's order; None for a
    rule the server drops (expired)."""
    key = _item_key(item) if item.keys else "path"
    if not _is_utf8(key):
        raise _Refused("a path is not valid Unicode (a lone surrogate escape)", item.line)
    where = f"path {_shown_path(key)}"
    template_error = _template_error(key)
    if template_error:
        raise _Refused(
            f"{where}: failed to validate policy templating: {template_error}", item.line
        )
    valid = _OPENBAO_PATH_KEYS if flavour == "openbao" else _VAULT_PATH_KEYS
    _check_keys(item.val, valid, where)
    body = item.val
    if flavour == "openbao":
        _control_groups(body, where)
        fields = decode(where, body, _OPENBAO_PATH_STRUCT)  # type: ignore[arg-type]
    else:
        fields = decode(where, body, _VAULT_PATH_STRUCT)  # type: ignore[arg-type]
    expiration = None
    if fields.get("expiration"):
        try:
            expiration = parse_absolute_time(fields["expiration"])
        except ValueError_:
            raise _Refused(f"{where}: invalid expiration time", item.line) from None
        if now > expiration:
            return None
    path = key[1:] if key.startswith("/") else key
    if "+*" in path:
        raise _Refused(f"{where}: invalid use of wildcards ('+*' is forbidden)", item.line)
    caps = list(fields.get("capabilities", []))
    old = fields.get("policy", "")
    if old:
        if old not in _OLD_POLICIES:
            raise _Refused(
                f"{where}: invalid policy {_shown(old)}; known: {', '.join(_OLD_POLICIES)}",
                item.line,
            )
        caps = [DENY] if old == DENY else caps + sorted(_OLD_POLICIES[old])
    bitmap: set[str] = set()
    for cap in caps:
        if cap == DENY:
            # The server stops here: nothing after "deny" is looked at or checked.
            return Rule(key, frozenset({DENY}), source, expiration=expiration, line=item.line)
        if cap not in known:
            raise _Refused(
                f"{where}: unknown capability {_shown(cap)}; known: {', '.join(sorted(known))}",
                item.line,
            )
        bitmap.add(cap)
    ttls = {}
    for name in ("min_wrapping_ttl", "max_wrapping_ttl"):
        raw = fields.get(name)
        if raw is not None:
            try:
                ttls[name] = parse_duration_second(raw)
            except ValueError_ as exc:
                raise _Refused(f"{where}: error parsing {name}: {exc}", item.line) from None
    low, high = ttls.get("min_wrapping_ttl", 0), ttls.get("max_wrapping_ttl", 0)
    if low and high and high < low:
        raise _Refused(f"{where}: max_wrapping_ttl cannot be less than min_wrapping_ttl", item.line)
    if flavour == "vault":
        _vault_control_group(fields.get("control_group"), caps, where, item.line)
    filter_path = fields.get("list_scan_response_keys_filter_path", "")
    if filter_path:
        if "list" not in bitmap:
            raise _Refused(
                f"{where}: list_scan_response_keys_filter_path needs to be used on a path "
                "with the list capability",
                item.line,
            )
        problem = _filter_template_error(filter_path)
        if problem:
            raise _Refused(f"{where}: list_scan_response_keys_filter_path: {problem}", item.line)
    return Rule(
        path=key,
        capabilities=frozenset(bitmap),
        source=source,
        min_wrapping_ttl=_shown_value(fields.get("min_wrapping_ttl")),
        max_wrapping_ttl=_shown_value(fields.get("max_wrapping_ttl")),
        allowed_parameters=tuple(sorted(k.lower() for k in fields.get("allowed_parameters", {}))),
        denied_parameters=tuple(sorted(k.lower() for k in fields.get("denied_parameters", {}))),
        required_parameters=tuple(fields.get("required_parameters", [])),
        expiration=expiration,
        line=item.line,
        pagination_limit=fields.get("pagination_limit", 0),
        mfa_methods=tuple(fields.get("mfa_methods", [])),
        control_group="control_group" in fields or _has_key(body, "control_group"),
    )


def _has_key(body: hcl1.Node | None, key: str) -> bool:
    node = body.list if isinstance(body, hcl1.ObjectNode) else body
    return isinstance(node, hcl1.ObjectList) and bool(node.filter(key).items)


def _shown_value(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _shown_path(path: str) -> str:
    """A path for a message: as written when it looks like a path, else by length and
    fingerprint: a long run of mixed letters and digits is more likely a pasted value."""
    looks_pasted = any(
        len(segment) > 24 and re.search(r"[0-9]", segment) and re.search(r"[A-Za-z]", segment)
        for segment in path.split("/")
    )
    if len(path) <= 120 and path.isprintable() and _is_utf8(path) and not looks_pasted:
        return json.dumps(path, ensure_ascii=False)
    return _shown(path) if len(path) > MAX_SHOWN_CHARS else f"a path ({_shown(path)})"


def _template_error(path: str) -> str | None:
    """``identitytpl.PopulateString`` with ValidityCheckOnly: ``{{`` and ``}}`` must pair."""
    pieces = path.split("{{")
    if "}}" in pieces[0]:
        return "unbalanced templating characters"
    for piece in pieces[1:]:
        if len(piece.split("}}")) != 2:
            return "unbalanced templating characters"
    return None


def _filter_template_error(template: str) -> str | None:
    """OpenBao compiles the filter as a Go text/template and checks that two different
    keys give two different paths. Modelled: actions must close, and one must use
    ``.key``. (An approximation of Go's template language, which this does not parse.)"""
    depth = 0
    uses_key = False
    for piece in re.split(r"(\{\{|\}\})", template):
        if piece == "{{":
            depth += 1
        elif piece == "}}":
            depth -= 1
            if depth < 0:
                return "unable to compile template"
        elif depth > 0 and re.search(r"(^|[^\w])\.key\b", piece):
            uses_key = True
    if depth != 0:
        return "unable to compile template"
    if not uses_key:
        return "resulted in same path for two different keys"
    return None


def _control_groups(body: hcl1.Node | None, where: str) -> None:
    """OpenBao's ``control_group`` blocks: ttl, self_auth_allowed, named ``factor`` blocks."""
    node = body.list if isinstance(body, hcl1.ObjectNode) else body
    if not isinstance(node, hcl1.ObjectList):
        return
    for group in node.filter("control_group").items:
        inner = f"{where}: control_group"
        _check_keys(group.val, ("ttl", "self_auth_allowed", "factor"), inner)
        assert group.val is not None
        decoded = decode(inner, group.val, _CONTROL_GROUP)
        val = group.val.list if isinstance(group.val, hcl1.ObjectNode) else group.val
        assert isinstance(val, hcl1.ObjectList)
        factors = val.filter("factor").items
        for factor in factors:
            _check_keys(factor.val, ("controlled_capabilities", "identity"), f"{inner} factor")
            assert factor.val is not None
            spec = decode(f"{inner} factor", factor.val, _FACTOR)
            if not factor.keys:
                raise _Refused(f"{inner} factor: require name key", factor.line)
            for op in spec.get("controlled_capabilities", []):
                if op not in _OPERATIONS:
                    raise _Refused(f"{inner}: operation(s) not valid: {_shown(op)}", factor.line)
        try:
            parse_duration_second(decoded.get("ttl"))
        except ValueError_ as exc:
            raise _Refused(f"{inner}: invalid ttl: {exc}", group.line) from None
        # OpenBao 2.7 (seen on the server; newer than the source read): a control group
        # needs a factor, and each factor controlled capabilities, approvals and groups.
        if not factors:
            raise _Refused(f"{inner}: requires at least one factor but had none", group.line)
        for i, factor in enumerate(factors):
            assert factor.val is not None
            spec = decode(f"{inner} factor", factor.val, _FACTOR)
            identity = spec.get("identity", {})
            if not spec.get("controlled_capabilities"):
                problem = "missing controlled capabilities"
            elif identity.get("approvals", 0) <= 0:
                problem = "missing required approvals"
            elif not identity.get("group_names"):
                problem = "missing approving groups"
            else:
                continue
            raise _Refused(f"{inner}: factor {i}: {problem}", factor.line)


def _vault_control_group(group: Any, caps: list[str], where: str, line: int | None) -> None:
    """Vault's control group: at least one factor, each with identity groups and approvals."""
    if group is None:
        return
    try:
        parse_duration_second(group.get("ttl"))
    except ValueError_ as exc:
        raise _Refused(f"{where}: error parsing control group max ttl: {exc}", line) from None
    factors = group.get("factor") or {}
    for factor in factors.values():
        identity = factor.get("identity")
        if identity is None:
            raise _Refused(f"{where}: no control_group factor provided", line)
        if identity.get("approvals", 0) <= 0 or not (
            identity.get("group_ids") or identity.get("group_names")
        ):
            raise _Refused(
                f"{where}: must provide more than one identity group and approvals > 0", line
            )
        if any(c not in caps for c in factor.get("controlled_capabilities", [])):
            raise _Refused(
                f"{where}: control group factor capabilities must be a subset of the "
                "policy's capabilities",
                line,
            )
    if not factors:
        raise _Refused(f"{where}: no control group factors provided", line)


# --------------------------------------------------------------------------- matching


class Kind(StrEnum):
    EXACT = "exact"
    PREFIX = "prefix"  # ends in * and has no + segment: a plain string prefix
    SEGMENT = "segment"  # has a + segment, may end in *


@dataclass(frozen=True)
class Pattern:
    """A rule path as the server stores it: its kind and its key.

    The key is the path without one leading ``/``; for PREFIX also without the ``*``
    (the server keeps prefixes in a radix tree); SEGMENT keeps its ``*``.
    """

    kind: Kind
    key: str

    @classmethod
    def of(cls, rule_path: str) -> Pattern:
        path = rule_path[1:] if rule_path.startswith("/") else rule_path
        # The server's test, verbatim: "/+" anywhere marks segment wildcards, even in
        # "a/+b", where "+b" is then compared as a literal segment.
        segmented = path == "+" or "/+" in path or path.startswith("+/")
        if segmented:
            return cls(Kind.SEGMENT, path)
        if path.endswith("*"):
            return cls(Kind.PREFIX, path[:-1])
        return cls(Kind.EXACT, path)

    @property
    def is_glob(self) -> bool:
        return self.kind is not Kind.EXACT

    @property
    def written(self) -> str:
        return self.key + "*" if self.kind is Kind.PREFIX else self.key

    @property
    def ends_in_glob(self) -> bool:
        return self.kind is Kind.PREFIX or self.key.endswith("*")

    @property
    def stem(self) -> str:
        """The path without its trailing ``*``."""
        return self.key[:-1] if self.kind is Kind.SEGMENT and self.ends_in_glob else self.key

    def matches(self, path: str) -> bool:
        """Whether the pattern matches a request path (on its own, ignoring priority)."""
        path = path.lstrip("/")
        if self.kind is Kind.EXACT:
            return path == self.key
        if self.kind is Kind.PREFIX:
            return path.startswith(self.key)
        return self._wildcards_matched(path) is not None

    def _wildcards_matched(self, path: str) -> int | None:
        """The number of + segments if this SEGMENT pattern matches ``path``, else None."""
        acl_parts = self.stem.split("/")
        parts = path.split("/")
        glob = self.ends_in_glob
        if len(parts) < len(acl_parts) or (not glob and len(parts) != len(acl_parts)):
            return None
        wildcards = 0
        last = len(acl_parts) - 1
        for i, acl_part in enumerate(acl_parts):
            if acl_part == "+":
                wildcards += 1
            elif acl_part == parts[i]:
                continue
            elif not (glob and i == last and parts[i].startswith(acl_part)):
                return None
        return wildcards

    def priority(self, path: str) -> tuple[int, bool, int, int, str] | None:
        """The server's ordering key among matching glob rules (greatest wins), or None.

        Lengths are in bytes, as the server (Go) measures them.
        """
        if self.kind is Kind.EXACT:
            return None
        if self.kind is Kind.PREFIX:
            if not path.startswith(self.key):
                return None
            size = len(self.key.encode())
            return (size, False, 0, size, self.key)
        wildcards = self._wildcards_matched(path)
        if wildcards is None:
            return None
        first = self.key.encode().index(b"+")
        return (first, not self.ends_in_glob, -wildcards, len(self.stem.encode()), self.stem)


@dataclass(frozen=True)
class Grant:
    """The merged entry for one pattern: what every rule with that path allows together."""

    pattern: Pattern
    capabilities: frozenset[str]
    sources: tuple[str, ...]

    def answer(self) -> list[str]:
        """What ``sys/capabilities`` prints for a path this entry decides."""
        if DENY in self.capabilities or not self.capabilities:
            return [DENY]
        return sorted(self.capabilities)


# Bytes of a path that make no UTF-8 (an HCL "\\x80" escape), as compliance.policy.hcl1 keeps them.
_STRAY_BYTE = re.compile("[\uf780-\uf7ff]")


def is_templated(rule_path: str) -> bool:
    """Whether the path uses ACL templating (``{{identity.entity.id}}``)."""
    return "{{" in rule_path and "}}" in rule_path


@dataclass(frozen=True)
class EntityAlias:
    """One alias of an identity entity: the login it stands for on one auth mount."""

    mount_accessor: str
    id: str = ""
    name: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    custom_metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EntityGroup:
    """A group the entity belongs to (directly or inherited), as templates see it."""

    id: str
    name: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    """The identity entity a token is tied to: what ``{{identity.entity.*}}`` and
    ``{{identity.groups.*}}`` templates render from (an AppRole login's token has one,
    made at its first login: name ``entity_<id prefix>``, one alias named by the
    role_id with ``role_name`` in its metadata)."""

    id: str
    name: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[EntityAlias, ...] = ()
    groups: tuple[EntityGroup, ...] = ()

    @classmethod
    def from_answer(
        cls, data: Mapping[str, Any], groups: Sequence[Mapping[str, Any]] = ()
    ) -> Entity:
        """From ``identity/entity/id/<id>`` (and ``identity/group/id/<id>`` of its groups)."""

        def strings(value: Any) -> dict[str, str]:
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

        aliases = tuple(
            EntityAlias(
                str(a.get("mount_accessor", "")),
                str(a.get("id", "")),
                str(a.get("name", "")),
                strings(a.get("metadata")),
                strings(a.get("custom_metadata")),
            )
            for a in data.get("aliases") or []
            if isinstance(a, dict)
        )
        return cls(
            str(data.get("id", "")),
            str(data.get("name") or ""),
            strings(data.get("metadata")),
            aliases,
            tuple(
                EntityGroup(str(g.get("id", "")), str(g.get("name") or ""),
                            strings(g.get("metadata")))
                for g in groups
            ),
        )  # fmt: skip


def _lookup(mapping: Mapping[str, str], key: str) -> str | None:
    return mapping.get(key)


def _entity_value(selector: str, entity: Entity) -> str | None:
    """``identitytpl``'s entity templating (ACL mode): None where the server finds no value."""
    if selector == "id":
        return entity.id
    if selector == "name":
        return entity.name or None
    if selector.startswith("metadata."):
        return _lookup(entity.metadata, selector.removeprefix("metadata."))
    if selector.startswith("aliases."):
        accessor, dot, rest = selector.removeprefix("aliases.").partition(".")
        if not dot:
            return None
        alias = next((a for a in entity.aliases if a.mount_accessor == accessor), None)
        if alias is None:
            return None
        if rest == "id":
            return alias.id
        if rest == "name":
            return alias.name or None
        if rest.startswith("metadata."):
            return _lookup(alias.metadata, rest.removeprefix("metadata."))
        if rest.startswith("custom_metadata."):
            return _lookup(alias.custom_metadata, rest.removeprefix("custom_metadata."))
    return None  # metadata, groups.ids, groups.names: JSON templating only


def _group_value(selector: str, entity: Entity) -> str | None:
    kind, dot, rest = selector.partition(".")
    if not dot or kind not in ("ids", "names"):
        return None
    key, dot, field_ = rest.partition(".")
    if not dot:
        return None
    group = next((g for g in entity.groups if (g.id if kind == "ids" else g.name) == key), None)
    if group is None:
        return None
    if field_ == "id":
        return group.id
    if field_ == "name":
        return group.name or None
    if field_.startswith("metadata."):
        return _lookup(group.metadata, field_.removeprefix("metadata."))
    return None


def render_template(rule_path: str, now: datetime, entity: Entity | None = None) -> str | None:
    """The path the server renders for a token tied to ``entity`` (None: a token without
    an identity entity), or None when it drops the rule: an ``identity.*`` value that
    the entity lacks (or no entity) drops it; ``time.now`` (optionally
    ``.plus.<duration>`` / ``.minus.<duration>``) renders to Unix seconds."""
    out = []
    for i, piece in enumerate(rule_path.split("{{")):
        if i == 0:
            out.append(piece)
            continue
        inside, _, rest = piece.partition("}}")
        name = inside.strip()
        if name.startswith("identity.entity."):
            value = _entity_value(name.removeprefix("identity.entity."), entity) if entity else None
            if value is None:
                return None
            out.append(value + rest)
            continue
        if name.startswith("identity.groups."):
            value = _group_value(name.removeprefix("identity.groups."), entity) if entity else None
            if value is None:
                return None
            out.append(value + rest)
            continue
        ops = name.split(".", 3)
        if not name.startswith("time.") or ops[1] != "now" or len(ops) == 3:
            return None
        when = now.timestamp()
        if len(ops) == 4:
            try:
                shift = parse_duration_second(ops[3]) / 1e9
            except ValueError_:
                return None
            if ops[2] not in ("plus", "minus"):
                return None
            when += shift if ops[2] == "plus" else -shift
        out.append(str(int(when // 1)) + rest)
    return "".join(out)


class Acl:
    """The ACL a token holding exactly ``policies`` gets (no default policy unless given).

    Templated paths are rendered as the server renders them for the token: for one tied
    to ``entity`` (an AppRole login's), ``identity.*`` templates take its values; for one
    without (``entity`` None: a token from ``auth/token/create``) they drop the rule;
    ``time.*`` ones render at ``now``. Rules past their ``expiration`` (OpenBao) are
    left out, as the server leaves them out.
    """

    def __init__(
        self,
        policies: Iterable[Policy],
        *,
        now: datetime | None = None,
        entity: Entity | None = None,
    ) -> None:
        now = now or _utcnow()
        merged: dict[Pattern, tuple[set[str], list[str]]] = {}
        for policy in policies:
            for rule in policy.rules:
                if rule.expired(now):
                    continue  # NewACL skips a rule past its expiration
                path = (
                    render_template(rule.path, now, entity)
                    if is_templated(rule.path)
                    else rule.path
                )
                if path is None or _STRAY_BYTE.search(path):
                    continue  # dropped, or a raw byte in its path that no request can match
                caps, sources = merged.setdefault(Pattern.of(path), (set(), []))
                if DENY in caps:
                    pass
                elif rule.is_deny:
                    caps.clear()
                    caps.add(DENY)
                else:
                    caps |= rule.capabilities
                if rule.source not in sources:
                    sources.append(rule.source)
        self.grants: dict[Pattern, Grant] = {
            p: Grant(p, frozenset(caps), tuple(srcs)) for p, (caps, srcs) in merged.items()
        }
        self._exact = {p.key: g for p, g in self.grants.items() if p.kind is Kind.EXACT}
        self._globs = [g for p, g in self.grants.items() if p.is_glob]
        # The server keeps prefixes in a radix tree (longest prefix wins among them) and
        # scans every segment-wildcard rule; indexed here so that a policy of 100k rules
        # answers a path in microseconds: prefixes by their key, segment rules by the
        # literal segments before their first wildcard.
        self._prefixes = {p.key: g for p, g in self.grants.items() if p.kind is Kind.PREFIX}
        self._prefix_lengths = sorted({len(k) for k in self._prefixes}, reverse=True)
        self._segments: dict[tuple[str, ...], list[Grant]] = {}
        for p, g in self.grants.items():
            if p.kind is Kind.SEGMENT:
                parts = p.stem.split("/")
                lead: list[str] = []
                for i, part in enumerate(parts):
                    if part == "+" or (p.ends_in_glob and i == len(parts) - 1):
                        break
                    lead.append(part)
                self._segments.setdefault(tuple(lead), []).append(g)
        self._lead_lengths = sorted({len(k) for k in self._segments})

    def resolve(self, path: str) -> Grant | None:
        """The one entry the server applies to ``path`` (as sys/capabilities asks), or None."""
        path = path.lstrip("/")
        exact = self._exact.get(path) or self._exact.get(path.removesuffix("/"))
        if exact is not None:
            return exact
        found = self._best_glob(path)
        if found is None and path.endswith("/"):
            found = self._best_glob(path[:-1])
        return found

    def _best_glob(self, path: str) -> Grant | None:
        candidates: list[Grant] = []
        for length in self._prefix_lengths:
            if length <= len(path) and (longest := self._prefixes.get(path[:length])):
                candidates.append(longest)
                break
        if self._segments:
            parts = tuple(path.split("/"))
            for length in self._lead_lengths:
                if length > len(parts):
                    break
                candidates += self._segments.get(parts[:length], ())
        best: tuple[tuple[int, bool, int, int, str], Grant] | None = None
        for grant in candidates:
            key = grant.pattern.priority(path)
            if key is not None and (best is None or key > best[0]):
                best = (key, grant)
        return best[1] if best else None

    def capabilities(self, path: str) -> list[str]:
        """Sorted capabilities on ``path``, ``["deny"]`` when none: sys/capabilities' format."""
        grant = self.resolve(path)
        return grant.answer() if grant else [DENY]


def capabilities(
    policies: Sequence[Policy],
    path: str,
    *,
    default_policy: Policy | None = None,
    now: datetime | None = None,
    entity: Entity | None = None,
) -> list[str]:
    """What ``sys/capabilities`` answers on ``path`` for a token holding ``policies``.

    Tokens get the server's ``default`` policy unless created with
    ``no_default_policy``; pass it (read from ``sys/policies/acl/default``) as
    ``default_policy`` to model such a token.
    """
    held = [*policies, default_policy] if default_policy else list(policies)
    return Acl(held, now=now, entity=entity).capabilities(path)


# --------------------------------------------------------------------------- zones


@dataclass(frozen=True)
class Zone:
    """A set of request paths: everything under ``segments`` (open) or exactly it."""

    label: str
    segments: tuple[str, ...]
    open: bool = True

    @property
    def path(self) -> str:
        return "/".join(self.segments)

    def shown(self) -> str:
        return self.path + "/" if self.open else self.path

    def contains(self, path: str) -> bool:
        parts = tuple(path.lstrip("/").split("/"))
        n = len(self.segments)
        if self.open:
            return len(parts) > n and parts[:n] == self.segments
        return parts == self.segments

    def covers(self, pattern: Pattern) -> bool:
        """Whether every path the pattern matches lies in this zone."""
        if pattern.kind is Kind.EXACT:
            return self.contains(pattern.key)
        if not self.open:
            return False
        if pattern.kind is Kind.PREFIX:
            return pattern.key.startswith(self.path + "/")
        # Literal segments all through the zone's path; wildcards and the glob only below.
        acl_parts = pattern.stem.split("/")
        n = len(self.segments)
        whole = len(acl_parts) - 1 if pattern.ends_in_glob else len(acl_parts)
        deep_enough = whole >= n if pattern.ends_in_glob else whole > n
        return deep_enough and tuple(acl_parts[:n]) == self.segments

    def witnesses(self, pattern: Pattern) -> list[str]:
        """Concrete paths in this zone that the pattern may reach (to ask the ACL about)."""
        if pattern.kind is Kind.EXACT:
            candidates = [pattern.key, pattern.key + "/"]
        elif pattern.kind is Kind.PREFIX:
            candidates = self._prefix_witnesses(pattern.key)
        else:
            acl_parts = pattern.stem.split("/")
            candidates = [
                w
                for parts in (acl_parts, [*acl_parts, ""])
                if (w := self._segment_witness(parts, pattern.ends_in_glob)) is not None
            ]
        return [c for c in candidates if c and self.contains(c)]

    def _prefix_witnesses(self, prefix: str) -> list[str]:
        inside = self.path + "/" if self.open else self.path
        if inside.startswith(prefix):
            return [inside + "x" if self.open else inside]
        if self.open and prefix.startswith(inside):
            return [prefix + "x"]
        return []

    def _segment_witness(self, acl_parts: list[str], glob: bool) -> str | None:
        zone = self.segments
        last = len(acl_parts) - 1
        out: list[str] = []
        for i, acl_part in enumerate(acl_parts):
            if glob and i == last:
                if i < len(zone):
                    if not zone[i].startswith(acl_part):
                        return None
                    out += [*zone[i:], "x"] if self.open else list(zone[i:])
                else:
                    out.append(acl_part + "x")
                break
            if i < len(zone):
                if acl_part not in ("+", zone[i]):
                    return None
                out.append(zone[i])
            else:
                out.append("x" if acl_part == "+" else acl_part)
        return "/".join(out)


SYSTEM_ZONES = (Zone("sys/", ("sys",)), Zone("auth/", ("auth",)))


# --------------------------------------------------------------------------- the server


def sys_capabilities(client: hvac.Client, token: Secret) -> Callable[[str], list[str]]:
    """Ask the server, as the arbiter, what ``token`` may do on a path (``sys/capabilities``).

    ``client`` must be allowed to call ``sys/capabilities`` (update). The answer's
    ``data`` maps each asked path to its sorted capability list.
    """

    def ask(path: str) -> list[str]:
        response = client.sys.get_capabilities([path], token=token.reveal())
        return list(response["data"][path])

    return ask

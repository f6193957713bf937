"""Criterion "policies grant least privilege": Vault/OpenBao ACL policies, read and judged.

Three layers, each usable on its own:

* :func:`parse_policy` / :func:`load_policies` read policy HCL (or JSON) the way the
  server does: unknown keys, unknown capabilities and ``+*`` are errors here as they
  are when the server is asked to store the policy.
* :func:`capabilities` answers what ``sys/capabilities`` answers for a token that
  holds exactly the given policies: the same matching and priority rules, modelled
  on OpenBao's ``internal/vault/policy/acl.go`` and checked against a real server by
  a differential property test (tests/test_policy.py).
* :func:`check_least_privilege` judges an app's policies against its environment's
  profile, using the matcher so that what it reports is what the server enforces.

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

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import hcl2
import hvac

from compliance.profiles import AppNames, Profile
from compliance.result import CheckResult, Evidence
from compliance.secret import Secret, fingerprint

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
_TOP_LEVEL_KEYS = frozenset({"name", "path"})
_PATH_KEYS = frozenset(
    {
        "comment",
        "policy",
        "capabilities",
        "allowed_parameters",
        "denied_parameters",
        "required_parameters",
        "min_wrapping_ttl",
        "max_wrapping_ttl",
        "mfa_methods",
        "pagination_limit",
        "expiration",
        "list_scan_response_keys_filter_path",
        "control_group",
        "subscribe_event_types",  # Vault
    }
)

# Where the app's secrets live (the same mounts fixtures/bootstrap.py enables).
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


@dataclass(frozen=True)
class Rule:
    """One ``path "..." { ... }`` stanza, as written (capabilities are what matter)."""

    path: str
    capabilities: frozenset[str]
    source: str
    min_wrapping_ttl: str | None = None
    max_wrapping_ttl: str | None = None
    allowed_parameters: tuple[str, ...] = ()
    denied_parameters: tuple[str, ...] = ()
    required_parameters: tuple[str, ...] = ()

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


@dataclass(frozen=True)
class Policy:
    """A policy file: where it came from and its rules in file order."""

    source: str
    rules: tuple[Rule, ...]

    @property
    def name(self) -> str:
        """The name it is stored under by convention: the file name without ``.hcl``."""
        return Path(self.source).stem


def parse_policy(text: str, source: str, *, known: frozenset[str] = KNOWN_CAPABILITIES) -> Policy:
    """Parse policy HCL (or the JSON form the server also accepts).

    Raises PolicyError naming ``source`` for anything the server would refuse:
    malformed HCL, a key the server does not know, a capability not in ``known``
    (pass OPENBAO_CAPABILITIES to be as strict as OpenBao), ``+*`` in a path.
    """
    if text.lstrip().startswith("{"):
        stanzas = _json_stanzas(text, source)
    else:
        stanzas = _hcl_stanzas(text, source)
    return Policy(source, tuple(_rule(path, body, source, known) for path, body in stanzas))


def load_policies(files: Sequence[Path]) -> list[Policy]:
    """Parse each file; its path (as given) is the source every finding names.

    A file that is not a regular file (a FIFO would block forever), not UTF-8, or
    not parseable is a PolicyError; one that cannot be read raises OSError.
    """
    return [parse_policy(_read_policy_file(Path(f)), str(f)) for f in files]


def _read_policy_file(path: Path) -> str:
    if path.exists() and not path.is_file():
        raise PolicyError(f"{path}: not a regular file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None


def _hcl_stanzas(text: str, source: str) -> list[tuple[str, dict[str, Any]]]:
    options = hcl2.SerializationOptions(with_comments=False, explicit_blocks=True)
    try:
        document = hcl2.loads(text, serialization_options=options)
    except Exception as exc:  # lark raises several unrelated types; all mean "malformed"
        raise PolicyError(f"{source}: malformed HCL: {_parse_failure(exc)}") from None
    _check_keys(document, _TOP_LEVEL_KEYS, f"{source}: top level")
    blocks = document.get("path", [])
    if not isinstance(blocks, list):
        raise PolicyError(f'{source}: "path" must be stanzas: path "..." {{ ... }}')
    stanzas: list[tuple[str, dict[str, Any]]] = []
    for block in blocks:
        labels = [k for k in block if k != "__is_block__"]
        body = block[labels[0]] if len(labels) == 1 else None
        if not isinstance(body, dict) or not body.get("__is_block__"):
            raise PolicyError(f'{source}: a path stanza needs exactly one label: path "..." {{}}')
        path = _string(labels[0], f"{source}: path label")
        stanzas.append((path, {k: v for k, v in body.items() if k != "__is_block__"}))
    return stanzas


def _parse_failure(exc: Exception) -> str:
    """Where and how the HCL parser failed, without the offending text: lark quotes the
    token it met, which may be anything the file holds (a pasted value too)."""
    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    at = f" at line {line}, column {column}" if isinstance(line, int) and line > 0 else ""
    token = getattr(exc, "token", None)
    if token is not None and hasattr(token, "type"):
        return f"Unexpected token {token.type}{at}"
    if hasattr(exc, "char"):
        return f"Unexpected character{at}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return f"{type(exc).__name__}{at}"


def _json_stanzas(text: str, source: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # The message names line and column, never the text (JSONDecodeError.msg does not).
        raise PolicyError(
            f"{source}: malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise PolicyError(f"{source}: malformed JSON: nested too deeply") from None
    _check_keys(document, _TOP_LEVEL_KEYS, f"{source}: top level")
    paths = document.get("path", {})
    if not isinstance(paths, dict) or not all(isinstance(b, dict) for b in paths.values()):
        raise PolicyError(f'{source}: "path" must map each path to an object')
    # Re-quote values so that _rule reads JSON and HCL the same way.
    return [(p, {k: _json_to_hcl_values(v) for k, v in body.items()}) for p, body in paths.items()]


def _json_to_hcl_values(value: Any) -> Any:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return [_json_to_hcl_values(v) for v in value]
    if isinstance(value, dict):
        return {json.dumps(k): _json_to_hcl_values(v) for k, v in value.items()}
    return value


def _check_keys(mapping: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(mapping, dict):
        raise PolicyError(f"{where}: expected an object")
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise PolicyError(
            f"{where}: unknown key(s) {', '.join(_shown(k) for k in unknown)}; "
            f"known: {', '.join(sorted(allowed))}"
        )


def _string(value: Any, where: str) -> str:
    """A quoted HCL string's value; a bare word (``[read]``) is an error, as in HCL1."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            decoded = value[1:-1]
        if isinstance(decoded, str):
            if not _is_utf8(decoded):
                raise PolicyError(f"{where}: not valid Unicode (a lone surrogate escape)")
            return decoded
    raise PolicyError(f"{where}: expected a quoted string, got {_shown(value)}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise PolicyError(f"{where}: expected a list of strings, got {_shown(value)}")
    return tuple(_string(v, where) for v in value)


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, str):
        return _string(value, where)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{where}: expected a duration or a number, got {_shown(value)}")
    return str(value)


def _parameter_names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: expected an object of parameter = [values]")
    return tuple(sorted(_string(k, where) if k.startswith('"') else k for k in value))


def _rule(path: str, body: dict[str, Any], source: str, known: frozenset[str]) -> Rule:
    if not _is_utf8(path):
        raise PolicyError(f"{source}: a path is not valid Unicode (a lone surrogate escape)")
    if any(not c.isprintable() for c in path):
        raise PolicyError(f"{source}: path {_shown(path)} holds control characters")
    where = f'{source}: path "{path}"'
    _check_keys(body, _PATH_KEYS, where)
    if "+*" in path:
        raise PolicyError(f"{where}: invalid use of wildcards ('+*' is forbidden)")
    caps = set(_strings(body.get("capabilities", []), f"{where}: capabilities"))
    if "policy" in body:
        old = _string(body["policy"], f"{where}: policy")
        if old not in _OLD_POLICIES:
            raise PolicyError(
                f"{where}: invalid policy {_shown(old)}; known: {', '.join(_OLD_POLICIES)}"
            )
        caps |= _OLD_POLICIES[old]
    for cap in sorted(caps):
        if cap not in known:
            raise PolicyError(
                f"{where}: unknown capability {_shown(cap)}; known: {', '.join(sorted(known))}"
            )
    ttl = {
        k: _scalar(body[k], f"{where}: {k}") if k in body else None
        for k in ("min_wrapping_ttl", "max_wrapping_ttl")
    }
    return Rule(
        path=path,
        capabilities=frozenset({DENY}) if DENY in caps else frozenset(caps),
        source=source,
        min_wrapping_ttl=ttl["min_wrapping_ttl"],
        max_wrapping_ttl=ttl["max_wrapping_ttl"],
        allowed_parameters=_parameter_names(body.get("allowed_parameters", {}), where),
        denied_parameters=_parameter_names(body.get("denied_parameters", {}), where),
        required_parameters=_strings(body.get("required_parameters", []), where),
    )


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


def is_templated(rule_path: str) -> bool:
    """Whether the path uses ACL templating (``{{identity.entity.id}}``)."""
    return "{{" in rule_path and "}}" in rule_path


class Acl:
    """The ACL a token holding exactly ``policies`` gets (no default policy unless given).

    Templated paths are left out: the server renders them per token from its identity
    entity and drops them for a token without one (a token from ``auth/token/create``),
    which is the token this models.
    """

    def __init__(self, policies: Iterable[Policy]) -> None:
        merged: dict[Pattern, tuple[set[str], list[str]]] = {}
        for policy in policies:
            for rule in policy.rules:
                if is_templated(rule.path):
                    continue
                caps, sources = merged.setdefault(Pattern.of(rule.path), (set(), []))
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
        ranked = [(g.pattern.priority(path), g) for g in self._globs]
        matching = [(key, g) for key, g in ranked if key is not None]
        return max(matching, key=lambda kg: kg[0])[1] if matching else None

    def capabilities(self, path: str) -> list[str]:
        """Sorted capabilities on ``path``, ``["deny"]`` when none: sys/capabilities' format."""
        grant = self.resolve(path)
        return grant.answer() if grant else [DENY]


def capabilities(
    policies: Sequence[Policy], path: str, *, default_policy: Policy | None = None
) -> list[str]:
    """What ``sys/capabilities`` answers on ``path`` for a token holding ``policies``.

    Tokens get the server's ``default`` policy unless created with
    ``no_default_policy``; pass it (read from ``sys/policies/acl/default``) as
    ``default_policy`` to model such a token.
    """
    held = [*policies, default_policy] if default_policy else list(policies)
    return Acl(held).capabilities(path)


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


def tree_zones(names: Profile | AppNames) -> tuple[Zone, ...]:
    """An environment's own paths: its KV v2 tree (every API) and its database role, at
    the target's mounts."""
    prefix = tuple(s for s in names.kv_prefix.split("/") if s)
    kv = tuple(Zone(f"{names.tree} tree", (names.kv_mount, api, *prefix)) for api in KV_V2_APIS)
    if not names.database_role:
        return kv
    creds = Zone(
        f"{names.tree} database credentials",
        (names.database_mount, "creds", names.database_role),
        open=False,
    )
    return (*kv, creds)


def own_tree_text(profile: Profile) -> str:
    """The environment's own paths, short, for findings."""
    prefix = f"{profile.kv_prefix}/" if profile.kv_prefix else ""
    text = f"{profile.kv_mount}/<api>/{prefix}..."
    if profile.database_role:
        text += f", {profile.database_mount}/creds/{profile.database_role}"
    return text


SYSTEM_ZONES = (Zone("sys/", ("sys",)), Zone("auth/", ("auth",)))


# --------------------------------------------------------------------------- the check


def sys_capabilities(client: hvac.Client, token: Secret) -> Callable[[str], list[str]]:
    """Ask the server, as the arbiter, what ``token`` may do on a path (``sys/capabilities``).

    ``client`` must be allowed to call ``sys/capabilities`` (update). The answer's
    ``data`` maps each asked path to its sorted capability list.
    """

    def ask(path: str) -> list[str]:
        response = client.sys.get_capabilities([path], token=token.reveal())
        return list(response["data"][path])

    return ask


@dataclass
class _Judgement:
    findings: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    reached: set[tuple[Zone, Pattern]] = field(default_factory=set)

    def find(self, finding: str) -> None:
        if finding not in self.findings:
            self.findings.append(finding)


def check_least_privilege(
    policies: Sequence[Policy],
    profile: Profile,
    *,
    read_only: bool = True,
    server_capabilities: Callable[[str], list[str]] | None = None,
    used_paths: Iterable[str] | None = None,
) -> CheckResult:
    """Judge the policies an app's token holds against least privilege for ``profile``.

    Findings: sudo; access to ``sys/`` or ``auth/``; a glob reaching beyond the
    environment's own tree, or a path outside it; access to another environment's
    tree; write capabilities when ``read_only``; a path where the analyzer and the
    server (``server_capabilities``) disagree; a rule no request in ``used_paths``
    (the audit log's request paths) was decided by.
    """
    judgement = _Judgement()
    used = list(used_paths) if used_paths is not None else None
    if not any(p.rules for p in policies):
        judgement.find("no policy rules were given, so nothing grants or limits anything")
    acl = Acl(policies)
    for policy in policies:
        judgement.evidence.append(
            Evidence(
                f"policy {policy.source}",
                "; ".join(r.stanza() for r in policy.rules) or "no rules",
            )
        )
    probes = _judge_rules(policies, profile, read_only, acl, judgement)
    if server_capabilities is not None:
        _cross_check(acl, server_capabilities, probes, used or (), judgement)
    if used is not None:
        _judge_use(policies, acl, used, judgement)
    return CheckResult(
        CRITERION, profile.name, tuple(judgement.evidence), tuple(judgement.findings)
    )


def _judge_rules(
    policies: Sequence[Policy], profile: Profile, read_only: bool, acl: Acl, j: _Judgement
) -> list[str]:
    """Rule-level and zone-level findings; returns the concrete paths it looked at."""
    own = tree_zones(profile)
    others = [z for p in profile.other_environments for z in tree_zones(p)]
    probes: list[str] = []
    for policy in policies:
        for rule in policy.rules:
            pattern = Pattern.of(rule.path)
            where = f'{rule.source}: path "{rule.path}"'
            if "sudo" in rule.grants:
                j.find(f"{where} grants sudo")
            writes = sorted(rule.grants & WRITE_CAPABILITIES)
            if read_only and writes:
                j.find(f"{where} grants write capabilities ({', '.join(writes)}); "
                       f"the app in {profile.name} only reads")  # fmt: skip
            if rule.grants and not any(z.covers(pattern) for z in own):
                kind = "glob" if pattern.is_glob else "path"
                j.find(f"{where}: {kind} reaches beyond {profile.name}'s own tree "
                       f"({own_tree_text(profile)})")  # fmt: skip
            probes += _instances(pattern)
            for zone in (*SYSTEM_ZONES, *others):
                for witness in zone.witnesses(pattern):
                    probes.append(witness)
                    _judge_witness(acl, zone, witness, profile, j)
    checked = sorted(set(probes))
    j.evidence.append(
        Evidence(
            "the analyzer's capabilities on the rules' own paths and on the sys/, auth/ "
            "and other environments' paths they may reach",
            "; ".join(f"{p}={','.join(acl.capabilities(p))}" for p in checked) or "none reachable",
        )
    )
    return checked


def _judge_witness(acl: Acl, zone: Zone, witness: str, profile: Profile, j: _Judgement) -> None:
    grant = acl.resolve(witness)
    if grant is None or grant.answer() == [DENY] or (zone, grant.pattern) in j.reached:
        return
    j.reached.add((zone, grant.pattern))
    via = f'{", ".join(grant.sources)}: path "{grant.pattern.written}"'
    caps = ", ".join(grant.answer())
    if zone in SYSTEM_ZONES:
        j.find(f"access to {zone.shown()} paths: {via} grants {caps} (e.g. on {witness})")
    else:
        j.find(
            f"cross-environment access: {profile.name}'s app may reach the {zone.label}: "
            f"{via} grants {caps} on {witness}"
        )


def _instances(pattern: Pattern) -> list[str]:
    """The rule's own path and a few concrete paths it matches, to ask the server about."""
    literal = pattern.written
    filled = "/".join("x" if s == "+" else s for s in pattern.stem.split("/"))
    out = [literal, literal + "/", filled]
    if pattern.ends_in_glob:
        out += [filled + "x", filled + "x/y"]
    return [p for p in out if p.lstrip("/")]


def _cross_check(
    acl: Acl,
    ask: Callable[[str], list[str]],
    probes: list[str],
    used: Iterable[str],
    j: _Judgement,
) -> None:
    paths = sorted({p for p in (*probes, *used) if p.lstrip("/")})
    answers = []
    for path in paths:
        ours, theirs = acl.capabilities(path), sorted(ask(path))
        answers.append(f"{path}={','.join(theirs)}")
        if ours != theirs:
            j.find(
                f"the analyzer and the server disagree on {path}: analyzer "
                f"{', '.join(ours)}; server {', '.join(theirs)} (the server is right)"
            )
    j.evidence.append(Evidence(f"sys/capabilities on {len(paths)} paths", "; ".join(answers)))


def _judge_use(policies: Sequence[Policy], acl: Acl, used: list[str], j: _Judgement) -> None:
    decided = {g.pattern for p in used if (g := acl.resolve(p)) is not None}
    for policy in policies:
        for rule in policy.rules:
            if rule.grants and Pattern.of(rule.path) not in decided:
                j.find(
                    f'{rule.source}: path "{rule.path}" is granted but never used '
                    f"(no request among {len(used)} audited paths was decided by it)"
                )
    j.evidence.append(
        Evidence(
            f"request paths used by the app ({len(used)})",
            "; ".join(
                f"{p} -> {g.pattern.written if (g := acl.resolve(p)) else 'no rule'}"
                for p in sorted(set(used))
            )
            or "none",
        )
    )

"""Least privilege, written for you: the tightest policy from what the app did.

``vault-gate policy suggest`` reads an audit log (HMAC'd or raw: request paths and
operations are never hashed), attributes entries to the app (its AppRole logins'
tokens, as the sign-off does, or one token accessor), and writes the smallest HCL1
policy that allows exactly the requests the server let through:

* one rule per path the app requested, literal as requested (never a ``+`` or ``*``
  where the app used a literal), with the capability each request needed: the
  operation the server logged (``read``, ``list``, ``create``/``update`` as KV v2 data
  writes, ``update`` for token self-maintenance and lease renewal, ...);
* a lease operation by path (``sys/leases/renew/<lease id>``) names a lease that will
  not exist next time: its rule is the lease's own role path with ``*`` for the id;
* a comment per rule says which requests it covers (operations, counts, first/last);
* with the app's target and environment, a request into another environment's paths
  is a finding, never a rule: the suggestion does not widen to another tree;
* grants whose use comes with time (token renewal at about 2/3 of its TTL, lease
  renewal, revocation at shutdown) that the log does not show are added only when
  declared (``--declare``) or implied (a renewable token or lease, whose renewal the
  log's span could not reach), and marked so in their comment.

Memory is bounded by what the app used (one counter per distinct path), not by the
log: the log is streamed line by line (:func:`compliance.audit.role_records`).
Denied requests are not granted; they are listed in the header.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from vault_gate.compliance.checks.audit import (
    AuditStats,
    Record,
    accessor_records,
    role_records,
    summarize,
)
from vault_gate.compliance.checks.least_privilege import TIME_DEPENDENT, Scope
from vault_gate.compliance.policy.acl import (
    OPENBAO_CAPABILITIES,
    VAULT_ONLY_CAPABILITIES,
    Flavour,
    Policy,
    parse_policy,
)
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import fingerprint

# Operations the server logs -> the capability a rule needs for them.
_CAPABILITY = {
    "read": "read",
    "list": "list",
    "create": "create",
    "update": "update",
    "delete": "delete",
    "patch": "patch",
    "scan": "scan",
}
# Lease operations by path: the rest of the path is a lease id (``<role path>/<id>``).
_LEASE_PREFIXES = (
    "sys/leases/renew/", "sys/leases/revoke/", "sys/leases/lookup/", "sys/renew/",
    "sys/revoke/", "sys/leases/revoke-force/", "sys/leases/revoke-prefix/",
)  # fmt: skip
# What can be declared, the rule it adds and when its use comes.
TIME_GRANTS: dict[str, tuple[str, str]] = {
    "token-renewal": ("auth/token/renew-self", "update"),
    "token-revocation": ("auth/token/revoke-self", "update"),
    "lease-renewal": ("sys/leases/renew", "update"),
    "lease-revocation": ("sys/leases/revoke", "update"),
}
FLAVOUR_CAPABILITIES: dict[str, frozenset[str]] = {
    "openbao": OPENBAO_CAPABILITIES,
    "vault": (OPENBAO_CAPABILITIES - {"scan"}) | VAULT_ONLY_CAPABILITIES,
}
_DENIED = re.compile(r"permission denied", re.IGNORECASE)


class SuggestError(ValueError):
    """Bad input for a suggestion: the message says what was looked for and what was found."""


@dataclass(frozen=True)
class AppIdentity:
    """How the app's entries are told apart in the log."""

    kind: Literal["role", "accessor"]
    value: str

    def shown(self) -> str:
        if self.kind == "role":
            return f"the tokens of logins to AppRole role {self.value!r}"
        if self.value.startswith("hmac-sha256:"):
            return f"the token with accessor {self.value!r}"
        # A raw accessor can look up and revoke its token: shown by fingerprint only.
        return f"the token with accessor {fingerprint(self.value.encode())} (fingerprint)"


@dataclass
class Use:
    """What the app did on one path: operations and when."""

    path: str
    operations: Counter[str] = field(default_factory=Counter)
    first: str = ""
    last: str = ""

    def add(self, operation: str, time: str) -> None:
        self.operations[operation] += 1
        if time:
            self.first = min(self.first or time, time)
            self.last = max(self.last, time)


@dataclass
class Observation:
    """What the log says the app did (bounded: one :class:`Use` per distinct path)."""

    identity: AppIdentity
    log: Path
    stats: AuditStats = field(default_factory=AuditStats)
    uses: dict[str, Use] = field(default_factory=dict)
    denied: Counter[tuple[str, str]] = field(default_factory=Counter)
    logins: int = 0
    token_ttl: int | None = None
    token_renewable: bool = False
    renewable_leases: Counter[str] = field(default_factory=Counter)
    first: str = ""
    last: str = ""

    @property
    def requests(self) -> int:
        return sum(sum(u.operations.values()) for u in self.uses.values())

    def span_s(self) -> float | None:
        """Seconds from the app's first entry to its last (None if not both known)."""
        from datetime import datetime

        try:
            a = datetime.fromisoformat(self.first.replace("Z", "+00:00"))
            b = datetime.fromisoformat(self.last.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (b - a).total_seconds()


def _obj(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else {}


def _str(value: Any) -> str:
    return value if type(value) is str else ""


def _rule_path(path: str) -> str:
    """The rule's path for a request path: itself, except a lease id's last segment."""
    for prefix in _LEASE_PREFIXES:
        if path.startswith(prefix) and path.count("/") > prefix.count("/"):
            lease = path[len(prefix) :]
            return prefix + lease.rpartition("/")[0] + "/*"
    return path


def observe(
    log: Path,
    identity: AppIdentity,
    *,
    start: int = 0,
    logins: Collection[str] | None = None,
) -> Observation:
    """Stream ``log`` from byte ``start`` and gather what the app did (``logins``: only
    the role's logins with these secret_id HMACs, as the sign-off tells its app's).
    OSError if the log cannot be read."""
    obs = Observation(identity, log)

    def note_time(record: Record) -> str:
        time = _str(record.get("time"))
        if time:
            obs.first = min(obs.first or time, time)
            obs.last = max(obs.last, time)
        return time

    entries: Iterator[tuple[bool, Record]]
    if identity.kind == "role":
        entries = role_records(log, identity.value, stats=obs.stats, start=start, logins=logins)
    else:
        entries = ((False, r) for r in accessor_records(log, identity.value, stats=obs.stats))
    for is_login, record in entries:
        if is_login:
            obs.logins += 1
            auth = _obj(record.get("auth"))
            given = _obj(_obj(record.get("response")).get("auth"))
            ttl = given.get("lease_duration", auth.get("token_ttl"))
            if isinstance(ttl, int) and ttl > 0:
                obs.token_ttl = ttl if obs.token_ttl is None else min(obs.token_ttl, ttl)
            # The audit log names no "renewable" for OpenBao's logins: a service token
            # is renewable (up to its max TTL), a batch token never.
            renewable = given.get("renewable", auth.get("token_type", "service") == "service")
            obs.token_renewable = obs.token_renewable or renewable is True
            continue
        if record.get("type") != "response":
            continue
        time = note_time(record)
        request = _obj(record.get("request"))
        path, operation = _str(request.get("path")), _str(request.get("operation"))
        if not path or operation not in _CAPABILITY:
            continue
        if path.startswith("auth/") and path.endswith("/login"):
            continue  # a login needs no policy: its "auth" is the token it issued

        error = record.get("error")
        if error:
            if _DENIED.search(str(error)):
                obs.denied[(path, operation)] += 1
            continue
        response = _obj(record.get("response"))
        secret = _obj(response.get("secret"))
        if _str(secret.get("lease_id")) and secret.get("renewable") is not False:
            obs.renewable_leases[path] += 1
        key = _rule_path(path)
        obs.uses.setdefault(key, Use(key)).add(operation, time)
    return obs


@dataclass(frozen=True)
class SuggestedRule:
    path: str
    capabilities: tuple[str, ...]
    comment: str
    time_dependent: str = ""  # why it is there though the log does not show its use

    def hcl(self) -> str:
        caps = ", ".join(json.dumps(c) for c in self.capabilities)
        return (
            f"# {self.comment}\n"
            f"path {json.dumps(self.path, ensure_ascii=False)} {{\n"
            f"  capabilities = [{caps}]\n}}\n"
        )


@dataclass(frozen=True)
class Suggestion:
    """The suggested policy, what it was made from, and the findings (requests that
    crossed into another environment's paths: observed, never granted)."""

    observation: Observation
    rules: tuple[SuggestedRule, ...]
    findings: tuple[str, ...]
    flavour: Flavour
    environment: str = ""

    def hcl(self) -> str:
        obs = self.observation
        stats = obs.stats
        lines = [
            f"# Suggested by vault-gate policy suggest ({self.flavour}) from the audit log "
            f"{obs.log.name}",
            f"# The app: {obs.identity.shown()}"
            + (f", in {self.environment}" if self.environment else "")
            + f"; {obs.requests} requests let through"
            + (f" from {obs.first} to {obs.last}" if obs.first else ""),
            "# The smallest policy that allows exactly these requests: literal paths as the "
            "app requested them.",
        ]
        if stats.corrupt:
            lines.append(f"# Skipped: {stats.corrupt} lines that are not JSON (truncated?).")
        for (path, op), n in sorted(obs.denied.items()):
            lines.append(f"# Denied, not granted: {op} on {path} x{n}")
        for finding in self.findings:
            lines.append(f"# Not granted (finding): {finding}")
        return "\n".join(lines) + "\n\n" + "\n".join(r.hcl() for r in self.rules)

    def to_json(self) -> dict[str, Any]:
        obs = self.observation
        return {
            "identity": obs.identity.shown(),
            "environment": self.environment,
            "flavour": self.flavour,
            "requests": obs.requests,
            "logins": obs.logins,
            "denied": [
                {"path": p, "operation": o, "count": n} for (p, o), n in sorted(obs.denied.items())
            ],
            "findings": list(self.findings),
            "skipped_lines": obs.stats.corrupt,
            "rules": [
                {
                    "path": r.path,
                    "capabilities": list(r.capabilities),
                    "comment": r.comment,
                    "time_dependent": r.time_dependent,
                }
                for r in self.rules
            ],
            "policy": self.hcl(),
        }


def _covers(use: Use) -> str:
    ops = ", ".join(f"{op} x{n}" for op, n in sorted(use.operations.items()))
    when = f" ({use.first} to {use.last})" if use.first and use.first != use.last else ""
    if use.first and use.first == use.last:
        when = f" ({use.first})"
    return f"covers {ops}{when}"


def suggest(
    obs: Observation,
    *,
    scope: Scope | None = None,
    environment: str = "",
    flavour: Flavour = "openbao",
    declared: Iterable[str] = (),
    implied: bool = True,
) -> Suggestion:
    """The suggestion from ``obs``. ``scope`` (the app's target in ``environment``) makes a
    request into another environment's paths a finding instead of a rule. ``declared``
    names time-dependent grants (:data:`TIME_GRANTS`); ``implied`` adds those a renewable
    token or lease implies. Raises SuggestError when the log holds no request of the app."""
    if not obs.uses and not obs.denied:
        raise SuggestError(_nothing_found(obs))
    findings: list[str] = []
    rules: list[SuggestedRule] = []
    for path in sorted(obs.uses):
        use = obs.uses[path]
        crossed = _other_environment(path, scope)
        if crossed:
            ops = ", ".join(f"{op} x{n}" for op, n in sorted(use.operations.items()))
            findings.append(
                f"the app's requests cross environments: {ops} on {path} ({crossed}); "
                "not put in the suggestion"
            )
            continue
        caps = tuple(sorted({_CAPABILITY[op] for op in use.operations}))
        foreign = [c for c in caps if c not in FLAVOUR_CAPABILITIES[flavour]]
        if foreign:  # e.g. OpenBao's scan, logged by an OpenBao server, judged for Vault
            findings.append(
                f"{', '.join(foreign)} on {path}: no such capability in {flavour}'s policies; "
                "not put in the suggestion"
            )
            caps = tuple(c for c in caps if c not in foreign)
            if not caps:
                continue
        rules.append(SuggestedRule(path, caps, _covers(use)))
    rules += _time_grants(obs, {r.path for r in rules}, set(declared), implied)
    suggestion = Suggestion(obs, tuple(rules), tuple(findings), flavour, environment)
    parse_policy(suggestion.hcl(), "the suggestion", flavour=flavour)  # the server takes it
    return suggestion


def _other_environment(path: str, scope: Scope | None) -> str:
    if scope is None:
        return ""
    for zone in scope.others:
        if zone.contains(path) or zone.contains(path.rstrip("/")):
            return zone.label
    return ""


def _time_grants(
    obs: Observation, have: set[str], declared: set[str], implied: bool
) -> list[SuggestedRule]:
    out: list[SuggestedRule] = []
    span = obs.span_s()
    seen = f"this log's {span:.0f} s" if span is not None else "this log"
    for name, (path, cap) in TIME_GRANTS.items():
        if path in have:
            continue
        why = TIME_DEPENDENT.get(path, name)
        reason = ""
        if name in declared:
            reason = "declared"
        elif implied and name == "token-renewal" and obs.token_renewable and obs.token_ttl:
            if span is None or span < obs.token_ttl * 2 / 3:
                reason = (
                    f"implied by the token TTL ({obs.token_ttl} s, renewable): renewal comes "
                    f"after {seen}"
                )
        elif implied and name == "lease-renewal" and obs.renewable_leases:
            leased = ", ".join(sorted(obs.renewable_leases))
            reason = f"implied by renewable leases from {leased}; renewal comes after {seen}"
        if reason:
            out.append(
                SuggestedRule(
                    path, (cap,), f"time-dependent: {why}; not in the log: {reason}", reason
                )
            )
    return out


def _nothing_found(obs: Observation) -> str:
    """The error for a log without a request of the app: how it was looked for, and what
    the log holds instead (roles whose tokens made requests, entries, skipped lines)."""
    summary = summarize(obs.log)
    roles = summary.get("by_role_name") or {}
    found = [f"{summary.get('entries', 0)} entries"]
    if roles:
        found.append(
            "requests by tokens of AppRole roles "
            + ", ".join(f"{r} ({n})" for r, n in list(roles.items())[:10])
        )
    else:
        found.append("no request by an AppRole token")
    if obs.identity.kind == "accessor":
        found.append(f"{summary.get('distinct_accessors', 0)} token accessors")
    if summary.get("corrupt_lines"):
        found.append(f"{summary['corrupt_lines']} lines that are not JSON (skipped)")
    what = "no login to it" if obs.identity.kind == "role" and not obs.logins else "no request"
    return (
        f"{obs.log}: no request of the app: looked for {obs.identity.shown()} and found "
        f"{what}; the log holds {'; '.join(found)}"
    )


# --------------------------------------------------------------------------- in the sign-off

SUGGESTED = "suggested policy"
SUGGESTED_DIFF = "suggested policy diff"


def policy_diff(policies: Sequence[tuple[str, str]], suggested: str) -> str:
    """A unified diff from the app's policy text(s) (``(source, text)``) to the suggestion."""
    import difflib

    before = "".join(text if text.endswith("\n") else text + "\n" for _, text in policies)
    name = " + ".join(source for source, _ in policies) or "(no policy)"
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            suggested.splitlines(keepends=True),
            fromfile=name,
            tofile="suggested",
        )
    )


def with_suggestion(
    result: CheckResult,
    policies: Sequence[Policy],
    texts: Sequence[tuple[str, str]],
    audit_log: Path,
    role: str,
    *,
    start: int = 0,
    logins: Collection[str] | None = None,
    scope: Scope | None = None,
) -> CheckResult:
    """``result`` (least_privilege) with, when it found unused or too-broad grants, the
    suggested policy and a diff against the app's (evidence :data:`SUGGESTED` and
    :data:`SUGGESTED_DIFF`, text); a suggestion that cannot be made says why instead."""
    if result.passed or not policies:
        return result
    try:
        obs = observe(audit_log, AppIdentity("role", role), start=start, logins=logins)
        made = suggest(obs, scope=scope, environment=result.environment)
    except (SuggestError, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else str(exc)
        extra = (Evidence(SUGGESTED, f"not made: {why}"),)
    else:
        text = made.hcl()
        extra = (Evidence(SUGGESTED, text), Evidence(SUGGESTED_DIFF, policy_diff(texts, text)))
    return CheckResult(
        result.criterion, result.environment, (*result.evidence, *extra), result.findings
    )

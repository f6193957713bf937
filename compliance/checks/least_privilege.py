"""Criterion "policies grant least privilege": one judgement of the policies a token holds.

Whether a policy's text came from a file of the app's repository (the static check,
``vault-gate policy check``) or from the server (live mode, the sign-off's server
check), it is judged here by :func:`judge`, over one model: the parsed
:class:`~compliance.policy.Policy`, the server's matching (:class:`~compliance.policy.Acl`)
and one :class:`Scope` (the app's own paths and other environments', built from the
same layout either way; only where the mounts come from differs: read from the server,
or assumed from the target's names). So the two cannot disagree: a test runs both on
every policy of the repository and asserts equal findings.

A rule is one fact, so a rule that is wrong is **one** finding listing what it grants
and every way it is wrong: sudo, writes where the app only reads, another
environment's paths, ``sys/`` or ``auth/`` paths, or paths beyond the app's own.

Token self-maintenance (look itself up, renew and revoke itself, renew and look up its
leases, its cubbyhole, response wrapping, ...) is what every token gets from the
server's ``default`` policy: a rule granting one of them (or less) is not a finding,
in either mode. "Granted but never used" (the audit log's requests against the rules)
is not judged for grants whose use depends on time the run cannot cover (renewal at
two thirds of a TTL, revocation at shutdown): the evidence says so.

Identity templates (``{{identity.entity.id}}``, aliases, groups) are rendered for the
token's entity as the server renders them (:func:`compliance.policy.render_template`);
without the entity a templated rule is not judged, and the finding says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from vault_gate.compliance.policy.acl import (
    DENY,
    WRITE_CAPABILITIES,
    Acl,
    Entity,
    Pattern,
    Policy,
    Rule,
    Zone,
    is_templated,
    render_template,
)
from vault_gate.compliance.policy.mounts import KV_V2_APIS, KvEntry, resolve_paths
from vault_gate.compliance.profiles import AppNames, Profile
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "least_privilege"

# The default policy's token-maintenance rules: path as written -> capabilities it grants
# (OpenBao's defaultPolicy, vault/policy_store.go; HashiCorp Vault adds
# sys/control-group/request).
TOKEN_MAINTENANCE: dict[str, frozenset[str]] = {
    "auth/token/lookup-self": frozenset({"read"}),
    "auth/token/renew-self": frozenset({"update"}),
    "auth/token/revoke-self": frozenset({"update"}),
    "sys/capabilities-self": frozenset({"update"}),
    "sys/internal/ui/resultant-acl": frozenset({"read"}),
    "sys/renew": frozenset({"update"}),
    "sys/renew/*": frozenset({"update"}),
    "sys/leases/renew": frozenset({"update"}),
    "sys/leases/lookup": frozenset({"update"}),
    "cubbyhole": frozenset({"list"}),
    "cubbyhole/*": frozenset({"create", "read", "update", "delete", "list"}),
    "sys/wrapping/wrap": frozenset({"update"}),
    "sys/wrapping/lookup": frozenset({"update"}),
    "sys/wrapping/unwrap": frozenset({"update"}),
    "sys/tools/hash": frozenset({"update"}),
    "sys/tools/hash/*": frozenset({"update"}),
    "sys/control-group/request": frozenset({"update"}),
    "identity/oidc/provider/+/authorize": frozenset({"read", "update"}),
    "identity/entity/id/{{identity.entity.id}}": frozenset({"read"}),
    "identity/entity/name/{{identity.entity.name}}": frozenset({"read"}),
}
# Grants whose use comes with time, not with a request the run makes: a token renews at
# about two thirds of its TTL, a lease likewise, and revocation comes at shutdown.
TIME_DEPENDENT: dict[str, str] = {
    "auth/token/renew-self": "token renewal (at about 2/3 of the token's TTL)",
    "auth/token/revoke-self": "token revocation (at shutdown)",
    "sys/leases/renew": "lease renewal (at about 2/3 of a lease's TTL)",
    "sys/renew": "lease renewal (at about 2/3 of a lease's TTL)",
    "sys/renew/*": "lease renewal (at about 2/3 of a lease's TTL)",
    "sys/leases/revoke": "lease revocation (at shutdown)",
}
# Lease renewal and lookup by path (``sys/leases/renew/<lease id>``): the default policy
# grants the same on any lease by body (``sys/leases/renew`` with ``lease_id``), so
# ``update`` under these prefixes is maintenance too.
LEASE_BY_PATH: dict[str, str] = {
    "sys/leases/renew/": "lease renewal (at about 2/3 of a lease's TTL)",
    "sys/renew/": "lease renewal (at about 2/3 of a lease's TTL)",
    "sys/leases/lookup/": "",
}
SYSTEM = (Zone("sys/", ("sys",)), Zone("auth/", ("auth",)))


def is_token_maintenance(path: str, grants: Iterable[str]) -> bool:
    """Whether a rule grants one of the default policy's token-maintenance rules or less."""
    key = path.lstrip("/")
    allowed = TOKEN_MAINTENANCE.get(key)
    if allowed is None and any(key.startswith(p) for p in LEASE_BY_PATH):
        allowed = frozenset({"update"})
    return allowed is not None and set(grants) <= allowed


def time_dependent(path: str) -> str | None:
    """What a grant's use waits for, if its use depends on time (None otherwise)."""
    key = path.lstrip("/")
    if key in TIME_DEPENDENT:
        return TIME_DEPENDENT[key]
    return next((why for p, why in LEASE_BY_PATH.items() if key.startswith(p) and why), None)


# --------------------------------------------------------------------------- the scope


class Layout(Protocol):
    """What the judgement needs of a layout (live mode's ``Layout`` is one): the app's
    paths, other environments' paths, and whether the app only reads."""

    @property
    def paths(self) -> tuple[str, ...]: ...

    @property
    def other_paths(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def read_only(self) -> bool: ...


@dataclass(frozen=True)
class Paths:
    """A layout made from a profile's names (:func:`profile_layout`)."""

    paths: tuple[str, ...]
    other_paths: Mapping[str, tuple[str, ...]]
    read_only: bool = True


def _zones_of(entries: Sequence[KvEntry], others: Sequence[str], label: str) -> list[Zone]:
    zones: list[Zone] = []
    for entry in entries:
        folder = tuple(s for s in entry.parent.split("/") if s)
        mount = tuple(entry.mount.split("/"))
        if entry.version == 2:
            zones += [Zone(label, (*mount, api, *folder)) for api in KV_V2_APIS]
        else:
            zones.append(Zone(label, (*mount, *folder)))
    zones += [Zone(label, tuple(p.split("/")), open=False) for p in others]
    return list(dict.fromkeys(zones))


@dataclass(frozen=True)
class Scope:
    """The app's own paths and other environments' (labelled), for one judgement, and
    whether the app only reads."""

    own: tuple[Zone, ...]
    others: tuple[Zone, ...]
    read_only: bool = True

    @classmethod
    def build(
        cls,
        own: tuple[Sequence[KvEntry], Sequence[str]],
        others: Mapping[str, tuple[Sequence[KvEntry], Sequence[str]]],
        *,
        read_only: bool = True,
    ) -> Scope:
        mine = _zones_of(*own, "own")
        theirs = [
            z
            for env, (entries, paths) in others.items()
            for z in _zones_of(entries, paths, f"{env} paths")
            if Zone("own", z.segments, z.open) not in mine
        ]
        return cls(tuple(mine), tuple(dict.fromkeys(theirs)), read_only)

    @classmethod
    def of_layout(cls, layout: Layout, mounts: Mapping[str, Mapping[str, Any]]) -> Scope:
        """The layout's paths split by ``mounts`` (``sys/mounts``, read or assumed)."""

        def split(paths: tuple[str, ...]) -> tuple[list[KvEntry], list[str]]:
            entries, others, _ = resolve_paths(paths, mounts)  # type: ignore[arg-type]
            placed = {e.requested for e in entries} | set(others)
            # A path on no mount is the tree check's finding; here it is still the app's.
            return entries, [*others, *(p for p in paths if p not in placed)]

        others = {env: split(paths) for env, paths in layout.other_paths.items()}
        return cls.build(split(layout.paths), others, read_only=layout.read_only)

    def own_text(self) -> str:
        return ", ".join(dict.fromkeys(z.shown() for z in self.own)) or "none named"


def assumed_mounts(layout: Layout, kv_mounts: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """The mount table a policy file is judged against when no server is asked: KV v2 at
    the target's KV mounts and wherever a path names KV v2's ``data/`` API, and the first
    segment of any other path as a mount of its own (a database, a PKI...)."""
    kv = {m.strip("/") for m in kv_mounts if m.strip("/")}
    paths = [*layout.paths, *(p for ps in layout.other_paths.values() for p in ps)]
    for path in paths:
        parts = path.split("/")
        if len(parts) > 2 and parts[1] == "data":
            kv.add(parts[0])
    table: dict[str, dict[str, Any]] = {
        f"{m}/": {"type": "kv", "options": {"version": "2"}} for m in kv
    }
    for path in paths:
        if not any((path + "/").startswith(m) for m in table):
            table[path.split("/")[0] + "/"] = {"type": "other"}
    return table


def names_paths(names: AppNames) -> tuple[str, ...]:
    """The app's paths in one environment from its names: its KV entries (logical, under
    the KV mount) and its database credentials."""
    prefix = f"{names.kv_prefix}/" if names.kv_prefix else ""
    paths = [f"{names.kv_mount}/{prefix}{entry}" for entry in names.entries]
    if names.database_role:
        paths.append(f"{names.database_mount}/creds/{names.database_role}")
    return tuple(dict.fromkeys(p.strip("/") for p in paths))


def profile_layout(profile: Profile, *, read_only: bool = True) -> Layout:
    """The layout of a profile bound to a target (:meth:`compliance.target.Target.bind`):
    what the static check judges against when it is given no layout."""
    names = profile.names
    if names is None:
        raise ValueError(f"profile {profile.name!r} is not bound to a target")
    own = names_paths(names)
    others: dict[str, tuple[str, ...]] = {}
    for other in names.others:
        paths = tuple(p for p in names_paths(other) if p not in own)
        if paths:
            others[other.tree or "another environment"] = paths
    return Paths(own, others, read_only)


# --------------------------------------------------------------------------- the judgement


def _filled(pattern: Pattern) -> str:
    """A concrete path the pattern matches: ``+`` and the glob filled with ``x``."""
    stem = "/".join("x" if s == "+" else s for s in pattern.stem.split("/"))
    return stem + "x" if pattern.ends_in_glob else stem


def _instances(pattern: Pattern) -> list[str]:
    """The rule's own path and a few concrete paths it matches, to ask the server about."""
    literal = pattern.written
    filled = "/".join("x" if s == "+" else s for s in pattern.stem.split("/"))
    out = [literal, literal + "/", filled]
    if pattern.ends_in_glob:
        out += [filled + "x", filled + "x/y"]
    return [p for p in out if p.lstrip("/")]


def _reaches(acl: Acl, pattern: Pattern, zone: Zone) -> str | None:
    """A path in ``zone`` this rule decides and does not deny, or None."""
    probes = [zone.path + "/x" if zone.open else zone.path, _filled(pattern)]
    probes += zone.witnesses(pattern)
    for probe in probes:
        if not zone.contains(probe) or not pattern.matches(probe):
            continue
        grant = acl.resolve(probe)
        if grant is not None and grant.pattern == pattern and grant.answer() != [DENY]:
            return probe
    return None


def policy_label(policy: Policy) -> str:
    """``policy NAME``: the name the policy is stored under, the same whether its text
    came from ``vault/policies/NAME.hcl`` or from ``sys/policies/acl/NAME``."""
    return f"policy {policy.name}"


@dataclass(frozen=True)
class _Effective:
    """A rule as the server applies it to this token: its path rendered for the entity."""

    policy: Policy
    rule: Rule
    pattern: Pattern

    @property
    def where(self) -> str:
        rendered = (
            f" (rendered {self.pattern.written})" if self.pattern.written != self.rule.path else ""
        )
        return f'{policy_label(self.policy)}: path "{self.rule.path}"{rendered}'


def judge(
    policies: Sequence[Policy],
    scope: Scope,
    environment: str,
    *,
    holder: str = "",
    used: Iterable[str] | None = None,
    ask: Callable[[str], list[str]] | None = None,
    entity: Entity | None = None,
    entity_unknown: str = "",
    now: datetime | None = None,
) -> CheckResult:
    """Judge the policies one token holds (``holder`` names it for the evidence).

    ``used``: the request paths the app's tokens used (the audit log), for "granted but
    never used". ``ask``: the server's ``sys/capabilities`` for the token, as the arbiter
    of the analyzer's matching. ``entity``: the token's identity entity, for templated
    rules; ``entity_unknown`` says why there is none (a templated rule is then a
    "not checked" finding naming it)."""
    now = now or datetime.now(UTC)
    who = f"{holder}: " if holder else ""
    findings: list[str] = []
    evidence: list[Evidence] = []
    maintenance: list[str] = []
    dropped: list[str] = []

    def find(text: str) -> None:
        if text not in findings:
            findings.append(text)

    acl = Acl(policies, now=now, entity=entity)
    if not any(p.rules for p in policies):
        find("no policy rules were given, so nothing grants or limits anything")
    effective: list[_Effective] = []
    for policy in policies:
        evidence.append(
            Evidence(f"{who}{policy_label(policy)} ({policy.source})",
                     "; ".join(r.stanza() for r in policy.rules) or "no rules")
        )  # fmt: skip
        for rule in policy.rules:
            if rule.expired(now):
                continue
            path = rule.path
            if is_templated(path):
                rendered = render_template(path, now, entity)
                if rendered is None:
                    if entity is None and "{{identity." in path:
                        find(
                            f'not checked: {policy_label(policy)}: path "{path}" is an identity '
                            f"template, granted per token entity; {entity_unknown or 'no entity'}"
                        )
                    else:
                        dropped.append(f'{policy_label(policy)}: path "{path}"')
                    continue
                path = rendered
            effective.append(_Effective(policy, rule, Pattern.of(path)))
    probes: list[str] = []
    for eff in effective:
        grants = eff.rule.grants
        if not grants:
            continue
        if is_token_maintenance(eff.rule.path, grants):
            maintenance.append(eff.rule.path)
            continue
        problems = _problems(eff.pattern, grants, acl, scope, environment)
        probes += _instances(eff.pattern)
        probes += [w for z in (*SYSTEM, *scope.others) for w in z.witnesses(eff.pattern)]
        if problems:
            caps = ", ".join(sorted(grants))
            find(f"{eff.where} grants {caps}: " + "; ".join(problems))
    evidence.append(Evidence(f"{who}the app's own paths", scope.own_text()))
    if scope.others:
        evidence.append(
            Evidence(
                f"{who}other environments' paths",
                ", ".join(dict.fromkeys(f"{z.label}: {z.shown()}" for z in scope.others)),
            )
        )
    if maintenance:
        evidence.append(
            Evidence(
                f"{who}token-maintenance grants of the default policy (not findings)",
                ", ".join(dict.fromkeys(maintenance)),
            )
        )
    if entity is not None:
        evidence.append(Evidence(f"{who}identity templates rendered for", f"entity {entity.id}"))
    if dropped:
        evidence.append(
            Evidence(
                f"{who}templated rules the server drops for this token (no value)",
                ", ".join(dropped),
            )
        )
    checked = sorted(set(probes))
    evidence.append(
        Evidence(
            f"{who}the analyzer's capabilities on the rules' paths and the sys/, auth/ and "
            "other environments' paths they may reach",
            "; ".join(f"{p}={','.join(acl.capabilities(p))}" for p in checked) or "none",
        )
    )
    used_list = list(used) if used is not None else None
    if ask is not None:
        _cross_check(acl, ask, checked, used_list or (), findings, evidence)
    if used_list is not None:
        _judge_use(effective, acl, used_list, findings, evidence, who)
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def _problems(
    pattern: Pattern, grants: frozenset[str], acl: Acl, scope: Scope, environment: str
) -> list[str]:
    problems: list[str] = []
    if "sudo" in grants:
        problems.append("sudo")
    writes = sorted(grants & WRITE_CAPABILITIES)
    if scope.read_only and writes:
        problems.append(f"writes ({', '.join(writes)}) where the app only reads")
    crossed: dict[str, str] = {}
    for zone in scope.others:
        probe = _reaches(acl, pattern, zone)
        if probe is not None and zone.label not in crossed:
            crossed[zone.label] = probe
    if crossed:
        problems.append(
            "cross-environment access: "
            + ", ".join(f"the {label} (e.g. {p})" for label, p in crossed.items())
        )
    system = [z.shown() for z in SYSTEM if _reaches(acl, pattern, z) is not None]
    if system:
        problems.append(f"access to {' and '.join(system)} paths")
    if not crossed and not system and not any(z.covers(pattern) for z in scope.own):
        kind = "glob" if pattern.is_glob else "path"
        problems.append(f"{kind} beyond {environment}'s own paths ({scope.own_text()})")
    return problems


def _cross_check(
    acl: Acl,
    ask: Callable[[str], list[str]],
    probes: Sequence[str],
    used: Iterable[str],
    findings: list[str],
    evidence: list[Evidence],
) -> None:
    paths = sorted({p for p in (*probes, *used) if p.lstrip("/")})
    answers = []
    for path in paths:
        ours, theirs = acl.capabilities(path), sorted(ask(path))
        answers.append(f"{path}={','.join(theirs)}")
        if ours != theirs:
            findings.append(
                f"the analyzer and the server disagree on {path}: analyzer "
                f"{', '.join(ours)}; server {', '.join(theirs)} (the server is right)"
            )
    evidence.append(Evidence(f"sys/capabilities on {len(paths)} paths", "; ".join(answers)))


def _judge_use(
    effective: Sequence[_Effective],
    acl: Acl,
    used: list[str],
    findings: list[str],
    evidence: list[Evidence],
    who: str,
) -> None:
    decided = {g.pattern for p in used if (g := acl.resolve(p)) is not None}
    waiting: list[str] = []
    for eff in effective:
        if not eff.rule.grants or eff.pattern in decided:
            continue
        why = time_dependent(eff.rule.path)
        if why is not None:
            waiting.append(f"{eff.where} ({why})")
            continue
        if is_token_maintenance(eff.rule.path, eff.rule.grants):
            continue
        text = (
            f"{eff.where} is granted but never used "
            f"(no request among {len(set(used))} audited paths was decided by it)"
        )
        if text not in findings:
            findings.append(text)
    evidence.append(
        Evidence(
            f"{who}request paths used by the app ({len(set(used))})",
            "; ".join(
                f"{p} -> {g.pattern.written if (g := acl.resolve(p)) else 'no rule'}"
                for p in sorted(set(used))
            )
            or "none",
        )
    )
    if waiting:
        evidence.append(
            Evidence(
                f"{who}not judged for use: grants whose use depends on time the run cannot cover",
                "; ".join(waiting),
            )
        )


# --------------------------------------------------------------------------- the static check


def check_least_privilege(
    policies: Sequence[Policy],
    profile: Profile,
    *,
    layout: Layout | None = None,
    read_only: bool = True,
    server_capabilities: Callable[[str], list[str]] | None = None,
    used_paths: Iterable[str] | None = None,
    entity: Entity | None = None,
) -> CheckResult:
    """Judge policy files as ``profile``'s app's: :func:`judge` over the target's layout
    (``layout``, default the profile's names), its mounts assumed (KV v2 at the target's
    KV mount). ``server_capabilities``, ``used_paths`` and ``entity`` as :func:`judge`'s
    ``ask``, ``used`` and ``entity``."""
    layout = replace(layout or profile_layout(profile), read_only=read_only)
    kv = [profile.names.kv_mount] if profile.names is not None else []
    scope = Scope.of_layout(layout, assumed_mounts(layout, kv))
    return judge(
        policies,
        scope,
        profile.name,
        used=used_paths,
        ask=server_capabilities,
        entity=entity,
        entity_unknown="a policy file names no token, so no entity renders it",
    )

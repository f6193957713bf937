"""Least privilege for the policies a role's token holds, judged against the layout.

The app's own paths are the layout's (its KV entries' folders under every KV API,
its other paths exactly); other environments' paths are the layout's
``other_paths``. A rule is one fact, so a rule that is wrong is **one** finding
listing what it grants and every way it is wrong: sudo, writes where the app only
reads, another environment's paths, ``sys/`` or ``auth/`` paths, or simply paths
beyond the app's own.

The token-maintenance grants of the server's ``default`` policy (look itself up,
renew and revoke itself, renew and look up its leases, its cubbyhole, response
wrapping, ``sys/capabilities-self``, ...) are what a long-running app needs and
what every token gets unless created without the default policy: a rule granting
exactly one of them (or less) is not a finding. A grant beyond them is judged like
any other. The table follows OpenBao's ``defaultPolicy`` (``vault/policy_store.go``)
and HashiCorp Vault's (which adds ``sys/control-group/request``).

Matching uses the sign-off's ACL model (:class:`vault_gate.compliance.policy.acl.Acl`), so a
rule only counts where it is the rule the server would apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vault_gate.compliance.live.layout import KV_V2_APIS, KvEntry, Layout
from vault_gate.compliance.policy.acl import (
    CRITERION,
    DENY,
    WRITE_CAPABILITIES,
    Acl,
    Pattern,
    Policy,
    Zone,
)
from vault_gate.compliance.result import CheckResult, Evidence

# The default policy's token-maintenance rules: path as written -> capabilities it grants.
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
SYSTEM = (Zone("sys/", ("sys",)), Zone("auth/", ("auth",)))


def is_token_maintenance(path: str, grants: Iterable[str]) -> bool:
    """Whether a rule grants one of the default policy's token-maintenance rules or less."""
    key = path.lstrip("/")
    allowed = TOKEN_MAINTENANCE.get(key)
    return allowed is not None and set(grants) <= allowed


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
    unique: list[Zone] = []
    for zone in zones:
        if zone not in unique:
            unique.append(zone)
    return unique


@dataclass(frozen=True)
class Zones:
    """The app's own paths and other environments' (labelled), for one judgement."""

    own: tuple[Zone, ...]
    others: tuple[Zone, ...]

    @classmethod
    def build(
        cls,
        own: tuple[Sequence[KvEntry], Sequence[str]],
        others: dict[str, tuple[Sequence[KvEntry], Sequence[str]]],
    ) -> Zones:
        mine = _zones_of(*own, "own")
        theirs = [
            z
            for env, (entries, paths) in others.items()
            for z in _zones_of(entries, paths, f"{env} paths")
            if Zone("own", z.segments, z.open) not in mine
        ]
        return cls(tuple(mine), tuple(theirs))

    def own_text(self) -> str:
        return ", ".join(dict.fromkeys(z.shown() for z in self.own)) or "none named"


def _filled(pattern: Pattern) -> str:
    """A concrete path the pattern matches: ``+`` and the glob filled with ``x``."""
    stem = "/".join("x" if s == "+" else s for s in pattern.stem.split("/"))
    return stem + "x" if pattern.ends_in_glob else stem


def _reaches(acl: Acl, pattern: Pattern, zone: Zone) -> str | None:
    """A path in ``zone`` this rule decides and does not deny, or None."""
    probes = [zone.path + "/x" if zone.open else zone.path, _filled(pattern)]
    for probe in probes:
        if not zone.contains(probe) or not pattern.matches(probe):
            continue
        grant = acl.resolve(probe)
        if grant is not None and grant.pattern == pattern and grant.answer() != [DENY]:
            return probe
    return None


def judge_policies(
    policies: Sequence[Policy], layout: Layout, zones: Zones, holder: str
) -> CheckResult:
    """Judge the policies one token holds (``holder`` names it, e.g. the AppRole role)."""
    profile = layout.profile
    findings: list[str] = []
    evidence: list[Evidence] = []
    maintenance: list[str] = []
    acl = Acl(policies)
    if not any(p.rules for p in policies):
        findings.append(f"{holder}: no policy rules, so nothing grants or limits anything")
    for policy in policies:
        evidence.append(
            Evidence(f"policy {policy.source}",
                     "; ".join(r.stanza() for r in policy.rules) or "no rules")
        )  # fmt: skip
        for rule in policy.rules:
            grants = rule.grants
            if not grants:
                continue
            if is_token_maintenance(rule.path, grants):
                maintenance.append(rule.path)
                continue
            pattern = Pattern.of(rule.path)
            problems: list[str] = []
            if "sudo" in grants:
                problems.append("sudo")
            writes = sorted(grants & WRITE_CAPABILITIES)
            if layout.read_only and writes:
                problems.append(f"writes ({', '.join(writes)}) where the app only reads")
            crossed: dict[str, str] = {}
            for zone in zones.others:
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
            if not crossed and not system and not any(z.covers(pattern) for z in zones.own):
                kind = "glob" if pattern.is_glob else "path"
                problems.append(f"{kind} beyond {profile.name}'s own paths ({zones.own_text()})")
            if problems:
                caps = ", ".join(sorted(grants))
                findings.append(
                    f'{rule.source}: path "{rule.path}" grants {caps}: ' + "; ".join(problems)
                )
    evidence.append(Evidence(f"{holder}: the app's own paths", zones.own_text()))
    if zones.others:
        evidence.append(
            Evidence(
                f"{holder}: other environments' paths",
                ", ".join(dict.fromkeys(f"{z.label}: {z.shown()}" for z in zones.others)),
            )
        )
    if maintenance:
        evidence.append(
            Evidence(
                f"{holder}: token-maintenance grants of the default policy (not findings)",
                ", ".join(dict.fromkeys(maintenance)),
            )
        )
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

"""The policies each of the app's AppRole roles attaches (and any the layout names), read
from the server and judged for least privilege against the layout's own paths.

Policies are read as the server stores them (``sys/policies/acl/<name>``) and parsed
with :func:`vault_gate.compliance.policy.acl.parse_policy` (what the server accepts, HCL1 layouts
included, is that parser's business; a capability this code does not know, from a
newer server, is a finding saying the policy could not be judged). Each role is
judged as the token a login to it gets: its policies together
(:func:`vault_gate.compliance.checks.least_privilege.judge`, which judges policy files
too).
``root`` attached is a finding; the server's built-in ``default`` policy is named in
the evidence, not judged (its token-maintenance grants are not findings).

Identity templates (``{{identity.entity.id}}``...) are rendered for the role's entity
as the server renders them: the entity the server made at the role's first login,
found by its alias on the role's AppRole mount (``identity/entity-alias/id``, whose
AppRole aliases carry ``role_name`` in their metadata), read with its groups. A role
nobody has logged in to has no entity yet: its templated rules are "not checked".
"""

from __future__ import annotations

from vault_gate.compliance.checks.least_privilege import CRITERION, Scope, judge
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import (
    Layout,
    Role,
    find_roles,
    mount_table,
    read_mounts,
    role_policies,
)
from vault_gate.compliance.live.server import flavour
from vault_gate.compliance.policy.acl import (
    Entity,
    Flavour,
    Policy,
    PolicyError,
    is_templated,
    parse_policy,
)
from vault_gate.compliance.result import CheckResult, Evidence

BUILT_IN = ("default",)


def server_flavour(vault: ReadOnlyVault) -> tuple[Flavour, str]:
    """Which server's policy rules apply (``openbao`` or ``vault``), from the version it
    reports, and that version for the evidence. Unknown: OpenBao's rules (the parser's
    default), and the server check says the version is not one live mode knows."""
    health = vault.read(
        "sys/health", {"standbyok": "true", "sealedcode": "200", "uninitcode": "200"}, auth=False
    )
    version = str(health.body.get("version", "")) if health.ok else ""
    name, _major = flavour(version)
    return ("vault" if name == "HashiCorp Vault" else "openbao"), version or "(not reported)"


def read_policy(
    vault: ReadOnlyVault, name: str, *, flavour_: Flavour = "openbao"
) -> tuple[Policy | None, str | None]:
    """(the parsed policy, None) or (None, the finding why it could not be judged)."""
    answer = vault.read(f"sys/policies/acl/{name}")
    if not answer.ok:
        if answer.missing:
            return None, f"policy {name} is attached but does not exist on the server"
        return None, answer.not_checked(f"policy {name}")
    return policy_from_answer(name, answer.data.get("policy"), flavour_=flavour_)


def policy_from_answer(
    name: str, text: object, *, flavour_: Flavour = "openbao"
) -> tuple[Policy | None, str | None]:
    """Parse the policy text the server answered, by the rules of the server that holds it;
    what this code cannot read (a capability a newer server added, a malformed answer) is a
    finding, not a guess."""
    if not isinstance(text, str):
        return None, f"not checked: policy {name}: the server's answer holds no policy text"
    try:
        return parse_policy(text, f"sys/policies/acl/{name}", flavour=flavour_), None
    except PolicyError as exc:
        return None, f"not checked: policy {name} could not be judged: {exc}"


def layout_zones(vault: ReadOnlyVault, layout: Layout) -> tuple[Scope, list[str]]:
    """The layout's own and other environments' paths, split by the server's mounts."""
    mounts, answer = read_mounts(vault)
    if not answer.ok:
        return Scope((), ()), [answer.not_checked("the mounts the app's paths lie on")]
    return Scope.of_layout(layout, mounts), []


def role_entity(vault: ReadOnlyVault, role: Role) -> tuple[Entity | None, str]:
    """(the role's identity entity, "") or (None, why there is none to render with)."""
    auth = vault.read("sys/auth")
    if not auth.ok:
        return None, auth.not_checked("the AppRole mount's accessor (sys/auth)")
    accessor = str(mount_table(auth).get(f"{role.mount}/", {}).get("accessor", ""))
    listing = vault.list("identity/entity-alias/id")
    if listing.missing:
        return None, f"nobody has logged in to {role.where} yet, so it has no entity"
    if not listing.ok:
        return None, listing.not_checked("the identity entities' aliases")
    info = listing.data.get("key_info") or {}
    for alias_id, alias in info.items():
        if not isinstance(alias, dict) or alias.get("mount_accessor") != accessor:
            continue
        answer = vault.read(f"identity/entity-alias/id/{alias_id}")
        if not answer.ok:
            return None, answer.not_checked(f"the identity alias {alias_id}")
        if (answer.data.get("metadata") or {}).get("role_name") != role.name:
            continue
        entity = vault.read(f"identity/entity/id/{answer.data.get('canonical_id')}")
        if not entity.ok:
            return None, entity.not_checked("the role's identity entity")
        groups = []
        for gid in entity.data.get("group_ids") or []:
            group = vault.read(f"identity/group/id/{gid}")
            if group.ok:
                groups.append(group.data)
        return Entity.from_answer(entity.data, groups), ""
    return None, f"nobody has logged in to {role.where} yet, so it has no entity"


def check_policies(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    roles, seen, role_findings = find_roles(vault, layout)
    evidence += [Evidence("AppRole roles", line) for line in seen]
    findings += role_findings
    zones, problems = layout_zones(vault, layout)
    findings += problems
    holders: list[tuple[str, list[str], Role | None]] = []
    for role in roles:
        attached = role_policies(role.data)
        evidence.append(
            Evidence(f"policies attached to {role.where}", ", ".join(attached) or "none")
        )
        if "root" in attached:
            findings.append(f"{role.where} hands out the root policy")
        holders.append((role.where, attached, role))
    if layout.policies:
        holders.append(("the named policies", list(layout.policies), None))
    rules, version = server_flavour(vault)
    evidence.append(Evidence("policy rules", f"{rules}'s (server version {version})"))
    cache: dict[str, Policy | None] = {}
    for holder, names, role in holders:
        policies: list[Policy] = []
        for name in names:
            if name in (*BUILT_IN, "root"):
                continue
            if name not in cache:
                policy, problem = read_policy(vault, name, flavour_=rules)
                cache[name] = policy
                if problem and problem not in findings:
                    findings.append(problem)
            if cache[name] is not None:
                policies.append(cache[name])  # type: ignore[arg-type]
        if not policies and any(n not in (*BUILT_IN, "root") for n in names):
            continue  # each policy's own finding says why it could not be judged
        entity, why = None, "no role named, so no token's entity renders it"
        if role is not None and any(is_templated(r.path) for p in policies for r in p.rules):
            entity, why = role_entity(vault, role)
        judged = judge(
            policies, zones, profile.name, holder=holder, entity=entity, entity_unknown=why
        )
        evidence += [e for e in judged.evidence if e not in evidence]
        findings += [f for f in judged.findings if f not in findings]
    if not holders and not findings:
        findings.append("no AppRole role and no policy named: nothing to judge")
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

"""The app's AppRole roles, at any AppRole mount: their settings against the profile.

A role whose secret_ids never expire (``secret_id_ttl`` 0), whose tokens live for
the server's default (``token_ttl``/``token_max_ttl`` 0 means 768h unless the
server says otherwise), that logs in with the role_id alone (``bind_secret_id``
false), or that is not bound to the networks the profile requires, is a finding.
Where the profile requires CIDR binding at all (``AppRoleSettings.require_bound_cidrs``,
prod), a role whose ``secret_id_bound_cidrs`` or ``token_bound_cidrs`` is empty is one
finding naming the role and the missing bindings; an environment that cannot bind
(clients behind changing NAT) says so in its profile by leaving it off. Stricter than
the profile (shorter TTLs, fewer uses) passes.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import Layout, Role, find_roles
from vault_gate.compliance.profiles import Profile
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "approle_settings"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)([smhd])")


def seconds(value: Any) -> int:
    """Seconds from a Vault duration: an int, ``"90"``, ``"24h"``, ``"1h30m"``."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {value!r}")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def _cidrs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value or []]


def _within(cidr: str, allowed: tuple[str, ...]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        return any(
            net.version == a.version and net.subnet_of(a)  # type: ignore[arg-type]
            for a in (ipaddress.ip_network(x, strict=False) for x in allowed)
        )
    except ValueError:
        return False


def check_approle(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    """Every role of the layout (or every role the server has, when it names none)."""
    profile = layout.profile
    roles, seen, findings = find_roles(vault, layout)
    evidence = [Evidence("AppRole roles", line) for line in seen]
    wanted = profile.approle
    evidence.append(
        Evidence(
            f"profile {profile.name}",
            f"secret_id_ttl<={wanted.secret_id_ttl} token_ttl<={wanted.token_ttl} "
            f"token_max_ttl<={wanted.token_max_ttl} secret_id_num_uses="
            f"{wanted.secret_id_num_uses or 'any'} bound_cidrs="
            f"{','.join(wanted.bound_cidrs) or 'any'} CIDR binding "
            f"{'required' if _requires_binding(profile) else 'not required'}",
        )
    )
    for role in roles:
        role_evidence, role_findings = judge_role(role, profile)
        evidence.append(role_evidence)
        findings += role_findings
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))


def _requires_binding(profile: Profile) -> bool:
    return bool(
        getattr(profile.approle, "require_bound_cidrs", False) or profile.approle.bound_cidrs
    )


def judge_role(role: Role, profile: Profile) -> tuple[Evidence, list[str]]:
    """One role's settings against the profile: the evidence line and the findings."""
    wanted = profile.approle
    where = role.where
    data = role.data
    settings = {
        k: data.get(k)
        for k in (
            "secret_id_ttl", "token_ttl", "token_max_ttl", "secret_id_num_uses",
            "bind_secret_id", "secret_id_bound_cidrs", "token_bound_cidrs", "token_type",
        )
    }  # fmt: skip
    evidence = Evidence(where, " ".join(f"{k}={v}" for k, v in settings.items()))
    findings: list[str] = []
    if data.get("bind_secret_id") is False:
        findings.append(f"{where}: bind_secret_id is false: the role_id alone logs in")
    for key, limit, never in (
        ("secret_id_ttl", wanted.secret_id_ttl, "secret_ids never expire"),
        ("token_ttl", wanted.token_ttl, "tokens get the server's default TTL (768h unless set)"),
        ("token_max_ttl", wanted.token_max_ttl, "tokens renew up to the server's maximum"),
    ):
        try:
            have, most = seconds(data.get(key, 0)), seconds(limit)
        except ValueError as exc:
            findings.append(f"{where}: {key}: {exc}")
            continue
        if have == 0:
            findings.append(f"{where}: {key} is not set (0): {never}; {profile.name} wants {limit}")
        elif have > most:
            findings.append(f"{where}: {key} is {have}s, longer than {profile.name}'s {limit}")
    uses = data.get("secret_id_num_uses")
    if wanted.secret_id_num_uses and not (
        isinstance(uses, int) and 0 < uses <= wanted.secret_id_num_uses
    ):
        findings.append(
            f"{where}: secret_id_num_uses is {uses}; {profile.name} wants 1 to "
            f"{wanted.secret_id_num_uses}"
        )
    if _requires_binding(profile):
        missing = [
            k for k in ("secret_id_bound_cidrs", "token_bound_cidrs") if not _cidrs(data.get(k))
        ]
        if missing:
            networks = ", ".join(wanted.bound_cidrs) or "the app's networks"
            findings.append(
                f"{where}: no CIDR binding: {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty, so a leaked "
                f"{'secret_id or token' if len(missing) == 2 else missing[0].split('_bound')[0]} "
                f"works from anywhere; {profile.name} requires binding to {networks}"
            )
    if wanted.bound_cidrs:
        for key in ("secret_id_bound_cidrs", "token_bound_cidrs"):
            outside = [c for c in _cidrs(data.get(key)) if not _within(c, wanted.bound_cidrs)]
            if outside:
                findings.append(
                    f"{where}: {key} {', '.join(outside)} outside {', '.join(wanted.bound_cidrs)}"
                )
    return evidence, findings

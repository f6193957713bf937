"""The app's AppRole: the plan's settings, judged against the environment's profile.

A role whose secret_ids never expire (``secret_id_ttl`` 0), whose tokens live for
the server's default (``token_ttl``/``token_max_ttl`` 0 means 768h unless the
server says otherwise), that logs in with the role_id alone (``bind_secret_id``
false), or that is not bound to the networks the profile requires, is a finding.
Stricter than the profile (shorter TTLs, fewer uses) passes.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from compliance.live.client import Answer, ReadOnlyVault
from compliance.live.spec import LiveSpec
from compliance.result import CheckResult, Evidence

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


def read_role(vault: ReadOnlyVault, spec: LiveSpec) -> Answer:
    return vault.read(f"auth/{spec.approle_mount}/role/{spec.approle}")


def role_policies(role: dict[str, Any]) -> list[str]:
    """Policies a login to the role gets (``token_policies``, and the legacy ``policies``)."""
    names: list[str] = []
    for key in ("token_policies", "policies"):
        for name in role.get(key) or []:
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names


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


def check_approle(vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    profile = spec.profile
    wanted = profile.approle
    where = f"auth/{spec.approle_mount}/role/{spec.approle}"
    answer = read_role(vault, spec)
    if not answer.ok:
        finding = (
            f"the app's AppRole {where} does not exist"
            if answer.missing
            else answer.not_checked(f"the AppRole {spec.approle}")
        )
        return CheckResult(CRITERION, profile.name, (Evidence(where, answer.why),), (finding,))
    role = answer.data
    findings: list[str] = []
    settings = {
        k: role.get(k)
        for k in (
            "secret_id_ttl", "token_ttl", "token_max_ttl", "secret_id_num_uses",
            "bind_secret_id", "secret_id_bound_cidrs", "token_bound_cidrs", "token_type",
        )
    }  # fmt: skip
    evidence = [
        Evidence(where, " ".join(f"{k}={v}" for k, v in settings.items())),
        Evidence(
            f"profile {profile.name}",
            f"secret_id_ttl<={wanted.secret_id_ttl} token_ttl<={wanted.token_ttl} "
            f"token_max_ttl<={wanted.token_max_ttl} secret_id_num_uses="
            f"{wanted.secret_id_num_uses or 'any'} bound_cidrs="
            f"{','.join(wanted.bound_cidrs) or 'not required'}",
        ),
    ]
    if role.get("bind_secret_id") is False:
        findings.append(f"{where}: bind_secret_id is false: the role_id alone logs in")
    for key, limit, never in (
        ("secret_id_ttl", wanted.secret_id_ttl, "secret_ids never expire"),
        ("token_ttl", wanted.token_ttl, "tokens get the server's default TTL (768h unless set)"),
        ("token_max_ttl", wanted.token_max_ttl, "tokens renew up to the server's maximum"),
    ):
        try:
            have, most = seconds(role.get(key, 0)), seconds(limit)
        except ValueError as exc:
            findings.append(f"{where}: {key}: {exc}")
            continue
        if have == 0:
            findings.append(f"{where}: {key} is not set (0): {never}; {profile.name} wants {limit}")
        elif have > most:
            findings.append(f"{where}: {key} is {have}s, longer than {profile.name}'s {limit}")
    uses = role.get("secret_id_num_uses")
    if wanted.secret_id_num_uses and not (
        isinstance(uses, int) and 0 < uses <= wanted.secret_id_num_uses
    ):
        findings.append(
            f"{where}: secret_id_num_uses is {uses}; {profile.name} wants 1 to "
            f"{wanted.secret_id_num_uses}"
        )
    if wanted.bound_cidrs:
        for key in ("secret_id_bound_cidrs", "token_bound_cidrs"):
            have_cidrs = _cidrs(role.get(key))
            if not have_cidrs:
                findings.append(
                    f"{where}: {key} is empty; {profile.name} requires binding to "
                    f"{', '.join(wanted.bound_cidrs)}"
                )
            for cidr in have_cidrs:
                if not _within(cidr, wanted.bound_cidrs):
                    findings.append(
                        f"{where}: {key} {cidr} is outside {', '.join(wanted.bound_cidrs)}"
                    )
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

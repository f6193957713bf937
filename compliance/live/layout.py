"""What live mode judges on one server: a :class:`Layout`, named by the caller, never assumed.

A layout says which Vault paths are the app's own in this environment (KV entries
at any mount, v1 or v2, and other paths such as ``database/creds/<role>``), which
paths are other environments' (to tell a cross-environment grant), which AppRole
roles and policies are the app's, which audit devices must be enabled, and the
environment's profile. Nothing here knows an application: the values come from
the command line, a target file (:mod:`vault_gate.compliance.live.targetfile`) or, for the
sign-off, from the target model. What is left empty is discovered on the server
(every AppRole mount and role, every audit device).

Paths are kept as the app requests them (``kv-prod/data/billing/config``,
``kv/billing/config`` on a v1 mount); which part is the mount and which API a
segment names is only known from the server's ``sys/mounts``, so
:func:`resolve_paths` splits them once the mounts are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault_gate.compliance.live.client import Answer, ReadOnlyVault
from vault_gate.compliance.policy.mounts import (  # noqa: F401 - live mode's names for them
    KV_TYPES,
    KV_V2_APIS,
    KvEntry,
    kv_version,
    owning_mount,
    resolve_paths,
)
from vault_gate.compliance.profiles import Profile


# KV v2's APIs under a mount: a path's ``data/`` segment names one of them.
@dataclass(frozen=True)
class Layout:
    """One environment of one application on one server: see the module doc.

    ``paths`` and ``other_paths`` are filled in (:func:`build_layout` fills templates);
    ``keys`` maps one of ``paths`` to the key names its entry must hold (names only;
    empty: any keys).
    """

    profile: Profile
    app: str = ""
    paths: tuple[str, ...] = ()
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    other_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    approle_mounts: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    audit_devices: tuple[str, ...] = ()
    audit_log: Path | None = None
    read_only: bool = True

    @property
    def environment(self) -> str:
        return self.profile.name


def mount_table(answer: Answer) -> dict[str, dict[str, Any]]:
    """``sys/mounts`` (or ``sys/auth``) as ``{"path/": {...}}``; Vault repeats the table
    at the top level of the answer and under ``data``."""
    source = answer.data or answer.body
    return {k: v for k, v in source.items() if k.endswith("/") and isinstance(v, dict)}


def entry_keys(
    keys: Mapping[str, tuple[str, ...]], mounts: Mapping[str, dict[str, Any]]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The key names each entry must hold, by (mount, logical path), whichever way the
    layout wrote its path."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for path, names in keys.items():
        for entry in resolve_paths((path,), mounts)[0]:
            merged = out.get((entry.mount, entry.logical), ())
            out[(entry.mount, entry.logical)] = tuple(dict.fromkeys((*merged, *names)))
    return out


def read_mounts(vault: ReadOnlyVault) -> tuple[dict[str, dict[str, Any]], Answer]:
    answer = vault.read("sys/mounts")
    return (mount_table(answer) if answer.ok else {}), answer


def approle_mounts(vault: ReadOnlyVault, layout: Layout) -> tuple[list[str], Answer | None]:
    """The AppRole mounts to look at: the layout's, or every one ``sys/auth`` lists."""
    if layout.approle_mounts:
        return [m.strip("/") for m in layout.approle_mounts], None
    answer = vault.read("sys/auth")
    if not answer.ok:
        return [], answer
    table = mount_table(answer)
    return sorted(m.rstrip("/") for m, info in table.items() if info.get("type") == "approle"), (
        answer
    )


@dataclass(frozen=True)
class Role:
    """One AppRole role as the server holds it."""

    mount: str
    name: str
    data: dict[str, Any]

    @property
    def where(self) -> str:
        return f"auth/{self.mount}/role/{self.name}"


def find_roles(vault: ReadOnlyVault, layout: Layout) -> tuple[list[Role], list[str], list[str]]:
    """(roles, evidence lines, findings): the layout's roles on its AppRole mounts, or
    every role on every AppRole mount when the layout names none."""
    mounts, answer = approle_mounts(vault, layout)
    found: list[Role] = []
    seen: list[str] = []
    findings: list[str] = []
    if answer is not None and not answer.ok:
        return [], [], [answer.not_checked("the AppRole auth mounts")]
    if not mounts:
        findings.append("no AppRole auth method is enabled (sys/auth lists none of type approle)")
        return [], [], findings
    seen.append(f"AppRole mounts: {', '.join(m + '/' for m in mounts)}")
    for mount in mounts:
        names = list(layout.roles)
        if not names:
            listing = vault.list(f"auth/{mount}/role")
            if listing.missing:
                continue
            if not listing.ok:
                findings.append(listing.not_checked(f"the roles of auth/{mount}/"))
                continue
            names = [k for k in listing.data.get("keys") or [] if isinstance(k, str)]
            seen.append(f"auth/{mount}/role/: {', '.join(names) or 'none'} (every role judged)")
        for name in names:
            answer = vault.read(f"auth/{mount}/role/{name}")
            if answer.ok:
                found.append(Role(mount, name, answer.data))
            elif not answer.missing:
                findings.append(answer.not_checked(f"the AppRole auth/{mount}/role/{name}"))
    for name in layout.roles:
        if not any(r.name == name for r in found) and not findings:
            findings.append(
                f"the AppRole role {name} does not exist on "
                f"{', '.join(f'auth/{m}/' for m in mounts)}"
            )
    if not found and not layout.roles and not findings:
        findings.append(
            f"no AppRole role on {', '.join(f'auth/{m}/' for m in mounts)}: nothing to judge"
        )
    return found, seen, findings


def role_policies(role: dict[str, Any]) -> list[str]:
    """Policies a login to the role gets (``token_policies``, and the legacy ``policies``)."""
    names: list[str] = []
    for key in ("token_policies", "policies"):
        for name in role.get(key) or []:
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names


def fill_names(template: str, tree: str, env: str) -> str:
    return template.replace("{tree}", tree).replace("{env}", env).strip("/")


def build_layout(
    profile: Profile,
    *,
    app: str = "",
    vault_paths: tuple[str, ...] | list[str] = (),
    keys: Mapping[str, tuple[str, ...]] | None = None,
    roles: tuple[str, ...] | list[str] = (),
    approle_mounts: tuple[str, ...] | list[str] = (),
    policies: tuple[str, ...] | list[str] = (),
    audit_devices: tuple[str, ...] | list[str] = (),
    audit_log: Path | None = None,
    trees: Mapping[str, str] | None = None,
    profiles: Mapping[str, Profile] | None = None,
) -> Layout:
    """A layout from name templates: ``{tree}`` is the environment's tree (``trees``,
    default the profiles'), ``{env}`` its name (dev, staging, prod). The same path
    templates filled for the other environments are their paths; a path without a
    placeholder is shared and so no other environment's. ``keys`` maps a path
    template to the key names its entry must hold."""
    from vault_gate.compliance.profiles import PROFILES

    everyone = PROFILES if profiles is None else profiles
    names = {p.name: (trees or {}).get(p.name, p.tree) for p in everyone.values()}
    names.setdefault(profile.name, (trees or {}).get(profile.name, profile.tree))

    def mine(template: str) -> str:
        return fill_names(template, names[profile.name], profile.name)

    own = tuple(dict.fromkeys(mine(t) for t in vault_paths))
    placed = [t for t in vault_paths if "{tree}" in t or "{env}" in t]
    others = {
        env: tuple(x for x in dict.fromkeys(fill_names(t, tree, env) for t in placed)
                   if x not in own)
        for env, tree in names.items()
        if env != profile.name
    }  # fmt: skip
    return Layout(
        profile=profile,
        app=app,
        paths=own,
        keys={mine(t): tuple(k) for t, k in (keys or {}).items()},
        other_paths={env: paths for env, paths in others.items() if paths},
        roles=tuple(dict.fromkeys(mine(r) for r in roles)),
        approle_mounts=tuple(dict.fromkeys(mine(m) for m in approle_mounts)),
        policies=tuple(dict.fromkeys(mine(p) for p in policies)),
        audit_devices=tuple(d.strip("/") for d in audit_devices),
        audit_log=audit_log,
    )

"""What live mode needs from a target file: the app's names on the server, per environment.

Read by the one target loader (compliance/target.py, stdlib only, so live mode
imports no test fixture); the names used are ``name``, ``vault_paths``,
``[environments]`` (the target's name for each environment, ``{tree}``) and
``[vault]`` (``kv_mount``, ``secrets`` with their key names, ``reads``,
``approle_mount``, ``approle``, ``policies``, ``database_mount``, ``database_role``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault_gate.compliance.live.layout import Layout, build_layout
from vault_gate.compliance.profiles import PROFILES, Profile
from vault_gate.compliance.target import Target, TargetError, load_target


class TargetFileError(ValueError):
    """A target file live mode cannot use; the message names the file and the key."""


@dataclass(frozen=True)
class TargetNames:
    """Templates (``{tree}``, ``{env}``) of what the app is called on the server."""

    name: str
    trees: Mapping[str, str] = field(default_factory=dict)  # env -> the target's tree name
    vault_paths: tuple[str, ...] = ()  # API paths as the app requests them
    kv_mount: str = "secret"
    secrets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # logical -> keys
    reads: tuple[str, ...] = ()  # logical KV entries (non-secret)
    approle_mount: str = ""
    approle: str = ""
    policies: tuple[str, ...] = ()
    database_mount: str = "database"
    database_role: str = ""

    def tree(self, profile: Profile) -> str:
        return self.trees.get(profile.name, profile.tree)


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TargetFileError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _string(data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise TargetFileError(f"{where}: {key} must be a string")
    return value


def _plain(template: str, where: str) -> None:
    filled = template.replace("{tree}", "t").replace("{env}", "e").strip("/")
    if "{" in filled or "}" in filled or any(s in ("", ".", "..") for s in filled.split("/")):
        raise TargetFileError(
            f"{where}: {template!r} is not a plain Vault path "
            "(only {tree} and {env} may be filled in; no empty, '.' or '..' segments)"
        )


def read_target(path: Path) -> TargetNames:
    """The target file's names, read by the one target loader (compliance/target.py)."""
    try:
        return names_of(load_target(path))
    except TargetError as exc:
        raise TargetFileError(str(exc)) from None


def names_of(target: Target) -> TargetNames:
    """The target model's names, as the layout builder takes them."""
    v = target.vault
    return TargetNames(
        name=target.name,
        trees=dict(target.trees),
        vault_paths=target.vault_paths,
        kv_mount=v.kv_mount.strip("/"),
        secrets={e.path: tuple(e.keys) for e in v.secrets},
        reads=v.reads,
        approle_mount=_named_approle_mount(target),
        approle=v.approle,
        policies=v.policies,
        database_mount=v.database_mount.strip("/"),
        database_role=v.database_role,
    )


def _named_approle_mount(target: Target) -> str:
    """The AppRole mount the target file names, or "" when it names none: live mode then
    discovers every AppRole mount (``sys/auth``) instead of pinning the loader's default
    ``approle``, which a set-up that enables AppRole elsewhere never made."""
    if target.path is not None:
        try:
            data = tomllib.loads(target.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = None
        if data is not None:
            vault = data.get("vault")
            if not isinstance(vault, dict) or not vault.get("approle_mount"):
                return ""
    return target.vault.approle_mount.strip("/")


def layout_from_target(
    target: TargetNames,
    profile: Profile,
    *,
    profiles: Mapping[str, Profile] = PROFILES,
    **extra: Any,
) -> Layout:
    """The layout of ``target`` in ``profile``'s environment; ``extra`` adds the command
    line's own (more paths, roles, policies, audit devices, the audit log)."""
    paths = list(target.vault_paths)
    keys: dict[str, tuple[str, ...]] = {}
    for entry, entry_keys in target.secrets.items():
        # A logical KV path: the mount's version (read from the server) says how it is
        # requested; resolve_paths accepts it with or without data/.
        paths.append(f"{target.kv_mount}/{entry}")
        keys[f"{target.kv_mount}/{entry}"] = entry_keys
    paths += [f"{target.kv_mount}/{entry}" for entry in target.reads]
    if target.database_role:
        paths.append(f"{target.database_mount}/creds/{target.database_role}")
    trees = {p.name: target.tree(p) for p in profiles.values()}
    return build_layout(
        profile,
        app=target.name,
        vault_paths=[*paths, *extra.pop("vault_paths", ())],
        keys=keys,
        roles=[*([target.approle] if target.approle else []), *extra.pop("roles", ())],
        approle_mounts=[
            *([target.approle_mount] if target.approle_mount else []),
            *extra.pop("approle_mounts", ()),
        ],
        policies=[*target.policies, *extra.pop("policies", ())],
        trees=trees,
        profiles=profiles,
        **extra,
    )

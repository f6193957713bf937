"""What live mode needs from a target file: the app's names on the server, per environment.

Read here, leniently (the rest of the file is the sign-off's business), so that live
mode does not import the test fixtures. The keys are the target schema's
(docs/target.md): ``name``, ``vault_paths``, ``[environments]`` (the target's name
for each environment, ``{tree}``) and ``[vault]`` (``kv_mount``, ``secrets`` with
their key names, ``reads``, ``approle_mount``, ``approle``, ``policies``,
``database_mount``, ``database_role``). Once the target model
(``compliance/target.py``) is on this branch, :func:`read_target` is the one place
to point at it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.live.layout import Layout, build_layout
from compliance.profiles import PROFILES, Profile


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
    try:
        if path.exists() and not path.is_file():  # a FIFO would block the read forever
            raise TargetFileError(f"{path}: not a regular file")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise TargetFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise TargetFileError(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetFileError(f"{path}: not valid TOML: {exc}") from None
    where = str(path)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise TargetFileError(f"{path}: name must be a non-empty string")
    trees = data.get("environments", {})
    if not isinstance(trees, dict) or not all(isinstance(v, str) for v in trees.values()):
        raise TargetFileError(f"{path}: [environments] must map environments to names")
    vault = data.get("vault", {})
    if not isinstance(vault, dict):
        raise TargetFileError(f"{path}: [vault] must be a table")
    vw = f"{path}: [vault]"
    secrets: dict[str, tuple[str, ...]] = {}
    table = vault.get("secrets", {})
    if not isinstance(table, dict):
        raise TargetFileError(f"{vw} secrets must be a table")
    for entry, keys in table.items():
        if isinstance(keys, dict):
            keys = list(keys)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise TargetFileError(f"{vw} secrets: {entry}: must list key names")
        _plain(entry, f"{vw} secrets")
        secrets[entry] = tuple(keys)
    names = TargetNames(
        name=name,
        trees=dict(trees),
        vault_paths=_strings(data, "vault_paths", where),
        kv_mount=_string(vault, "kv_mount", vw, "secret").strip("/"),
        secrets=secrets,
        reads=_strings(vault, "reads", vw),
        approle_mount=_string(vault, "approle_mount", vw).strip("/"),
        approle=_string(vault, "approle", vw),
        policies=_strings(vault, "policies", vw),
        database_mount=_string(vault, "database_mount", vw, "database").strip("/"),
        database_role=_string(vault, "database_role", vw),
    )
    for template in (*names.vault_paths, *names.reads):
        _plain(template, where)
    return names


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

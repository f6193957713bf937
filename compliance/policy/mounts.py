"""Where a request path lies on a server's mounts: which mount, which KV version, which
entry. Pure functions over a mount table (``sys/mounts`` as read, or assumed from a
target's names), shared by live mode and the least-privilege judgement.

Paths are kept as the app requests them (``kv-prod/data/billing/config``,
``kv/billing/config`` on a v1 mount); which part is the mount and which API a segment
names is only known from the mount table, so :func:`resolve_paths` splits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KV_V2_APIS = ("data", "metadata", "subkeys", "delete", "undelete", "destroy")
KV_TYPES = ("kv", "generic")


@dataclass(frozen=True)
class KvEntry:
    """One of the app's paths on a KV mount, split as the server's mount table says."""

    requested: str  # as the app requests it: kv-prod/data/billing/config
    mount: str  # kv-prod (no trailing slash; may hold several segments)
    version: int  # 1 or 2
    logical: str  # billing/config: the entry's path inside the mount

    @property
    def parent(self) -> str:
        return self.logical.rpartition("/")[0]

    @property
    def name(self) -> str:
        return self.logical.rpartition("/")[2]

    def api(self, api: str) -> str:
        """The request path of this entry under a KV v2 API (``metadata``, ``subkeys``)."""
        return f"{self.mount}/{api}/{self.logical}"

    def folder(self, api: str | None = None) -> str:
        """The request path of the entry's folder (to list it), under ``api`` for v2."""
        parts = [self.mount, *([api] if api and self.version == 2 else []), self.parent]
        return "/".join(p for p in parts if p)

    @property
    def shown(self) -> str:
        return f"{self.mount}/{self.logical}"


def kv_version(info: dict[str, Any]) -> int | None:
    """1 or 2 for a KV mount (``generic`` is the old name of KV v1), None otherwise."""
    if info.get("type") not in KV_TYPES:
        return None
    options = info.get("options") if isinstance(info.get("options"), dict) else {}
    return 2 if str(options.get("version", "1")) == "2" else 1


def owning_mount(path: str, mounts: Mapping[str, dict[str, Any]]) -> str | None:
    """The longest mount path (``"kv/prod/"``) that ``path`` lies under, or None."""
    best = None
    for mount in mounts:
        if (path + "/").startswith(mount) and (best is None or len(mount) > len(best)):
            best = mount
    return best


def resolve_paths(
    paths: tuple[str, ...], mounts: Mapping[str, dict[str, Any]]
) -> tuple[list[KvEntry], list[str], list[str]]:
    """(KV entries, other paths, problems) for ``paths`` on a server with ``mounts``.

    A path on a KV v2 mount must name its ``data/`` API (as the app requests it);
    a path on no mount at all is a problem (the app could not read it)."""
    entries: list[KvEntry] = []
    others: list[str] = []
    problems: list[str] = []
    for path in paths:
        mount = owning_mount(path, mounts)
        if mount is None:
            problems.append(f"{path}: no secrets engine is mounted there (sys/mounts)")
            continue
        version = kv_version(mounts[mount])
        rest = path[len(mount) :]
        if version is None:
            others.append(path)
            continue
        if version == 2:
            # As the app requests it (data/...) or logical (as a target's [vault.secrets]).
            api, _, logical = rest.partition("/")
            if api == "data" and logical:
                rest = logical
            elif api in KV_V2_APIS:
                problems.append(f"{path}: names KV v2's {api}/ API, not an entry's data/")
                continue
        if not rest:
            problems.append(f"{path}: names the mount {mount}, not an entry")
            continue
        entry = KvEntry(path, mount.rstrip("/"), version, rest)
        # One entry named twice (kv/data/x as requested, kv/x as a target's logical entry)
        # is judged once.
        if all((e.mount, e.logical) != (entry.mount, entry.logical) for e in entries):
            entries.append(entry)
    return entries, list(dict.fromkeys(others)), problems

"""What live mode judges: one environment of one application on one server.

Built from the environment's profile (compliance/profiles.py) and, optionally, a
target file (``--target``): the AppRole and policy names follow the plan's
convention (``<app>-<tree>``), the secret tree is the target's ``vault_paths``
under the KV mount, or the plan's entries for store-erp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.audit import PLAN_ENTRIES
from compliance.migrated import PLAN_SECRETS
from compliance.profiles import Profile

DEFAULT_APP = "store-erp"
KV_MOUNT = "secret"
APPROLE_MOUNT = "approle"


@dataclass(frozen=True)
class LiveSpec:
    profile: Profile
    addr: str
    ca_file: str | None = None
    app: str = DEFAULT_APP
    approle_mount: str = APPROLE_MOUNT
    approle: str = ""
    app_policy: str = ""
    kv_mount: str = KV_MOUNT
    kv_prefix: str = ""
    # entry name -> key names it must hold (names only; empty: any keys)
    entries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    audit_log: Path | None = None

    @property
    def verify(self) -> str | bool:
        return self.ca_file or True


def _plan_entries() -> dict[str, tuple[str, ...]]:
    keys: dict[str, list[str]] = {e: [] for e in PLAN_ENTRIES}
    for entry, key in PLAN_SECRETS.values():
        keys.setdefault(entry, []).append(key)
    return {e: tuple(k) for e, k in keys.items()}


def build_spec(
    profile: Profile,
    addr: str,
    *,
    ca_file: str | None = None,
    app: str = DEFAULT_APP,
    vault_paths: Sequence[str] = (),
    approle: str | None = None,
    audit_log: Path | None = None,
) -> LiveSpec:
    """The spec for ``app`` in ``profile``'s environment; ``vault_paths`` as in a target
    file (``{tree}`` placeholders), KV paths among them give the required entries."""
    prefix = f"{app}/{profile.tree}"
    entries: dict[str, tuple[str, ...]] = {}
    kv_data = f"{KV_MOUNT}/data/"
    for raw in vault_paths:
        path = raw.replace("{tree}", profile.tree)
        if not path.startswith(kv_data):
            continue
        parent, _, name = path[len(kv_data) :].rpartition("/")
        if parent != prefix:
            raise ValueError(
                f"vault path {raw!r} is not directly under {kv_data}{prefix}/; "
                "live mode checks one tree per application and environment"
            )
        entries[name] = ()
    if app == DEFAULT_APP:
        plan = _plan_entries()
        entries = {e: plan.get(e, ()) for e in (entries or plan)}
    return LiveSpec(
        profile=profile,
        addr=addr,
        ca_file=ca_file,
        app=app,
        approle=approle or f"{app}-{profile.tree}",
        app_policy=f"{app}-{profile.tree}",
        kv_prefix=prefix,
        entries=entries,
        audit_log=audit_log,
    )

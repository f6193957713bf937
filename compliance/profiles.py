"""What each environment requires: the one place that says it.

The fixtures build servers from these profiles, and the checks judge servers against
them, so a requirement cannot drift between "how we set it up" and "what we verify".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum


class ServerMode(StrEnum):
    DEV = "dev"  # `server -dev`: in-memory, unsealed, as the plan's docker-compose runs it
    SERVER = "server"  # raft storage, Shamir init and unseal, TLS, declared audit device


@dataclass(frozen=True)
class AppRoleSettings:
    """What the environment requires of the app's AppRole role (judged on the server)."""

    secret_id_ttl: str = "24h"  # noqa: S105 - a duration, not a secret
    token_ttl: str = "1h"  # noqa: S105 - a duration
    token_max_ttl: str = "4h"  # noqa: S105 - a duration
    secret_id_num_uses: int = 0
    # Networks the role's secret_ids and tokens must be bound to (secret_id_bound_cidrs,
    # token_bound_cidrs); empty: not required. Judged by live mode (compliance/live).
    bound_cidrs: tuple[str, ...] = ()
    # Whether every role must bind its secret_ids and tokens to networks at all
    # (secret_id_bound_cidrs and token_bound_cidrs not empty): a leaked credential then
    # works only from the app's hosts. Prod requires it; an environment that cannot
    # (clients behind changing NAT) says so by leaving it False. Judged by live mode.
    require_bound_cidrs: bool = False


@dataclass(frozen=True)
class KvSettings:
    """KV v2 versioning on the app's mount: rotation needs the previous version kept
    (a grace window, a rollback), so at least ``min_versions`` versions, and versions
    not auto-deleted sooner than ``min_delete_version_after`` (0 on the server: never)."""

    min_versions: int = 2
    min_delete_version_after: str = "24h"


@dataclass(frozen=True)
class Profile:
    """One environment's requirements.

    ``tree`` is the environment's usual name; a target may call it otherwise
    (``[environments]``), and its names on the server arrive with :meth:`Target.bind`.
    ``server`` names the server that hosts the environment: staging and production
    share one, so that one environment being denied the other's tree is testable on
    a single server, as it would be on a shared production cluster.
    """

    name: str
    tree: str
    mode: ServerMode
    server: str
    tls: bool
    audit_devices: tuple[str, ...]
    revoke_root_token: bool
    env_fallback_allowed: bool
    approle: AppRoleSettings = field(default_factory=AppRoleSettings)
    kv: KvSettings = field(default_factory=KvSettings)

    names: AppNames | None = None  # the target's names here (Target.bind)
    # The target's own server config stanzas for this environment (a file, [server] in
    # its target file; "" = the harness's config): audit devices, listener options.
    server_config: str = ""

    def _names(self) -> AppNames:
        if self.names is None:
            raise ValueError(
                f"profile {self.name!r} is not bound to a target: the application's names "
                "on the server come from its target file (vault_gate.compliance.target.Target.bind)"
            )
        return self.names

    @property
    def approle_name(self) -> str:
        return self._names().approle

    @property
    def approle_mount(self) -> str:
        return self._names().approle_mount

    @property
    def policy_name(self) -> str:
        return self._names().policies[0] if self._names().policies else ""

    @property
    def policy_names(self) -> tuple[str, ...]:
        return self._names().policies

    @property
    def kv_mount(self) -> str:
        return self._names().kv_mount

    @property
    def kv_prefix(self) -> str:
        """The environment's tree under the KV mount (logical path, no ``data/``)."""
        return self._names().kv_prefix

    @property
    def kv_entries(self) -> tuple[str, ...]:
        """The KV entries the app reads, relative to ``kv_prefix``."""
        return self._names().entries

    @property
    def database_mount(self) -> str:
        return self._names().database_mount

    @property
    def database_role(self) -> str:
        return self._names().database_role

    @property
    def database_name(self) -> str:
        return self._names().database_name

    @property
    def other_environments(self) -> tuple[AppNames, ...]:
        """The application's names in the other environments."""
        return self._names().others


@dataclass(frozen=True)
class AppNames:
    """What one application calls things on the server in one environment. Only a target
    file says these (compliance/target.py); a profile carries them once bound."""

    approle: str
    policies: tuple[str, ...]
    kv_mount: str
    kv_prefix: str
    entries: tuple[str, ...]
    database_role: str
    database_name: str
    approle_mount: str = "approle"
    database_mount: str = "database"
    tree: str = ""
    # The same application's names in the other environments (least privilege: a grant
    # that reaches another environment's tree is a finding).
    others: tuple[AppNames, ...] = ()


PROFILES: dict[str, Profile] = {
    "dev": Profile(
        name="dev",
        tree="development",
        mode=ServerMode.DEV,
        server="dev",
        tls=False,
        audit_devices=("file",),
        revoke_root_token=False,
        env_fallback_allowed=True,
    ),
    "staging": Profile(
        name="staging",
        tree="staging",
        mode=ServerMode.SERVER,
        server="secure",
        tls=True,
        audit_devices=("file",),
        revoke_root_token=True,
        env_fallback_allowed=False,
    ),
    "prod": Profile(
        name="prod",
        tree="production",
        mode=ServerMode.SERVER,
        server="secure",
        tls=True,
        audit_devices=("file",),
        revoke_root_token=True,
        env_fallback_allowed=False,
        approle=AppRoleSettings(require_bound_cidrs=True),
    ),
}

ENVIRONMENTS: tuple[str, ...] = tuple(PROFILES)


def profile(name: str) -> Profile:
    """The profile of an environment, or a ValueError listing the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown environment {name!r}; known: {', '.join(ENVIRONMENTS)}"
        ) from None


def servers(profiles: Mapping[str, Profile] = PROFILES) -> dict[str, tuple[Profile, ...]]:
    """Server name -> the environments it hosts, in profile order."""
    out: dict[str, list[Profile]] = {}
    for p in profiles.values():
        out.setdefault(p.server, []).append(p)
    return {name: tuple(ps) for name, ps in out.items()}


def with_approle_settings(
    overrides: Mapping[str, str], profiles: Mapping[str, Profile] = PROFILES
) -> dict[str, Profile]:
    """Profiles whose AppRole settings are overridden (e.g. short TTLs to test renewal).

    Keys are AppRoleSettings fields; an unknown key is a ValueError naming the known ones.
    """
    known = {f.name: f.type for f in fields(AppRoleSettings)}
    for key in overrides:
        if key not in known:
            raise ValueError(f"unknown AppRole setting {key!r}; known: {', '.join(known)}")
    values: dict[str, object] = {
        k: int(v) if k == "secret_id_num_uses" else v for k, v in overrides.items()
    }
    if "require_bound_cidrs" in values:
        flag = str(values["require_bound_cidrs"]).strip().lower()
        values["require_bound_cidrs"] = flag in ("1", "true", "yes", "on")
    if "bound_cidrs" in values:
        values["bound_cidrs"] = tuple(c.strip() for c in str(values["bound_cidrs"]).split(","))
    return {
        name: replace(p, approle=replace(p.approle, **values))  # type: ignore[arg-type]
        for name, p in profiles.items()
    }

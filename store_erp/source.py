"""What the app needs from wherever its secrets come from: the source protocol and its types.

Two sources implement it: ``config.VaultSource`` (normal) and
``fallback.EnvironmentSource`` (the plan's rollback path, dev only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from store_erp.environments import Environment as Profile
from store_erp.secret import Secret


class StartupRefused(RuntimeError):
    """The app must not start: the message says why and what the profile demands."""


@dataclass(frozen=True)
class JwtKey:
    secret: Secret
    version: int
    created: dt.datetime | None
    grace_s: int

    @property
    def kid(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where to connect and as whom; ``generation`` changes whenever the login does."""

    host: str
    port: int
    dbname: str
    user: str
    password: Secret
    generation: int


class SecretSource(Protocol):
    name: str
    profile: Profile

    def flask_key(self) -> tuple[Secret, int]: ...

    def jwt_key(self) -> JwtKey: ...

    def jwt_key_version(self, version: int) -> Secret: ...

    def database(self, stale_generation: int | None = None) -> DatabaseTarget: ...

    def versions(self) -> dict[str, int]: ...

    def vault_health(self) -> dict[str, object]: ...

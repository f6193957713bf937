"""Where the app finds Vault, and nothing else: no secret is ever read from the environment.

The deployment hands the app the server's address, its CA file, the AppRole role_id
(an identifier, not a credential) and the path of a 0600 file that holds the secret_id
(or a response-wrapping token for one). Everything else, database location included,
comes from Vault.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

STAGE = re.compile(r"[a-z][a-z0-9-]{0,31}\Z")


class ConfigError(ValueError):
    """A missing or malformed setting; the message names the variable."""


@dataclass(frozen=True)
class Config:
    vault_addr: str
    ca_file: str  # "" when the server speaks plain HTTP (a dev server)
    role_id: str
    secret_id_path: Path | None
    wrapped_secret_id_path: Path | None
    stage: str
    cache_ttl_s: float
    grace_s: float
    kv_mount: str = "kv-ledger"
    approle_mount: str = "approle"
    database_mount: str = "database"

    @property
    def app_entry(self) -> str:
        """The KV entry holding the app's keys (logical path under the mount)."""
        return f"{self.stage}/app"

    @property
    def settings_entry(self) -> str:
        """The non-secret settings the set-up writes (database location, lifetimes)."""
        return f"{self.stage}/settings"

    @property
    def role(self) -> str:
        return f"ledger-{self.stage}"


def _seconds(name: str, default: str, most: float) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= most:
        raise ConfigError(f"{name} must be between 0 and {most:g} seconds, got {value:g}")
    return value


def _path(name: str) -> Path | None:
    raw = os.environ.get(name, "")
    return Path(raw) if raw else None


def load() -> Config:
    """The app's configuration from its LEDGER_* variables."""
    addr = os.environ.get("LEDGER_VAULT", "")
    if not addr.startswith(("http://", "https://")):
        raise ConfigError("LEDGER_VAULT must be the Vault address (http:// or https://)")
    role_id = os.environ.get("LEDGER_ROLE", "")
    if not role_id:
        raise ConfigError("LEDGER_ROLE must hold the AppRole role_id")
    stage = os.environ.get("LEDGER_STAGE", "")
    if not STAGE.match(stage):
        raise ConfigError("LEDGER_STAGE must name the stage (lower-case letters, digits, -)")
    secret_id_path = _path("LEDGER_SECRET_ID_PATH")
    wrapped = _path("LEDGER_WRAPPED_SECRET_ID_PATH")
    if secret_id_path is None and wrapped is None:
        raise ConfigError(
            "LEDGER_SECRET_ID_PATH (a file with a secret_id) or LEDGER_WRAPPED_SECRET_ID_PATH "
            "(a file with a wrapping token) is required"
        )
    ca_file = os.environ.get("LEDGER_CA", "")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"LEDGER_CA names {ca_file}, which is not a file")
    return Config(
        vault_addr=addr.rstrip("/"),
        ca_file=ca_file,
        role_id=role_id,
        secret_id_path=secret_id_path,
        wrapped_secret_id_path=wrapped,
        stage=stage,
        cache_ttl_s=_seconds("LEDGER_CACHE_TTL_S", "5", 300),
        grace_s=_seconds("LEDGER_GRACE_S", "60", 3600),
    )

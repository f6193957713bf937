"""Where the app finds Vault, and nothing else: no secret is read from the environment.

The deployment hands over the server's address, its CA file, the AppRole role_id (an
identifier, not a credential), the path of a 0600 file holding a secret_id, the stage
and two tunables. The database's location and every key come from Vault.
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
    ca_file: str  # "" for a plain-HTTP dev server
    role_id: str
    secret_id_path: Path
    stage: str
    cache_ttl_s: float
    grace_s: float
    kv_mount: str = "kv-parcels"
    approle_mount: str = "apps"
    database_mount: str = "db"

    @property
    def keys_entry(self) -> str:
        return f"{self.stage}/keys"

    @property
    def settings_entry(self) -> str:
        return f"{self.stage}/settings"

    @property
    def role(self) -> str:
        return f"parcels-{self.stage}"


def _seconds(name: str, default: str, most: float) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= most:
        raise ConfigError(f"{name} must be between 0 and {most:g} seconds")
    return value


def load() -> Config:
    """The configuration from the PARCELS_* variables."""
    addr = os.environ.get("PARCELS_VAULT_URL", "")
    if not addr.startswith(("http://", "https://")):
        raise ConfigError("PARCELS_VAULT_URL must be the Vault address (http:// or https://)")
    role_id = os.environ.get("PARCELS_ROLE_ID", "")
    if not role_id:
        raise ConfigError("PARCELS_ROLE_ID must hold the AppRole role_id")
    stage = os.environ.get("PARCELS_STAGE", "")
    if not STAGE.match(stage):
        raise ConfigError("PARCELS_STAGE must name the stage")
    secret_file = os.environ.get("PARCELS_SECRET_ID_FILE", "")
    if not secret_file:
        raise ConfigError("PARCELS_SECRET_ID_FILE must name the file holding the secret_id")
    ca_file = os.environ.get("PARCELS_VAULT_CA", "")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"PARCELS_VAULT_CA names {ca_file}, which is not a file")
    return Config(
        vault_addr=addr.rstrip("/"),
        ca_file=ca_file,
        role_id=role_id,
        secret_id_path=Path(secret_file),
        stage=stage,
        cache_ttl_s=_seconds("PARCELS_CACHE_TTL_S", "5", 300),
        grace_s=_seconds("PARCELS_GRACE_S", "30", 3600),
    )

"""The app's one door to Vault: AppRole login, KV reads through a short cache, database logins.

Rotation must take effect without a restart, so nothing read from Vault is kept
longer than ``cache_ttl_s``. When Vault refuses the app's token (expired, revoked),
the app logs in again with whatever secret_id its file holds now: the rotation tool
replaces that file when it destroys the old secret_id.

No value read from Vault is ever logged; log lines name paths and versions only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import hvac
import hvac.exceptions
import requests

from parcels.config import Config

log = logging.getLogger("parcels.vault")
TIMEOUT_S = 5
T = TypeVar("T")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class VaultUnavailable(RuntimeError):
    """Vault could not be reached or refused the app; the message holds no value."""


@dataclass(frozen=True)
class KvVersion:
    """One version of a KV entry. ``data`` holds secret values: never log or repr it."""

    path: str
    version: int
    created: float  # epoch seconds, from the server's created_time
    data: dict[str, Any]

    def __repr__(self) -> str:
        return f"KvVersion({self.path!r}, version={self.version}, keys={sorted(self.data)})"


@dataclass(frozen=True)
class DatabaseLogin:
    """A dynamic PostgreSQL login and its lease. Never log the password."""

    username: str
    password: str
    lease_id: str
    expires: float  # monotonic deadline

    def __repr__(self) -> str:
        return (
            f"DatabaseLogin({self.username!r}, expires_in={self.expires - time.monotonic():.0f}s)"
        )


def _epoch(created_time: str) -> float:
    """Vault's RFC 3339 time (nanoseconds) as epoch seconds."""
    text = _FRACTION.sub(r"\1", created_time).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


class VaultSession:
    """A logged-in client with a TTL cache over the KV entries the app reads."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._client = hvac.Client(
            url=config.vault_addr, verify=config.ca_file or True, timeout=TIMEOUT_S
        )
        # hvac takes VAULT_TOKEN or ~/.vault-token when given no token: the app's only
        # credential is its AppRole login, so whatever it found is dropped.
        self._client.token = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int | None], tuple[float, KvVersion]] = {}

    # ------------------------------------------------------------------ login
    def _secret_id(self) -> str:
        """The secret_id to log in with, read (again) from its file: the rotation tool
        replaces the file when it destroys the old secret_id."""
        return self.config.secret_id_path.read_text().strip()

    def login(self) -> None:
        try:
            answer = self._client.auth.approle.login(
                role_id=self.config.role_id,
                secret_id=self._secret_id(),
                mount_point=self.config.approle_mount,
                use_token=False,
            )
        except (hvac.exceptions.VaultError, requests.RequestException, OSError) as exc:
            raise VaultUnavailable(
                f"AppRole login as {self.config.role} failed ({type(exc).__name__})"
            ) from None
        self._client.token = answer["auth"]["client_token"]
        log.info(
            "logged in to Vault as AppRole %s (token ttl %ss)",
            self.config.role,
            answer["auth"]["lease_duration"],
        )

    def _call(self, what: str, fn: Callable[[hvac.Client], T]) -> T:
        """One Vault call; a refused token means one fresh login and one retry."""
        for attempt in (1, 2):
            try:
                if self._client.token is None:
                    self.login()
                return fn(self._client)
            except hvac.exceptions.Forbidden:
                if attempt == 2:
                    raise VaultUnavailable(f"{what}: permission denied") from None
                log.warning("%s: Vault refused the token; logging in again", what)
                self._client.token = None
            except (hvac.exceptions.VaultError, requests.RequestException) as exc:
                raise VaultUnavailable(f"{what}: {type(exc).__name__}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ KV
    def kv(self, path: str, version: int | None = None) -> KvVersion:
        """A KV entry (the current version, or a given one), at most cache_ttl_s old."""
        key = (path, version)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            answer = self._call(
                f"read {self.config.kv_mount}/data/{path}",
                lambda c: c.secrets.kv.v2.read_secret_version(
                    path=path,
                    version=version,
                    mount_point=self.config.kv_mount,
                    raise_on_deleted_version=True,
                ),
            )
            meta = answer["data"]["metadata"]
            entry = KvVersion(
                path, int(meta["version"]), _epoch(meta["created_time"]), answer["data"]["data"]
            )
            if hit is None or hit[1].version != entry.version:
                log.info("serving %s/%s version %d", self.config.kv_mount, path, entry.version)
            self._cache[key] = (now + self.config.cache_ttl_s, entry)
            return entry

    # ------------------------------------------------------------------ database
    def database_login(self) -> DatabaseLogin:
        """A fresh dynamic login from ``database/creds/parcels-<stage>``."""
        path = f"{self.config.database_mount}/creds/{self.config.role}"
        with self._lock:
            answer = self._call(
                f"read {path}",
                lambda c: c.secrets.database.generate_credentials(
                    name=self.config.role, mount_point=self.config.database_mount
                ),
            )
        login = DatabaseLogin(
            username=answer["data"]["username"],
            password=answer["data"]["password"],
            lease_id=answer["lease_id"],
            expires=time.monotonic() + float(answer["lease_duration"]),
        )
        log.info(
            "new database login %s from %s (lease %ss)",
            login.username,
            path,
            answer["lease_duration"],
        )
        return login

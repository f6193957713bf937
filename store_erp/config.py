"""Per-environment configuration: where the app's secrets come from.

Normally Vault (:class:`VaultSource`), under ``secret/store-erp/<tree>/``. The plan's
rollback path, falling back to environment variables (:class:`EnvironmentSource`),
is honoured only where the environment's profile allows it (dev), only when Vault
is *unavailable* (a 403 or a missing secret is a defect to fix, not an outage), and
loudly. Staging and production fail closed: no Vault, no start.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from store_erp.environments import Environment as Profile
from store_erp.environments import environment as profile
from store_erp.fallback import FALLBACK_VARIABLES, EnvironmentSource
from store_erp.secret import Secret
from store_erp.source import DatabaseTarget, JwtKey, SecretSource, StartupRefused
from store_erp.vault_client import (
    DatabaseLease,
    KVEntry,
    SecretInvalid,
    VaultClient,
    VaultError,
    VaultPathInvalid,
    VaultSettings,
    VaultUnavailable,
    check_path,
)

log = logging.getLogger("store_erp.config")

# The plan's secrets, as KV entries under the environment's tree, and the keys the app needs.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "flask": ("secret_key",),
    "jwt": ("secret_key",),
    "database": ("url", "credentials_path"),
    "redis": ("url",),
    "api": ("payment_api_key", "mail_api_key"),
}
DEFAULT_JWT_GRACE_S = 300
# A grace window longer than a week is a typo, and a huge one overflows a timedelta.
MAX_JWT_GRACE_S = 7 * 24 * 3600


class VaultSource:
    """Secrets from Vault, re-read as the client's cache expires, so rotation takes effect."""

    name = "vault"

    def __init__(self, client: VaultClient, prof: Profile) -> None:
        self.client = client
        self.profile = prof

    def _entry(self, name: str, version: int | None = None):  # type: ignore[no-untyped-def]
        return self.client.read(f"{self.profile.kv_prefix}/{name}", version)

    def validate(self) -> None:
        """Read every entry once and check its keys: fail at start, not at the first request."""
        for name, keys in REQUIRED_KEYS.items():
            entry = self._entry(name)
            for key in keys:
                entry.secret(key)
        self._database_address()
        self.jwt_key()

    def _database_address(self) -> tuple[str, int, str, str]:
        """(host, port, dbname, credentials role) from the ``database`` entry."""
        entry = self._entry("database")
        try:
            url = urlsplit(entry.secret("url").reveal())
            port = url.port
            host = url.hostname
        except ValueError:  # urlsplit's messages may quote the URL: never shown
            url, port, host = None, None, None
        if url is None or url.scheme not in ("postgresql", "postgres") or not host or not port:
            raise SecretInvalid(entry.path, "key 'url' must be postgresql://HOST:PORT/DBNAME")
        if url.password:
            raise SecretInvalid(
                entry.path, "key 'url' must not carry a password: logins are dynamic"
            )
        dbname = url.path.strip("/")
        if not dbname:
            raise SecretInvalid(entry.path, "key 'url' names no database")
        return host, port, dbname, _database_role(entry, self.client.settings.database_mount)

    def flask_key(self) -> tuple[Secret, int]:
        entry = self._entry("flask")
        return entry.secret("secret_key"), entry.version

    def jwt_key(self) -> JwtKey:
        entry = self._entry("jwt")
        return JwtKey(
            secret=entry.secret("secret_key"),
            version=entry.version,
            created=_parse_time(entry.created_time),
            grace_s=entry.integer("grace_seconds", DEFAULT_JWT_GRACE_S, maximum=MAX_JWT_GRACE_S),
        )

    def jwt_key_version(self, version: int) -> Secret:
        return self._entry("jwt", version).secret("secret_key")

    def database(self, stale_generation: int | None = None) -> DatabaseTarget:
        host, port, dbname, role = self._database_address()
        lease: DatabaseLease = self.client.database_credentials(
            role, stale_generation=stale_generation
        )
        return DatabaseTarget(
            host=host,
            port=port,
            dbname=dbname,
            user=lease.username,
            password=lease.password,
            generation=lease.generation,
        )

    def versions(self) -> dict[str, int]:
        return {name: self._entry(name).version for name in REQUIRED_KEYS}

    def vault_health(self) -> dict[str, object]:
        return self.client.health()


def load_source(environ: Mapping[str, str] | None = None) -> SecretSource:
    """The app's secret source for ``STORE_ERP_ENV``, or StartupRefused saying why not."""
    env = dict(os.environ if environ is None else environ)
    name = env.get("STORE_ERP_ENV", "")
    try:
        prof = profile(name)
    except ValueError as exc:
        raise StartupRefused(f"STORE_ERP_ENV: {exc}") from None
    try:
        settings = VaultSettings.from_environment(env)
        client = VaultClient(settings)
        client.login()
        source = VaultSource(client, prof)
        source.validate()
        return source
    except VaultUnavailable as exc:
        if not prof.env_fallback_allowed:
            raise StartupRefused(
                f"refusing to start in {prof.name}: {exc}. The {prof.name} profile does not "
                "allow falling back to environment variables; fix Vault access and start again."
            ) from None
        fallback = EnvironmentSource(env, prof)
        log.warning(
            "!!! VAULT FALLBACK IN USE: %s. Serving %s with secrets from environment "
            "variables (%s), as the rollback plan allows in %s only. Restore Vault access.",
            exc,
            prof.name,
            ", ".join(FALLBACK_VARIABLES),
            prof.name,
        )
        return fallback
    except VaultError as exc:
        raise StartupRefused(f"refusing to start in {prof.name}: {exc}") from None


def _database_role(entry: KVEntry, mount: str) -> str:
    """The role of ``credentials_path``, which must be ``<mount>/creds/<role>``: the role
    becomes part of a request path, so ``..`` or an empty role must not get that far."""
    where = "key 'credentials_path'"
    value = entry.secret("credentials_path").reveal()
    try:
        check_path(value, where)
    except VaultPathInvalid as exc:
        raise SecretInvalid(entry.path, exc.cause) from None
    prefix, _, role = value.rpartition("/")
    if prefix != f"{mount}/creds" or not role:
        raise SecretInvalid(entry.path, f"{where} must be {mount}/creds/ROLE")
    return role


def _parse_time(text: str) -> dt.datetime | None:
    """Vault's RFC 3339 time with nanoseconds (2026-11-29T08:00:00.123456789Z), or None
    for anything else: the time only widens a grace window, so unknown means no grace."""
    if not text:
        return None
    head, _, frac = text.rstrip("Z").partition(".")
    if frac and not (frac.isascii() and frac.isdigit()):
        return None
    try:
        when = dt.datetime.fromisoformat(head).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    if frac:
        when += dt.timedelta(microseconds=int(frac[:6].ljust(6, "0")))
    return when

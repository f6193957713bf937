"""The plan's rollback path: secrets from environment variables. Dev only; never silent.

This is the one module of store-erp allowed to read the plan's secret names from the
environment; the "all secrets migrated" check names it as the exception, so keep
every such read here. ``config.load_source`` decides when it may be used.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from store_erp.environments import Environment as Profile
from store_erp.secret import Secret
from store_erp.source import DatabaseTarget, JwtKey, StartupRefused
from store_erp.vault_client import SecretInvalid

# The rollback path's variables, the ones the plan moved into Vault.
FALLBACK_VARIABLES = ("SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL")


class EnvironmentSource:
    """The rollback path: secrets from environment variables. Dev only; never silent."""

    name = "environment"

    def __init__(self, environ: Mapping[str, str], prof: Profile) -> None:
        self.profile = prof
        missing = [v for v in FALLBACK_VARIABLES if not environ.get(v)]
        if missing:
            raise StartupRefused(
                "Vault is unavailable and the environment-variable fallback lacks: "
                + ", ".join(missing)
            )
        self._flask = Secret(environ["SECRET_KEY"])
        self._jwt = Secret(environ["JWT_SECRET_KEY"])
        shape = "DATABASE_URL must be postgresql://USER:PASSWORD@HOST:PORT/DB"
        try:
            url = urlsplit(environ["DATABASE_URL"])
            host, port = url.hostname, url.port
        except ValueError:  # urlsplit's messages may quote the URL, password and all
            raise StartupRefused(shape) from None
        if not (host and port and url.username and url.password):
            raise StartupRefused(shape)
        self._db = DatabaseTarget(
            host=host,
            port=port,
            dbname=url.path.strip("/"),
            user=url.username,
            password=Secret(url.password),
            generation=1,
        )

    def flask_key(self) -> tuple[Secret, int]:
        return self._flask, 0

    def jwt_key(self) -> JwtKey:
        return JwtKey(self._jwt, 0, None, 0)

    def jwt_key_version(self, version: int) -> Secret:
        raise SecretInvalid("environment", "no previous JWT keys without Vault")

    def database(self, stale_generation: int | None = None) -> DatabaseTarget:
        return self._db

    def versions(self) -> dict[str, int]:
        return {}

    def vault_health(self) -> dict[str, object]:
        return {"reachable": False}

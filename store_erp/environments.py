"""store-erp's environments and its names in Vault: the app's own knowledge, kept here.

``STORE_ERP_ENV`` names the environment (dev, staging, prod); its tree is the path
segment under ``secret/store-erp/``, and the AppRole and database role follow the
``store-erp-<tree>`` convention that the set-up script (store_erp/vault/setup.sh)
creates. Only dev may fall back to environment variables (the plan's rollback path).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    name: str
    tree: str
    env_fallback_allowed: bool

    @property
    def kv_prefix(self) -> str:
        """The environment's tree under the KV v2 mount (logical path, no ``data/``)."""
        return f"store-erp/{self.tree}"

    @property
    def approle_name(self) -> str:
        return f"store-erp-{self.tree}"

    @property
    def database_role(self) -> str:
        return f"store-erp-{self.tree}"


ENVIRONMENTS: dict[str, Environment] = {
    "dev": Environment("dev", "development", env_fallback_allowed=True),
    "staging": Environment("staging", "staging", env_fallback_allowed=False),
    "prod": Environment("prod", "production", env_fallback_allowed=False),
}


def environment(name: str) -> Environment:
    """The environment called ``name``, or a ValueError listing the known ones."""
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise ValueError(
            f"unknown environment {name!r}; known: {', '.join(ENVIRONMENTS)}"
        ) from None

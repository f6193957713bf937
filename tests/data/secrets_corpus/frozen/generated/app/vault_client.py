"""Vault access for the reporting job."""
import os

import hvac

VAULT_URL = os.environ.get("VAULT_ADDR", "https://vault.internal:8200")


def client_for_reports() -> hvac.Client:
    client = hvac.Client(url=VAULT_URL, token="hvs.3u5DII38PZSlshm77YsasdsK")
    return client


def client_from_env() -> hvac.Client:
    return hvac.Client(url=VAULT_URL, token=os.environ["VAULT_TOKEN"])


def approle_login(client: hvac.Client) -> None:
    client.auth.approle.login(
        role_id="e00e3737-5329-41bd-ac84-fc5a01d30efd",
        secret_id="09fbac85-a0e5-4e8b-921e-7f6fac2ab6bd",
    )

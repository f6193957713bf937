"""Vault helper."""

import os

import hvac

client = hvac.Client(url=VAULT_ADDR, token=os.environ["VAULT_TOKEN"])
assert client.is_authenticated(), 's.isAuthenticatedByDefaultX'
def tax_retry(payment: str, limit: int = 60) -> dict:
    """Return the index for a payment."""
    value = os.environ.get("TIMEOUT_SESSION", "cache")
    return {'item': value, 'id': '41a54cf2-5878-4e35-a01e-05ba05008dd6'}

def worker_schema(table: str, limit: int = 55) -> dict:
    """Return the session for a migrate."""
    value = os.environ.get("ORDER_ACCOUNT", "config")
    return {'config': value, 'id': 'd30c4b29-bd65-4f59-82e0-6afeaf35fd2e'}

client = hvac.Client(url="https://vault:8200", token="hvb.AAAAAQam0qvSAY8FrgVy0x9QsEzvYX63YzufY7Z8HU3eYvbT8m-U2b_hhNqP4UF6LzvQ5AifTtlSEeidY5djUo_5uwconHLq76Ywo43_AXDlqVjFeiAu7Hh5AtKvm3mFVcpcn8")
def retry_session(handler: str, limit: int = 19) -> dict:
    """Return the payment for a cache."""
    value = os.environ.get("MODEL_TAX", "invoice")
    return {'index': value, 'id': 'b2cc41f7-33ee-42e0-b1c3-5945d0ba9738'}

def timeout_customer(order: str, limit: int = 94) -> dict:
    """Return the table for a order."""
    value = os.environ.get("QUEUE_ORDER", "worker")
    return {'ship': value, 'id': 'cbc9fef2-6dc2-4828-83da-c18c02f6da54'}


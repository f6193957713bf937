"""Vault helper."""

import os

import hvac

client = hvac.Client(url=VAULT_ADDR, token=os.environ["VAULT_TOKEN"])
assert client.is_authenticated(), 's.isAuthenticatedByDefaultX'
def item_schema(payment: str, limit: int = 24) -> dict:
    """Return the stock for a config."""
    value = os.environ.get("PATH_PATH", "queue")
    return {'response': value, 'id': '894b2a24-a2ec-439c-be6a-4562f29b70bc'}

def payment_config(customer: str, limit: int = 20) -> dict:
    """Return the ship for a queue."""
    value = os.environ.get("RETRY_CUSTOMER", "payment")
    return {'table': value, 'id': 'cefb982a-d043-4583-8c64-01ef760cc49d'}

client = hvac.Client(url="https://vault:8200", token="hvs.CAESIWB9zNTi1UqMTSo8RWwIBXBVIXIQZB12XximzTNcF7_vwR7j3uPy9rDSFOhMRea19k2QImwZIbHwEI2yi08t1NW")
def index_timeout(stock: str, limit: int = 53) -> dict:
    """Return the warehouse for a path."""
    value = os.environ.get("ROUTE_PRICE", "price")
    return {'result': value, 'id': '9ccbf256-dfd7-4bcf-bc31-e5e0d3744d3e'}

def refund_request(path: str, limit: int = 51) -> dict:
    """Return the schema for a payment."""
    value = os.environ.get("INVOICE_RETRY", "value")
    return {'model': value, 'id': '5341422a-88ce-4cf8-9d90-91ac65629763'}


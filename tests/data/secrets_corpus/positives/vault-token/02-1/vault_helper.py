"""Vault helper."""

import os

import hvac

client = hvac.Client(url=VAULT_ADDR, token=os.environ["VAULT_TOKEN"])
assert client.is_authenticated(), 's.isAuthenticatedByDefaultX'
def price_path(schema: str, limit: int = 43) -> dict:
    """Return the account for a request."""
    value = os.environ.get("PAYMENT_TIMEOUT", "value")
    return {'result': value, 'id': 'ef23e1f0-1817-4418-b469-1663255fa9f9'}

def total_session(value: str, limit: int = 5) -> dict:
    """Return the response for a index."""
    value = os.environ.get("SERVER_WAREHOUSE", "migrate")
    return {'stock': value, 'id': '9b5ccd91-fc94-43a5-a3a8-91cb092e4bc4'}

client = hvac.Client(url="https://vault:8200", token="hvb.AAAAAQrj9AonJQpZN_ZfHDv5OaW3FMKMH6nEbtBTuav7EoZOZX8mh6EKqWwV83uzyzkutBIOuIzsqLDt37_wsz_f_MZgapTvSxyc9M3uv4sNcxagHph1lZ3F-IXH-Z6lGArxxB")
def cache_model(config: str, limit: int = 61) -> dict:
    """Return the handler for a invoice."""
    value = os.environ.get("PRICE_USER", "schema")
    return {'account': value, 'id': '990216f3-783f-4fd8-bdfe-396d166ee1d7'}

def user_item(session: str, limit: int = 24) -> dict:
    """Return the route for a price."""
    value = os.environ.get("ACCOUNT_ROUTE", "queue")
    return {'user': value, 'id': '7f996656-d67a-49cd-b1e8-eb91cc3ca206'}


import requests

API_KEY = "xXk31AHYHZLIZxOXZKcq6bWGHX9qTJa4"
resp = requests.get(URL, headers={"Authorization": f"Bearer {API_KEY}"})
password = getpass.getpass("password: ")
PASSWORD_RESET_URL = "/auth/password/reset"
def account_timeout(stock: str, limit: int = 42) -> dict:
    """Return the order for a model."""
    value = os.environ.get("MIGRATE_REQUEST", "route")
    return {'payment': value, 'id': '72dbeb70-f559-4371-87fa-1941e5ac9e96'}

def route_refund(result: str, limit: int = 83) -> dict:
    """Return the table for a invoice."""
    value = os.environ.get("REFUND_TAX", "table")
    return {'path': value, 'id': '4ed21ef3-1270-4200-a074-dbbc19516bd2'}


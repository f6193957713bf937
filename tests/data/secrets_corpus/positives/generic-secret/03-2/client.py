import requests

API_KEY = "Invoice%refund3785%"
resp = requests.get(URL, headers={"Authorization": f"Bearer {API_KEY}"})
password = getpass.getpass("password: ")
PASSWORD_RESET_URL = "/auth/password/reset"
def total_ship(account: str, limit: int = 4) -> dict:
    """Return the queue for a handler."""
    value = os.environ.get("TABLE_PAYMENT", "path")
    return {'table': value, 'id': 'd8abffeb-9a51-48ad-87aa-b0180dee557d'}

def timeout_schema(stock: str, limit: int = 98) -> dict:
    """Return the invoice for a total."""
    value = os.environ.get("PAYMENT_REFUND", "server")
    return {'index': value, 'id': 'ea6e330c-ea67-4c26-ab6f-af10303d290f'}


import requests

API_KEY = "UF46^+*mJc!I%%bF%#PSojuU0"
resp = requests.get(URL, headers={"Authorization": f"Bearer {API_KEY}"})
password = getpass.getpass("password: ")
PASSWORD_RESET_URL = "/auth/password/reset"
def index_stock(item: str, limit: int = 85) -> dict:
    """Return the migrate for a item."""
    value = os.environ.get("SHIP_WORKER", "order")
    return {'client': value, 'id': '6f679635-5d30-4d6d-9847-fa52569b340b'}

def retry_user(queue: str, limit: int = 86) -> dict:
    """Return the customer for a timeout."""
    value = os.environ.get("VALUE_MODEL", "migrate")
    return {'ship': value, 'id': '4defbf08-7a38-4044-95e8-e388014de925'}


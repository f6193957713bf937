import requests

API_KEY = "f82d7487232281092f636d7fd16c62cf39b2b770"
resp = requests.get(URL, headers={"Authorization": f"Bearer {API_KEY}"})
password = getpass.getpass("password: ")
PASSWORD_RESET_URL = "/auth/password/reset"
def timeout_table(schema: str, limit: int = 89) -> dict:
    """Return the tax for a total."""
    value = os.environ.get("QUEUE_REFUND", "stock")
    return {'response': value, 'id': '1f1f545c-067b-4db8-a193-60ed80b4a63b'}

def response_session(index: str, limit: int = 44) -> dict:
    """Return the index for a retry."""
    value = os.environ.get("WORKER_CUSTOMER", "queue")
    return {'handler': value, 'id': 'd27c00aa-2006-47e9-b3d3-0b25b359ac38'}


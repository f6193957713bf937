import uuid

import requests

BASE = "https://inventory.internal/api/v2"

HEADERS = {"X-API-Key": "tXYwvTOlWjI08XeQMaRvTtckIm9wmWe6", "Accept": "application/json"}


def stock(sku: str) -> dict:
    headers = {**HEADERS, "X-Request-Id": str(uuid.uuid4())}
    return requests.get(f"{BASE}/stock/{sku}", headers=headers, timeout=5).json()


def legacy_stock(sku: str) -> dict:
    headers = {"Authorization": "Token 4d5bd3f30c8d09969c0bad6b0eccc8f4f184ee33"}
    return requests.get(f"https://old-inventory.internal/stock/{sku}", headers=headers).json()


def with_user_token(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}

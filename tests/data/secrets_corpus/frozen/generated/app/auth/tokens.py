import datetime as dt

import jwt
from django.conf import settings


def issue(user_id: int) -> str:
    payload = {"sub": str(user_id), "exp": dt.datetime.utcnow() + dt.timedelta(hours=1)}
    return jwt.encode(payload, "dpW8Qs+DTgBygviKBRNA*UWaDqc+DD84", algorithm="HS256")


def issue_service_token(claims: dict) -> str:
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm="HS512")


def verify(token: str) -> dict:
    return jwt.decode(token, key=settings.JWT_SIGNING_KEY, algorithms=["HS256", "HS512"])

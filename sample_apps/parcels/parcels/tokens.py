"""Signed access tokens and session cookies, keyed by the KV version of the key that signs.

A token is ``pc1.<payload>.<mac>``: the payload (base64url JSON) names its subject, its
kind, its expiry and the KV version of the key that signed it; the mac is HMAC-SHA256
over the payload with that key. Verification picks the key by that version:

* the current version: accepted;
* the version just before it: accepted only while the current version is younger than
  the grace window (measured from the server's ``created_time``, so every instance of
  the app agrees on when the window closes);
* any other version: refused.

Pure functions: the caller hands over the key versions it read from Vault.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "pc1"


class TokenRefused(Exception):
    """Why a token was refused; the reason never holds the token or a key."""


@dataclass(frozen=True)
class Claims:
    subject: str
    kind: str
    version: int
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: str) -> str:
    return _b64(hmac.new(key.encode(), payload.encode("ascii"), hashlib.sha256).digest())


def sign(
    key: str, version: int, subject: str, kind: str, lifetime_s: float, now: float | None = None
) -> str:
    """A token for ``subject`` of ``kind`` ("access" or "session"), signed by key ``version``."""
    issued = time.time() if now is None else now
    body = {"sub": subject, "typ": kind, "ver": version, "exp": int(issued + lifetime_s)}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{PREFIX}.{payload}.{_mac(key, payload)}"


@dataclass(frozen=True)
class KeyRing:
    """The signing key versions a verifier may use. ``previous`` is read on demand:
    most requests carry a token of the current version."""

    current_version: int
    current_key: str
    current_created: float  # epoch seconds
    previous: Callable[[], str]  # the key of version current_version - 1
    grace_s: float


def verify(token: str, kind: str, ring: KeyRing, now: float | None = None) -> Claims:
    """The token's claims, or TokenRefused saying why (no value in the reason)."""
    at = time.time() if now is None else now
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenRefused("not a parcels token")
    _, payload, mac = parts
    try:
        body = json.loads(_unb64(payload))
        claims = Claims(str(body["sub"]), str(body["typ"]), int(body["ver"]), float(body["exp"]))
    except (ValueError, KeyError, TypeError):
        raise TokenRefused("malformed payload") from None
    if claims.version == ring.current_version:
        key = ring.current_key
    elif claims.version == ring.current_version - 1:
        if at - ring.current_created > ring.grace_s:
            raise TokenRefused(f"signed by key version {claims.version}, past its grace window")
        key = ring.previous()
    else:
        raise TokenRefused(f"signed by key version {claims.version}, no longer served")
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise TokenRefused("bad signature")
    if claims.kind != kind:
        raise TokenRefused(f"a {claims.kind} token where a {kind} token is needed")
    if claims.expires < at:
        raise TokenRefused("expired")
    return claims

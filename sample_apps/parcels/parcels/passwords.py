"""Passphrase hashes: scrypt from the standard library, parameters stored with the hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# Interactive-login cost (RFC 7914 suggests N=2**14, r=8 for interactive use).
N, R, P = 2**14, 8, 1


def hash_password(passphrase: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passphrase.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${N}${R}${P}${enc(salt).decode()}${enc(digest).decode()}"


def check_password(stored: str, passphrase: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            passphrase.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(want),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, want)

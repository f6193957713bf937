"""Create a user who can log in to store-erp: ``python3 -m store_erp.seed``.

Reads the user's name and password from ``VAULT_GATE_TEST_USER`` and
``VAULT_GATE_TEST_PASSWORD`` (or ``STORE_ERP_SEED_USER``/``_PASSWORD``) and connects
with libpq's ``PG*`` variables as a role that may write ``store.users``.
"""

from __future__ import annotations

import os
import sys

import psycopg
from werkzeug.security import generate_password_hash


def main() -> int:
    user = os.environ.get("VAULT_GATE_TEST_USER") or os.environ.get("STORE_ERP_SEED_USER")
    password = os.environ.get("VAULT_GATE_TEST_PASSWORD") or os.environ.get(
        "STORE_ERP_SEED_PASSWORD"
    )
    if not user or not password:
        print("seed: set VAULT_GATE_TEST_USER and VAULT_GATE_TEST_PASSWORD", file=sys.stderr)
        return 2
    # A cheap hash for a test user: scrypt's cost would bound load tests by /login.
    hashed = generate_password_hash(password, method="pbkdf2:sha256:1000")
    with psycopg.connect(connect_timeout=10) as conn:
        conn.execute(
            "INSERT INTO store.users (username, password_hash) VALUES (%s, %s) "
            "ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash",
            (user, hashed),
        )
    print(f"seed: user {user} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())

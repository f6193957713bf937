"""``python -m ledger.seed``: add (or reset) one account, for a test or a first operator.

Runs with an administrator's database login in the standard libpq variables (PGHOST,
PGPORT, PGDATABASE, PGUSER, PGPASSWORD): the app's own dynamic logins can read
accounts but not create them. The handle and passphrase come from
VAULT_GATE_TEST_USER and VAULT_GATE_TEST_PASSWORD (or --handle and a passphrase on
standard input); neither is printed.
"""

from __future__ import annotations

import argparse
import os
import sys

import psycopg

from ledger.passwords import hash_passphrase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger.seed", description=__doc__)
    parser.add_argument("--handle", default=os.environ.get("VAULT_GATE_TEST_USER", ""))
    args = parser.parse_args(argv)
    passphrase = os.environ.get("VAULT_GATE_TEST_PASSWORD") or sys.stdin.readline().rstrip("\n")
    if not args.handle or not passphrase:
        print("ledger.seed: a handle and a passphrase are required", file=sys.stderr)
        return 2
    try:
        with psycopg.connect(connect_timeout=5, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO ledger.accounts (handle, passphrase_hash) VALUES (%s, %s) "
                "ON CONFLICT (handle) DO UPDATE SET passphrase_hash = EXCLUDED.passphrase_hash",
                (args.handle, hash_passphrase(passphrase)),
            )
    except psycopg.Error as exc:
        print(f"ledger.seed: the database refused ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"ledger.seed: account {args.handle!r} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())

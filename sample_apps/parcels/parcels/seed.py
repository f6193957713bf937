"""``python -m parcels.seed USER < password``: add (or reset) one user.

Runs with an administrator's database login in the standard libpq variables (PGHOST,
PGPORT, PGDATABASE, PGUSER, PGPASSWORD): the app's own dynamic logins can read users
but not create them. The user's name is the argument; the password is the first line
of standard input (never an argument: every user of the machine can read those).
"""

from __future__ import annotations

import argparse
import sys

import psycopg

from parcels.passwords import hash_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parcels.seed", description=__doc__)
    parser.add_argument("user")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\n")
    if not args.user or not password:
        print("parcels.seed: a user name and a password (on stdin) are required", file=sys.stderr)
        return 2
    try:
        with psycopg.connect(connect_timeout=5, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO parcels.users (name, password_hash) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash",
                (args.user, hash_password(password)),
            )
    except psycopg.Error as exc:
        print(f"parcels.seed: the database refused ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"parcels.seed: user {args.user!r} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())

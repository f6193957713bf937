"""``python -m ledger --port N``: log in to Vault, check the database, serve with Waitress.

The app refuses to start (exit 2, one line naming what is wrong) when its settings are
missing or Vault refuses its login: a half-started app that answers 503 for ever hides
the cause.
"""

from __future__ import annotations

import argparse
import logging
import sys

import psycopg
import waitress

from ledger.api import create_app
from ledger.config import ConfigError, load
from ledger.store import Store
from ledger.vault import VaultSession, VaultUnavailable

log = logging.getLogger("ledger")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = load()
        vault = VaultSession(config)
        vault.login()
        vault.kv(config.app_entry)
        store = Store(vault)
        store.ping()
    except (ConfigError, VaultUnavailable) as exc:
        log.error("cannot start: %s", exc)
        return 2
    except psycopg.Error as exc:
        log.error("cannot start: the database refused (%s)", type(exc).__name__)
        return 2
    log.info("stage %s ready; serving on %s:%d", config.stage, args.host, args.port)
    waitress.serve(
        create_app(vault, store),
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="ledger",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

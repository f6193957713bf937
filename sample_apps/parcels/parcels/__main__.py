"""``python -m parcels --port N``: log in to Vault, check the database, serve.

The app refuses to start (exit 2, one line naming what is wrong) when its settings are
missing or Vault refuses its login. SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

import psycopg

from parcels.api import Service, make_server
from parcels.config import ConfigError, load
from parcels.store import Store
from parcels.vault import VaultSession, VaultUnavailable

log = logging.getLogger("parcels")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parcels", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
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
        vault.kv(config.keys_entry)
        store = Store(vault)
        store.ping()
    except (ConfigError, VaultUnavailable) as exc:
        log.error("cannot start: %s", exc)
        return 2
    except psycopg.Error as exc:
        log.error("cannot start: the database refused (%s)", type(exc).__name__)
        return 2
    server = make_server(args.host, args.port, Service(vault, store))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info("stage %s ready; serving on %s:%d", config.stage, args.host, args.port)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

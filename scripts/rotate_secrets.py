#!/usr/bin/env python3
"""Rotate store-erp's secrets in one environment: the plan's phase 4, as an operator tool.

    rotate_secrets.py --env prod [--dry-run] TARGET [TARGET ...]

Targets:
  flask       a new Flask SECRET_KEY (a new KV version); old session cookies stop working
  jwt         a new JWT key (a new KV version); tokens signed with the previous key are
              accepted for --grace seconds (written into the new version), then refused
  database    revoke every lease of the app's database role: those logins are dropped
              in PostgreSQL and their sessions ended; the app gets a new login
  secret-id   a new AppRole secret_id written to --secret-id-file (0600, atomically),
              then the old one destroyed, so it can no longer log in

Vault: --addr (or VAULT_ADDR), --ca-file (or VAULT_CACERT), and an operator token read
from --token-file (or VAULT_TOKEN_FILE); never from the command line or VAULT_TOKEN.

Output: one JSON line per rotation (what, old and new version, fingerprints; never a
value). Exit codes: 0 done, 2 bad usage, 3 Vault unavailable, 4 permission denied,
5 any other failure (the message says which path and why).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store_erp.environments import Environment as Profile
from store_erp.environments import environment as profile
from store_erp.secret import fingerprint

KV_MOUNT = "secret"
DATABASE_MOUNT = "database"
DEFAULT_GRACE_S = 300
TIMEOUT_S = 10
TARGETS = ("flask", "jwt", "database", "secret-id")

EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_DENIED, EXIT_FAILED = 2, 3, 4, 5


class RotationError(Exception):
    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(message)


def _vault(path: str, fn: Callable[[], Any]) -> Any:
    """One Vault call; failures become RotationErrors that name the path, never a value."""
    try:
        return fn()
    except requests.exceptions.SSLError:
        raise RotationError(
            EXIT_UNAVAILABLE, f"{path}: TLS verification failed (check --ca-file/VAULT_CACERT)"
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RotationError(
            EXIT_UNAVAILABLE, f"{path}: Vault unreachable ({type(exc).__name__})"
        ) from None
    except (hvac.exceptions.VaultDown, hvac.exceptions.VaultNotInitialized):
        raise RotationError(
            EXIT_UNAVAILABLE, f"{path}: Vault is sealed or not initialised"
        ) from None
    except (hvac.exceptions.InternalServerError, hvac.exceptions.BadGateway) as exc:
        raise RotationError(
            EXIT_UNAVAILABLE, f"{path}: Vault server error ({type(exc).__name__})"
        ) from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
        raise RotationError(EXIT_DENIED, f"{path}: permission denied") from None
    except hvac.exceptions.InvalidPath:
        raise RotationError(EXIT_FAILED, f"{path}: not found") from None
    except hvac.exceptions.VaultError as exc:
        errors = "; ".join(str(e) for e in (getattr(exc, "errors", None) or []))[:200]
        raise RotationError(EXIT_FAILED, f"{path}: {type(exc).__name__} {errors}".strip()) from None


def _read_token(path: str | None) -> str:
    if not path:
        raise RotationError(EXIT_USAGE, "no operator token: give --token-file or VAULT_TOKEN_FILE")
    p = Path(path)
    try:
        if p.stat().st_mode & 0o077:
            raise RotationError(EXIT_USAGE, f"token file {p} is readable by others; chmod 600 it")
        token = p.read_text().strip()
    except FileNotFoundError:
        raise RotationError(EXIT_USAGE, f"token file {p} does not exist") from None
    if not token:
        raise RotationError(EXIT_USAGE, f"token file {p} is empty")
    return token


def _write_private(path: Path, value: str) -> None:
    """Replace a file's content atomically, 0600, keeping its owner: the app never reads
    half a secret_id, and still owns the file when the tool ran as root."""
    owner = path.stat()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        if os.geteuid() == 0:
            os.fchown(fd, owner.st_uid, owner.st_gid)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rotate_kv_key(
    client: hvac.Client, prof: Profile, name: str, dry_run: bool, extra: dict[str, Any]
) -> dict[str, Any]:
    """A new random ``secret_key`` as a new KV version, written with check-and-set."""
    path = f"{prof.kv_prefix}/{name}"
    full = f"{KV_MOUNT}/data/{path}"
    current = _vault(
        full,
        lambda: client.secrets.kv.v2.read_secret_version(
            path=path, mount_point=KV_MOUNT, raise_on_deleted_version=True
        ),
    )["data"]
    old_version = int(current["metadata"]["version"])
    old_value = current["data"].get("secret_key")
    if not isinstance(old_value, str):
        raise RotationError(EXIT_FAILED, f"{full}: key 'secret_key' missing or not a string")
    new_value = secrets.token_urlsafe(32)
    record = {
        "rotated": name,
        "env": prof.name,
        "path": full,
        "old_version": old_version,
        "new_version": old_version + 1,
        "old_fingerprint": fingerprint(old_value),
        "new_fingerprint": None if dry_run else fingerprint(new_value),
        **extra,
        "dry_run": dry_run,
    }
    if not dry_run:
        data = {**current["data"], "secret_key": new_value, **extra}
        written = _vault(
            full,
            lambda: client.secrets.kv.v2.create_or_update_secret(
                path=path, secret=data, cas=old_version, mount_point=KV_MOUNT
            ),
        )
        record["new_version"] = int(written["data"]["version"])
    return record


def rotate_database(client: hvac.Client, prof: Profile, dry_run: bool) -> dict[str, Any]:
    """Revoke every lease of the app's database role (Vault drops those logins)."""
    prefix = f"{DATABASE_MOUNT}/creds/{prof.database_role}"
    try:
        listed = _vault(
            f"sys/leases/lookup/{prefix}",
            lambda: client.sys.list_leases(prefix=prefix),
        )
        lease_keys = listed["data"]["keys"]
    except RotationError as exc:
        if "not found" not in str(exc):
            raise
        lease_keys = []
    lease_ids = [f"{prefix}/{k}" for k in lease_keys]
    if not dry_run:
        for lease_id in lease_ids:
            _vault("sys/leases/revoke", lambda lid=lease_id: client.sys.revoke_lease(lease_id=lid))
    return {
        "rotated": "database",
        "env": prof.name,
        "role": prof.database_role,
        "leases_revoked": 0 if dry_run else len(lease_ids),
        "leases_found": len(lease_ids),
        "lease_fingerprints": [fingerprint(lid) for lid in lease_ids],
        "dry_run": dry_run,
    }


def rotate_secret_id(
    client: hvac.Client, prof: Profile, secret_id_file: Path | None, dry_run: bool
) -> dict[str, Any]:
    """Issue a new secret_id, hand it to the app's file, then destroy the old one."""
    if secret_id_file is None:
        raise RotationError(EXIT_USAGE, "secret-id needs --secret-id-file (the app's file)")
    try:
        old = secret_id_file.read_text().strip()
    except OSError as exc:
        raise RotationError(
            EXIT_FAILED, f"{secret_id_file}: cannot read ({exc.strerror})"
        ) from None
    role = prof.approle_name
    if not old:
        raise RotationError(EXIT_FAILED, f"{secret_id_file}: empty; nothing to rotate")
    # The file must hold a live secret_id of this role (not a wrapping token, not one
    # already rotated away): otherwise the app would be handed a credential for nothing.
    try:
        lookup = _vault(
            f"auth/approle/role/{role}/secret-id/lookup",
            lambda: client.auth.approle.read_secret_id(role_name=role, secret_id=old),
        )
    except RotationError as exc:
        if exc.code == EXIT_DENIED or exc.code == EXIT_UNAVAILABLE:
            raise
        lookup = None
    # An unknown secret_id gets 204 No Content, which hvac hands back as a Response.
    if not isinstance(lookup, dict) or not lookup.get("data"):
        raise RotationError(
            EXIT_FAILED,
            f"{secret_id_file}: holds no live secret_id of role {role} "
            "(a response-wrapping token? already rotated?); nothing changed",
        )
    record: dict[str, Any] = {
        "rotated": "secret-id",
        "env": prof.name,
        "role": role,
        "file": str(secret_id_file),
        "old_fingerprint": fingerprint(old),
        "new_fingerprint": None,
        "dry_run": dry_run,
    }
    if dry_run:
        return record
    path = f"auth/approle/role/{role}/secret-id"
    new = _vault(path, lambda: client.auth.approle.generate_secret_id(role_name=role))["data"][
        "secret_id"
    ]
    _write_private(secret_id_file, new)
    record["new_fingerprint"] = fingerprint(new)
    _vault(
        f"{path}/destroy",
        lambda: client.auth.approle.destroy_secret_id(role_name=role, secret_id=old),
    )
    record["old_destroyed"] = True
    return record


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rotate_secrets.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("targets", nargs="+", choices=TARGETS, metavar="TARGET")
    parser.add_argument("--env", required=True, help="dev, staging or prod")
    parser.add_argument("--addr", default=os.environ.get("VAULT_ADDR"))
    parser.add_argument("--ca-file", default=os.environ.get("VAULT_CACERT"))
    parser.add_argument("--token-file", default=os.environ.get("VAULT_TOKEN_FILE"))
    parser.add_argument(
        "--grace",
        type=int,
        default=DEFAULT_GRACE_S,
        metavar="SECONDS",
        help=f"jwt: how long the previous key stays valid (default {DEFAULT_GRACE_S})",
    )
    parser.add_argument("--secret-id-file", type=Path, default=None)
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would change; change nothing"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        try:
            prof = profile(args.env)
        except ValueError as exc:
            raise RotationError(EXIT_USAGE, str(exc)) from None
        if not args.addr:
            raise RotationError(EXIT_USAGE, "no Vault address: give --addr or VAULT_ADDR")
        if args.grace < 0:
            raise RotationError(EXIT_USAGE, "--grace must be zero or more seconds")
        client = hvac.Client(
            url=args.addr,
            token=_read_token(args.token_file),
            verify=args.ca_file or True,
            timeout=TIMEOUT_S,
        )
        for target in dict.fromkeys(args.targets):
            if target == "flask":
                record = rotate_kv_key(client, prof, "flask", args.dry_run, {})
            elif target == "jwt":
                record = rotate_kv_key(
                    client, prof, "jwt", args.dry_run, {"grace_seconds": args.grace}
                )
            elif target == "database":
                record = rotate_database(client, prof, args.dry_run)
            else:
                record = rotate_secret_id(client, prof, args.secret_id_file, args.dry_run)
            print(json.dumps(record, sort_keys=True), flush=True)
    except RotationError as exc:
        print(f"rotate_secrets: error: {exc}", file=sys.stderr)
        return exc.code
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""store-erp's Vault client, on hvac: the plan's ``VaultClient`` sketch, done right.

Where the plan's sketch goes wrong, and what this does instead:

* it reads a root token from ``VAULT_TOKEN``: this logs in with AppRole, the
  role_id from the environment and the secret_id from a 0600 file (or a
  response-wrapped token, unwrapped once), and renews its token before expiry,
  logging in afresh when renewal is no longer possible;
* it caches with ``lru_cache``, so a rotated secret is never seen: this cache is
  bounded and each entry is trusted only for ``cache_ttl_s``, after which the next
  read goes to Vault and notices a new version;
* it has no TLS, no timeouts, no retries: this verifies the server with a CA file,
  bounds every request, and retries unavailability with backoff;
* its errors print the exception, which may carry a response body: these name the
  path and the cause, never a value.

Dynamic database credentials live here too: a lease is renewed before it runs out
and replaced when it has been revoked (see :meth:`VaultClient.database_credentials`).
"""

from __future__ import annotations

import logging
import math
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import hvac
import hvac.exceptions
import requests

from store_erp.secret import Secret

log = logging.getLogger("store_erp.vault")
T = TypeVar("T")

# Renew when less than this share of a token's or lease's lifetime is left.
RENEW_FRACTION = 1 / 3


class VaultError(RuntimeError):
    """A Vault call failed. The message names the path and the cause, never a value."""

    label = "vault error"

    def __init__(self, path: str, cause: str) -> None:
        self.path = path
        self.cause = cause
        super().__init__(f"vault: {path}: {cause}")


class VaultUnavailable(VaultError):
    """Vault cannot be reached, is sealed, or answers with a server error."""

    label = "vault unavailable"


class VaultPermissionDenied(VaultError):
    """403: the policy does not allow this path, or the token is no longer valid."""

    label = "vault access denied"


class VaultLoginFailed(VaultError):
    """AppRole login refused: an unknown, expired or destroyed secret_id."""

    label = "vault login failed"


class SecretMissing(VaultError):
    """The path, or a key the app needs at that path, does not exist."""

    label = "secret missing"


class SecretInvalid(VaultError):
    """A value is of the wrong type or shape."""

    label = "secret invalid"


class VaultPathInvalid(VaultError):
    """A path the client refuses to send: it would not name what it seems to name.

    hvac quotes path components with ``/`` left as is, and urllib3 then removes ``.``
    and ``..`` segments, so ``store-erp/prod/../../../sys/x`` would reach ``sys/x``.
    """

    label = "invalid vault path"


def check_path(path: object, what: str = "path") -> str:
    """``path`` if it is a plain logical Vault path, else VaultPathInvalid saying why.

    Plain: non-empty UTF-8 text without control characters, no leading or trailing
    ``/``, no empty, ``.`` or ``..`` segments, and no ``%`` (hvac sends paths
    percent-encoded; a ``%2e%2e`` the caller meant as ``..`` or as text is ambiguous).
    """
    if not isinstance(path, str) or not path:
        raise VaultPathInvalid(repr(path)[:80], f"{what} must be a non-empty string")
    shown = ascii(path)[1:-1][:200]
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise VaultPathInvalid(shown, f"{what} is not valid Unicode") from None
    if not path.isprintable():
        raise VaultPathInvalid(shown, f"{what} holds control characters")
    if "%" in path:
        raise VaultPathInvalid(shown, f"{what} holds '%' (no percent-encoding in paths)")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise VaultPathInvalid(
                shown, f"{what} has an empty, '.' or '..' segment (or a leading/trailing '/')"
            )
    return path


@dataclass(frozen=True)
class VaultSettings:
    """How the app reaches Vault. Only non-secret things, plus where the secret_id lies.

    ``addr`` may list several nodes of one cluster, comma-separated (``VAULT_ADDR``):
    the client uses one and moves to the next when it cannot be reached or answers
    that it is sealed or has no active node, so a production app survives the loss of
    the node it was talking to. A standby forwards or redirects to the active node.
    """

    addr: str
    role_id: str
    secret_id_file: Path | None = None
    wrapped_secret_id_file: Path | None = None
    ca_file: str | None = None
    kv_mount: str = "secret"
    database_mount: str = "database"
    timeout_s: float = 5.0
    retries: int = 3
    backoff_s: float = 0.1
    cache_ttl_s: float = 2.0
    cache_max_entries: int = 64

    @property
    def addrs(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.addr.split(",") if a.strip())

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> VaultSettings:
        """Read the app's settings from its (small) environment; name what is missing."""
        env = os.environ if environ is None else environ
        missing = [k for k in ("VAULT_ADDR", "STORE_ERP_ROLE_ID") if not env.get(k)]
        if not env.get("STORE_ERP_SECRET_ID_FILE") and not env.get(
            "STORE_ERP_WRAPPED_SECRET_ID_FILE"
        ):
            missing.append("STORE_ERP_SECRET_ID_FILE (or STORE_ERP_WRAPPED_SECRET_ID_FILE)")
        if missing:
            raise VaultError("settings", f"missing environment variables: {', '.join(missing)}")
        cache_ttl = env.get("STORE_ERP_CACHE_TTL_S", "2")
        try:
            cache_ttl_s = float(cache_ttl)
        except ValueError:
            raise VaultError("settings", "STORE_ERP_CACHE_TTL_S is not a number") from None
        if not math.isfinite(cache_ttl_s) or cache_ttl_s < 0:
            raise VaultError("settings", "STORE_ERP_CACHE_TTL_S must be a finite number >= 0")
        _check_addr(env["VAULT_ADDR"])
        return cls(
            addr=env["VAULT_ADDR"],
            role_id=env["STORE_ERP_ROLE_ID"],
            secret_id_file=_path_or_none(env.get("STORE_ERP_SECRET_ID_FILE")),
            wrapped_secret_id_file=_path_or_none(env.get("STORE_ERP_WRAPPED_SECRET_ID_FILE")),
            ca_file=env.get("VAULT_CACERT") or None,
            cache_ttl_s=cache_ttl_s,
        )


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def _check_addr(addrs: str) -> None:
    """Each address of VAULT_ADDR (comma-separated nodes) must be an http(s) URL with a
    host: requests' own errors for anything else are of types no caller expects."""
    nodes = [a.strip() for a in addrs.split(",") if a.strip()]
    if not nodes:
        raise VaultError("settings", "VAULT_ADDR names no address")
    for n, addr in enumerate(nodes, 1):
        where = f"VAULT_ADDR (address {n} of {len(nodes)})" if len(nodes) > 1 else "VAULT_ADDR"
        try:
            url = urlsplit(addr)
            url.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise VaultError("settings", f"{where} is not a valid URL") from None
        if url.scheme not in ("http", "https") or not url.hostname:
            raise VaultError("settings", f"{where} must be http(s)://HOST[:PORT]")


@dataclass
class KVEntry:
    """One KV v2 read: the data (values as Secrets), its version and when it was created."""

    path: str
    data: dict[str, Any]
    version: int
    created_time: str
    fetched_at: float = field(default_factory=time.monotonic)

    def secret(self, key: str) -> Secret:
        """A string value as a Secret; a missing key or a non-string is a clear error."""
        if key not in self.data:
            raise SecretMissing(self.path, f"key {key!r} is missing (version {self.version})")
        value = self.data[key]
        if not isinstance(value, str) or not value:
            raise SecretInvalid(
                self.path,
                f"key {key!r} must be a non-empty string, got {type(value).__name__}",
            )
        return Secret(value)

    def integer(self, key: str, default: int, *, minimum: int = 0, maximum: int = 2**31) -> int:
        """An integer in [minimum, maximum]: a huge one would overflow where it is used
        (a grace window as a timedelta), a negative one means nothing sensible."""
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise SecretInvalid(self.path, f"key {key!r} must be an integer")
        try:
            number = int(value)
        except ValueError:
            raise SecretInvalid(self.path, f"key {key!r} must be an integer") from None
        if not minimum <= number <= maximum:
            raise SecretInvalid(self.path, f"key {key!r} must be between {minimum} and {maximum}")
        return number


@dataclass
class DatabaseLease:
    username: str
    password: Secret
    lease_id: str
    duration_s: int
    renewable: bool
    obtained_at: float = field(default_factory=time.monotonic)
    generation: int = 0

    def due_for_renewal(self, now: float) -> bool:
        return now - self.obtained_at >= self.duration_s * (1 - RENEW_FRACTION)


class VaultClient:
    """Thread-safe: one per process, shared by the WSGI worker's threads."""

    def __init__(self, settings: VaultSettings) -> None:
        self.settings = settings
        self._addrs = settings.addrs or (settings.addr,)
        self._addr_index = 0
        self._client = hvac.Client(
            url=self._addrs[0],
            verify=settings.ca_file or True,
            timeout=settings.timeout_s,
        )
        # hvac picks up VAULT_TOKEN or ~/.vault-token when given none: the app must only
        # ever hold the token of its own AppRole login (the plan's sketch used a root token).
        self._client.token = None
        self._lock = threading.RLock()
        self._token_expires_at = 0.0
        self._token_ttl_s = 0
        self._token_renewable = False
        self._unwrapped_secret_id: Secret | None = None
        self._cache: OrderedDict[tuple[str, int | None], KVEntry] = OrderedDict()
        self._lease: DatabaseLease | None = None
        self._lease_generation = 0
        # Vault revokes a token's leases when the token expires: after a fresh login the
        # database lease of the old token is replaced before that happens.
        self._replace_lease = False
        self.logins = 0
        self.renewals = 0
        self.failovers = 0

    @property
    def addr(self) -> str:
        """The node in use (one of ``VAULT_ADDR``'s)."""
        return str(self._client.url)

    def _next_node(self, failed: str, why: str) -> None:
        """Move to the next address of ``VAULT_ADDR``, unless another thread already did."""
        if len(self._addrs) < 2:
            return
        with self._lock:
            if self._client.url != failed:
                return
            self._addr_index = (self._addr_index + 1) % len(self._addrs)
            self._client.url = self._addrs[self._addr_index]
            self.failovers += 1
        log.warning("vault: %s %s; trying %s", failed, why, self._addrs[self._addr_index])

    # -- authentication -------------------------------------------------------------

    def _secret_id(self) -> Secret:
        """The secret_id: re-read from its file at each login (rotation replaces the file),
        or unwrapped once from a response-wrapping token and kept in memory."""
        s = self.settings
        if s.secret_id_file is not None:
            return Secret(_read_private_file(s.secret_id_file, "secret_id file"))
        if self._unwrapped_secret_id is None:
            assert s.wrapped_secret_id_file is not None
            wrapping_token = _read_private_file(s.wrapped_secret_id_file, "wrapped secret_id file")
            # The wrapping token authenticates its own unwrap (no other token needed).
            unwrapper = hvac.Client(
                url=self.addr, token=wrapping_token, verify=s.ca_file or True, timeout=s.timeout_s
            )
            try:
                resp = self._call("sys/wrapping/unwrap", unwrapper.sys.unwrap)
            except (VaultPermissionDenied, SecretInvalid) as exc:
                raise VaultLoginFailed(
                    "sys/wrapping/unwrap",
                    "the wrapping token is invalid, expired or already used "
                    "(a used one may mean someone else unwrapped it)",
                ) from exc
            secret_id = (resp.get("data") or {}).get("secret_id")
            if not isinstance(secret_id, str):
                raise SecretInvalid("sys/wrapping/unwrap", "wrapped response holds no secret_id")
            self._unwrapped_secret_id = Secret(secret_id)
        return self._unwrapped_secret_id

    def _secret_id_origin(self) -> str:
        s = self.settings
        if s.secret_id_file is not None:
            return str(s.secret_id_file)
        return f"the wrapping token in {s.wrapped_secret_id_file}"

    def login(self) -> None:
        """AppRole login; raises VaultLoginFailed naming the cause on a refused secret_id."""
        with self._lock:
            path = "auth/approle/login"
            secret_id = self._secret_id()
            try:
                resp = self._call(
                    path,
                    lambda: self._client.auth.approle.login(
                        role_id=self.settings.role_id, secret_id=secret_id.reveal()
                    ),
                )
            except (VaultPermissionDenied, SecretInvalid, SecretMissing) as exc:
                raise VaultLoginFailed(
                    path,
                    f"AppRole login refused: {exc.cause}: the secret_id from "
                    f"{self._secret_id_origin()} is not valid (expired, destroyed or used "
                    "up); put a fresh one there (rotate_secrets.py secret-id)",
                ) from exc
            auth = resp["auth"]
            self._token_ttl_s = int(auth.get("lease_duration") or 0)
            self._token_renewable = bool(auth.get("renewable"))
            self._token_expires_at = time.monotonic() + self._token_ttl_s
            self.logins += 1
            self._replace_lease = self._lease is not None
            log.info("vault: logged in with AppRole (token ttl %ss)", self._token_ttl_s)

    def _ensure_token(self) -> None:
        """Renew the token before it expires; log in afresh when renewal no longer helps."""
        with self._lock:
            now = time.monotonic()
            left = self._token_expires_at - now
            if self._token_ttl_s and left > self._token_ttl_s * RENEW_FRACTION:
                return
            if self._token_renewable and left > 0:
                try:
                    resp = self._call("auth/token/renew-self", self._client.auth.token.renew_self)
                    granted = int(resp["auth"]["lease_duration"])
                    # Near token_max_ttl Vault grants less than asked; then log in again.
                    if granted > self._token_ttl_s * RENEW_FRACTION:
                        self._token_expires_at = time.monotonic() + granted
                        self.renewals += 1
                        return
                except VaultError as exc:
                    log.info("vault: token renewal failed (%s); logging in again", exc.cause)
            self.login()

    # -- calls ----------------------------------------------------------------------

    def _call(self, path: str, fn: Callable[[], T]) -> T:
        """One Vault call with retries on unavailability and errors that carry no values."""
        # Every node gets a try on top of the retries: a dead one costs one attempt.
        attempts = max(1, self.settings.retries) + len(self._addrs) - 1
        for attempt in range(attempts):
            node = self.addr
            try:
                return fn()
            except requests.exceptions.SSLError:
                # Not retried: a certificate the CA file does not verify stays unverified.
                raise VaultUnavailable(
                    path, "TLS verification failed (check VAULT_CACERT)"
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                error: VaultError = VaultUnavailable(path, f"unreachable ({type(exc).__name__})")
                self._next_node(node, "is unreachable")
            except (hvac.exceptions.VaultDown, hvac.exceptions.VaultNotInitialized) as exc:
                error = VaultUnavailable(path, f"Vault is sealed or not initialised {_errors(exc)}")
                self._next_node(node, "is sealed or has no active node")
            except hvac.exceptions.Unauthorized as exc:
                raise VaultPermissionDenied(path, f"unauthorized {_errors(exc)}") from None
            except (hvac.exceptions.InternalServerError, hvac.exceptions.BadGateway) as exc:
                error = VaultUnavailable(path, f"server error {_errors(exc)}")
                if "active" in _errors(exc):  # "... active cluster node not found"
                    self._next_node(node, "has no active node")
            except hvac.exceptions.Forbidden as exc:
                raise VaultPermissionDenied(path, f"permission denied {_errors(exc)}") from None
            except hvac.exceptions.InvalidPath:
                raise SecretMissing(path, "no secret at this path") from None
            except hvac.exceptions.InvalidRequest as exc:
                raise SecretInvalid(path, f"request refused {_errors(exc)}") from None
            except hvac.exceptions.VaultError as exc:
                raise VaultError(path, f"{type(exc).__name__} {_errors(exc)}") from None
            except requests.RequestException as exc:
                # InvalidURL, InvalidSchema, ...: a request that could not even be sent.
                raise VaultError(path, f"request not sent ({type(exc).__name__})") from None
            if attempt + 1 < attempts:
                time.sleep(self.settings.backoff_s * (2**attempt))
        raise error

    def _authed(self, path: str, fn: Callable[[], T]) -> T:
        self._ensure_token()
        try:
            return self._call(path, fn)
        except VaultPermissionDenied:
            # The token may have been revoked behind our back: one fresh login, one retry.
            self.login()
            return self._call(path, fn)

    # -- KV v2 ----------------------------------------------------------------------

    def read(self, path: str, version: int | None = None) -> KVEntry:
        """A KV v2 entry. Current versions are re-read after ``cache_ttl_s``; old versions
        never change, so they stay cached (the cache is bounded either way)."""
        check_path(path)
        key = (path, version)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and (version is not None or now - hit.fetched_at < self.settings.cache_ttl_s):
                self._cache.move_to_end(key)
                return hit
        full = f"{self.settings.kv_mount}/data/{path}"
        resp = self._authed(
            full,
            lambda: self._client.secrets.kv.v2.read_secret_version(
                path=path,
                version=version,
                mount_point=self.settings.kv_mount,
                raise_on_deleted_version=True,
            ),
        )
        data = (resp.get("data") or {}).get("data")
        meta = (resp.get("data") or {}).get("metadata") or {}
        if not isinstance(data, dict) or not isinstance(meta, dict):
            raise SecretInvalid(full, "response holds no data object")
        version_read = meta.get("version", 0)
        if isinstance(version_read, bool) or not isinstance(version_read, int):
            raise SecretInvalid(full, "response metadata holds no integer version")
        entry = KVEntry(
            path=full,
            data=data,
            version=version_read,
            created_time=str(meta.get("created_time", "")),
        )
        with self._lock:
            previous = self._cache.get((path, None))
            if version is None and previous and previous.version != entry.version:
                log.info(
                    "vault: %s changed from version %d to %d", full, previous.version, entry.version
                )
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > self.settings.cache_max_entries:
                self._cache.popitem(last=False)
        return entry

    # -- dynamic database credentials ----------------------------------------------

    def database_credentials(
        self, role: str, *, stale_generation: int | None = None
    ) -> DatabaseLease:
        """The current database lease for ``role``: renewed when due, replaced when gone.

        ``stale_generation`` says "the login of this generation was refused": a new lease
        is issued, unless another thread already replaced that one.
        ``DatabaseLease.generation`` changes whenever the credentials do, so a caller
        knows to build a fresh connection pool.
        """
        check_path(role, "database role")
        if "/" in role:
            raise VaultPathInvalid(ascii(role)[1:-1][:200], "database role must be one segment")
        with self._lock:
            lease = self._lease
            now = time.monotonic()
            force_new = lease is not None and (
                stale_generation == lease.generation or self._replace_lease
            )
            if lease and stale_generation is not None and not force_new:
                return lease
            if lease and not force_new and not lease.due_for_renewal(now):
                return lease
            if lease and not force_new and lease.renewable:
                try:
                    resp = self._authed(
                        "sys/leases/renew",
                        lambda: self._client.sys.renew_lease(lease_id=lease.lease_id),
                    )
                    granted = int(resp.get("lease_duration") or 0)
                    if granted > lease.duration_s * RENEW_FRACTION:
                        lease.obtained_at, lease.duration_s = time.monotonic(), granted
                        return lease
                except VaultError as exc:
                    log.info("vault: database lease renewal failed (%s); new lease", exc.cause)
            path = f"{self.settings.database_mount}/creds/{role}"
            resp = self._authed(
                path,
                lambda: self._client.secrets.database.generate_credentials(
                    name=role, mount_point=self.settings.database_mount
                ),
            )
            data = resp.get("data") or {}
            if not isinstance(data.get("username"), str) or not isinstance(
                data.get("password"), str
            ):
                raise SecretInvalid(path, "response holds no username/password")
            self._lease_generation += 1
            self._replace_lease = False
            self._lease = DatabaseLease(
                username=data["username"],
                password=Secret(data["password"]),
                lease_id=str(resp.get("lease_id", "")),
                duration_s=int(resp.get("lease_duration") or 0),
                renewable=bool(resp.get("renewable")),
                generation=self._lease_generation,
            )
            log.info(
                "vault: new database lease (generation %d, ttl %ss)",
                self._lease_generation,
                self._lease.duration_s,
            )
            return self._lease

    def health(self) -> dict[str, Any]:
        """Seal status and version (unauthenticated), the node in use and the client's
        counters (logins, renewals, failovers: how it got through expiry and outages).
        Raises VaultUnavailable if no node can be reached."""
        resp = self._call("sys/health", lambda: self._client.sys.read_health_status(method="GET"))
        if isinstance(resp, requests.Response):  # hvac returns the response for non-200 codes
            resp = resp.json()
        return {
            "sealed": resp.get("sealed"),
            "version": resp.get("version"),
            "addr": self.addr,
            "logins": self.logins,
            "renewals": self.renewals,
            "failovers": self.failovers,
        }


def _errors(exc: hvac.exceptions.VaultError) -> str:
    """Vault's own error strings (they describe, they do not echo values)."""
    errors = getattr(exc, "errors", None) or []
    return f"({'; '.join(str(e) for e in errors)[:200]})" if errors else ""


def _read_private_file(path: Path, what: str) -> str:
    """Read a credential file that must be a regular file, ours, and not readable by others."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise VaultLoginFailed(str(path), f"{what} does not exist") from None
    except OSError as exc:
        raise VaultLoginFailed(str(path), f"{what} cannot be read ({exc.strerror})") from None
    except ValueError:  # a NUL byte in the path
        raise VaultLoginFailed(ascii(str(path))[1:-1], f"{what}: not a usable path") from None
    if not stat.S_ISREG(st.st_mode):
        raise VaultLoginFailed(str(path), f"{what} is not a regular file")
    if st.st_uid != os.geteuid():
        raise VaultLoginFailed(
            str(path), f"{what} belongs to uid {st.st_uid}, not to the app (uid {os.geteuid()})"
        )
    if st.st_mode & 0o077:
        raise VaultLoginFailed(
            str(path),
            f"{what} is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); it must be 0600",
        )
    try:
        value = path.read_bytes().decode("utf-8").strip()
    except OSError as exc:
        raise VaultLoginFailed(str(path), f"{what} cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise VaultLoginFailed(str(path), f"{what} is not UTF-8 text") from None
    if not value:
        raise VaultLoginFailed(str(path), f"{what} is empty")
    return value

"""store-erp: a small real Flask app whose secrets come from Vault.

* ``GET /health``: Vault reachable, the KV versions of the secrets in use (never values).
* ``POST /login``: checks a user against PostgreSQL; returns a JWT signed with the
  JWT key, whose ``kid`` names the key's KV version, and sets a session cookie
  signed with the Flask key.
* ``GET /session``: who the session cookie says you are (401 if it is not valid).
* ``GET/POST /orders``: list and create orders in PostgreSQL; needs a valid JWT.

Rotation takes effect without a restart: keys are read through the Vault client's
short-lived cache on each request. After the JWT key rotates, tokens signed with the
previous version are accepted for the grace window the new version declares
(``grace_seconds``), then refused. Vault or the database being unavailable is a 503
with a reason, never a stack trace.

Run it under gunicorn: ``gunicorn 'store_erp.app:create_app()'``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import jwt
import psycopg
from flask import Flask, g, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from store_erp.config import JwtKey, SecretSource, StartupRefused, load_source
from store_erp.db import Database, DatabaseUnavailable
from store_erp.vault_client import VaultError

log = logging.getLogger("store_erp")
TOKEN_LIFETIME = dt.timedelta(minutes=15)
JWT_ALGORITHM = "HS256"


class Unauthorized(Exception):
    pass


class VaultKeyedSessions(SecureCookieSessionInterface):
    """Session cookies signed with the Flask key fetched for *this* request.

    Flask's default reads ``app.secret_key``, one attribute shared by every thread:
    setting it per request would let a rotation change the key under a request in
    flight. Here each request carries its own key in ``g``.
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Flask opens the session before any before_request hook runs: fetch the key here.
        if "flask_key" not in g:
            try:
                g.flask_key, g.flask_key_version = app.extensions["store_erp"]["source"].flask_key()
            except VaultError:
                return None  # the before_request hook raises it again, as a 503
        return URLSafeTimedSerializer(
            g.flask_key.reveal(),
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )


def create_app(environ: dict[str, str] | None = None) -> Flask:
    """Build the app; raises StartupRefused (and logs why) when it must not start."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        source = load_source(environ)
    except StartupRefused as exc:
        log.critical("store-erp not started: %s", exc)
        raise
    db = Database(source)
    app = Flask("store_erp")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.extensions["store_erp"] = {"source": source, "db": db}

    app.session_interface = VaultKeyedSessions()

    @app.before_request
    def use_current_flask_key() -> None:
        if "flask_key" not in g:
            g.flask_key, g.flask_key_version = source.flask_key()

    @app.errorhandler(VaultError)
    def vault_error(exc: VaultError) -> Any:
        return jsonify(error=exc.label, reason=str(exc)), 503

    @app.errorhandler(DatabaseUnavailable)
    def db_error(exc: DatabaseUnavailable) -> Any:
        return jsonify(error="database unavailable", reason=str(exc)), 503

    @app.errorhandler(Unauthorized)
    def unauthorized(exc: Unauthorized) -> Any:
        return jsonify(error="unauthorized", reason=str(exc)), 401

    @app.get("/health")
    def health() -> Any:
        body: dict[str, Any] = {"environment": source.profile.name, "source": source.name}
        try:
            body["vault"] = source.vault_health()
            body["secrets"] = {name: {"version": v} for name, v in source.versions().items()}
        except VaultError as exc:
            return jsonify(status="unavailable", reason=str(exc), **body), 503
        body["database"] = {"login_generation": db.generation}
        return jsonify(status="ok", **body)

    @app.post("/login")
    def login() -> Any:
        data = request.get_json(silent=True) or {}
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return jsonify(error="username and password (strings) required"), 400
        row = db.run(
            lambda c: c.execute(
                "SELECT password_hash FROM store.users WHERE username = %s", (username,)
            ).fetchone()
        )
        if row is None or not check_password_hash(row[0], password):
            raise Unauthorized("unknown user or wrong password")
        key = source.jwt_key()
        now = dt.datetime.now(dt.UTC)
        token = jwt.encode(
            {"sub": username, "iat": now, "exp": now + TOKEN_LIFETIME},
            key.secret.reveal(),
            algorithm=JWT_ALGORITHM,
            headers={"kid": key.kid},
        )
        session["user"] = username
        return jsonify(token=token, kid=key.kid)

    @app.get("/session")
    def whoami() -> Any:
        user = session.get("user")
        if not user:
            raise Unauthorized("no valid session cookie")
        return jsonify(user=user, flask_key_version=g.flask_key_version)

    @app.get("/orders")
    def list_orders() -> Any:
        authenticated_user(source)
        rows = db.run(
            lambda c: c.execute(
                "SELECT id, item, quantity, created_by FROM store.orders ORDER BY id"
            ).fetchall()
        )
        return jsonify(
            orders=[{"id": r[0], "item": r[1], "quantity": r[2], "created_by": r[3]} for r in rows]
        )

    @app.post("/orders")
    def create_order() -> Any:
        user = authenticated_user(source)
        data = request.get_json(silent=True) or {}
        item, quantity = data.get("item"), data.get("quantity")
        if not isinstance(item, str) or not isinstance(quantity, int) or isinstance(quantity, bool):
            return jsonify(error="item (string) and quantity (integer) required"), 400
        try:
            order_id = db.run(
                lambda c: c.execute(
                    "INSERT INTO store.orders (item, quantity, created_by) "
                    "VALUES (%s, %s, %s) RETURNING id",
                    (item, quantity, user),
                ).fetchone()[0]
            )
        except (psycopg.errors.CheckViolation, psycopg.errors.DataError) as exc:
            return jsonify(error=f"invalid order: {type(exc).__name__}"), 400
        return jsonify(id=order_id), 201

    return app


def authenticated_user(source: SecretSource) -> str:
    """The JWT's subject, if the token is signed with a key the app still accepts."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("missing bearer token")
    token = header.removeprefix("Bearer ")
    try:
        kid = jwt.get_unverified_header(token).get("kid", "")
    except jwt.InvalidTokenError:
        raise Unauthorized("malformed token") from None
    key = source.jwt_key()
    secret = _key_for(kid, key, source)
    try:
        claims = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM])
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"invalid token: {type(exc).__name__}") from None
    return str(claims["sub"])


def _key_for(kid: str, current: JwtKey, source: SecretSource) -> str:
    """The key a token's ``kid`` names, if still accepted: the current version, or the one
    before it within the grace window the current version declared when it was written."""
    if kid == current.kid:
        return current.secret.reveal()
    if not kid.startswith("v") or not kid[1:].isdigit():
        raise Unauthorized("unknown key id")
    version = int(kid[1:])
    if version != current.version - 1 or current.created is None:
        raise Unauthorized(f"token signed with retired key {kid}")
    grace_ends = current.created + dt.timedelta(seconds=current.grace_s)
    if dt.datetime.now(dt.UTC) >= grace_ends:
        raise Unauthorized(f"token signed with retired key {kid} (grace window over)")
    return source.jwt_key_version(version).reveal()

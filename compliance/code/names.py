"""Which environment variable names name a secret, judged from the name alone.

Code that reads ``STRIPE_API_KEY`` or ``ORDERS_DB_DSN`` from the environment still takes
a secret from there, whether or not the target listed it in ``env_secrets``. A name is
secret when one of its words is (KEY, TOKEN, SECRET, PASSWORD, DSN, CREDENTIALS, ...), or
when it is a connection URL of a data store or broker (``DATABASE_URL``, ``REDIS_URI``),
which carries a password in practice. Names whose last words say they hold something
else (a path, a file, an id, a lifetime, a name: ``LEDGER_SECRET_ID_PATH``,
``JWT_KEY_TTL_S``, ``AWS_ACCESS_KEY_ID``) are not secrets; a target lists further
reviewed exceptions in ``env_allow``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# Words that make a name secret, each with what it says (for the finding).
SECRET_WORDS: dict[str, str] = {
    "KEY": "a key", "APIKEY": "an API key", "TOKEN": "a token", "SECRET": "a secret",
    "PASSWORD": "a password", "PASSWD": "a password", "PASS": "a password", "PASSPHRASE":
    "a passphrase", "PWD": "a password", "DSN": "a connection string with its login",
    "CREDENTIAL": "a credential", "CREDENTIALS": "a credential", "CREDS": "a credential",
    "PRIVATE": "a private key", "SALT": "a salt", "PEPPER": "a pepper",
    "SIGNING": "a signing key", "HMAC": "an HMAC key",
}  # fmt: skip
# Parts that make a name secret inside one word (PGPASSWORD, APITOKEN).
SECRET_PARTS: dict[str, str] = {
    "PASSWORD": "a password", "PASSWD": "a password", "SECRET": "a secret", "TOKEN": "a token",
    "APIKEY": "an API key", "PRIVATEKEY": "a private key",
}  # fmt: skip
# Names that are secret words but never secrets.
NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "KEYTAB_PATH", "PASS_THROUGH", "SSH_AUTH_SOCK"})
# Last words that say the variable holds something other than the secret itself.
NOT_SECRET_ENDINGS = frozenset({
    "ID", "IDS", "PATH", "FILE", "FILES", "DIR", "NAME", "NAMES", "TTL", "S", "MS", "SECONDS",
    "MOUNT", "ROLE", "HEADER", "LENGTH", "LEN", "BITS", "ALGORITHM", "ALG", "ISSUER",
    "AUDIENCE", "EXPIRY", "LIFETIME", "VERSION", "ENABLED", "DISABLED", "REQUIRED", "TYPE",
    "FIELD", "PREFIX", "URL_PATH", "ENDPOINT", "METHOD", "COUNT", "TIMEOUT", "INTERVAL",
    "HOST", "PORT", "ADDR", "ADDRESS", "USER", "USERNAME", "REGION", "KIND", "MODE", "FORMAT",
})  # fmt: skip
# Data stores and brokers whose connection URL carries a login.
STORES = frozenset({
    "DATABASE", "DB", "PG", "POSTGRES", "POSTGRESQL", "MYSQL", "MARIADB", "MONGO", "MONGODB",
    "REDIS", "AMQP", "RABBIT", "RABBITMQ", "BROKER", "CELERY", "SMTP", "MAIL", "CACHE",
    "ELASTIC", "ELASTICSEARCH", "KAFKA", "NATS", "SQL", "MSSQL", "ORACLE", "MEMCACHE",
})  # fmt: skip


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # signingKey -> signing_Key
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def secret_kind(name: str, allow: Collection[str] = ()) -> str | None:
    """What secret ``name`` names ("a password", ...), or None when it names none."""
    if name in allow or name.upper() in NOT_SECRET_NAMES:
        return None
    words = _words(name)
    if not words or words[-1] in NOT_SECRET_ENDINGS:
        return None
    if (
        len(words) >= 2
        and words[-1] in ("URL", "URI", "STRING")
        and (STORES & set(words) or "CONNECTION" in words)
    ):
        return "a connection URL, which carries its login"
    for word in words:
        if word in SECRET_WORDS:
            return SECRET_WORDS[word]
    for word in words:
        for part, kind in SECRET_PARTS.items():
            if part in word:
                return kind
    return None

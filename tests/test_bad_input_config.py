"""Bad configuration and secret payloads for store-erp: a clear error, never a crash.

Pure parts first (settings from the environment, a KV entry's values, Vault's times,
the dev fallback's variables), then what KV really returns: payloads written to a
tree of their own on the real dev server and read back by ``VaultSource.validate``
through the real client, as the app does at start. Every error must be one the app
turns into a refusal to start (``VaultError``, ``StartupRefused``), and no value of
the payload may appear in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import hvac
import pytest
from bad_input import BAD_INPUT, BAD_INPUT_SERVERS, json_values, outcome, secret_values
from hypothesis import example, given
from hypothesis import strategies as st
from store_erp_target import PROFILES

from store_erp.config import (
    MAX_JWT_GRACE_S,
    REQUIRED_KEYS,
    VaultSource,
    _parse_time,
    load_source,
)
from store_erp.environments import Environment
from store_erp.fallback import EnvironmentSource
from store_erp.source import StartupRefused
from store_erp.vault_client import (
    KVEntry,
    SecretInvalid,
    VaultClient,
    VaultError,
    VaultSettings,
)
from vault_gate.compliance.report.waivers import WaiverError, load_waivers
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT

ENV_KEYS = (
    "STORE_ERP_ENV", "VAULT_ADDR", "STORE_ERP_ROLE_ID", "STORE_ERP_SECRET_ID_FILE",
    "STORE_ERP_WRAPPED_SECRET_ID_FILE", "VAULT_CACERT", "STORE_ERP_CACHE_TTL_S",
    "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL",
)  # fmt: skip
WEIRD_TEXT = st.sampled_from(
    ["", " ", "\x00", "é", "\u202e", "nan", "-1", "inf", "1e400", "http://[::1", "http://h:99999",
     "ftp://127.0.0.1:1", "notaurl", "postgresql://℀:1/x", "../..", "%2e%2e", "a" * 5000]
) | st.text(max_size=40)  # fmt: skip


# -- settings and the environment ------------------------------------------------------


ENVIRONS = st.fixed_dictionaries({}, optional=dict.fromkeys(ENV_KEYS, WEIRD_TEXT))
REQUIRED_ENV = {"VAULT_ADDR": "http://127.0.0.1:1", "STORE_ERP_ROLE_ID": "r",
                "STORE_ERP_SECRET_ID_FILE": "f"}  # fmt: skip


@BAD_INPUT
@given(environ=ENVIRONS)
@example(environ={**REQUIRED_ENV, "VAULT_ADDR": "notaurl"})
@example(environ={**REQUIRED_ENV, "VAULT_ADDR": "http://[::1"})
@example(environ={**REQUIRED_ENV, "STORE_ERP_CACHE_TTL_S": "nan"})
def test_settings_from_any_environment(environ: dict[str, str]) -> None:
    """VAULT_ADDR that requests cannot use raised InvalidURL/MissingSchema/InvalidSchema at
    the first call; a NaN or negative cache TTL was accepted (and disabled the cache)."""
    result = outcome(lambda: VaultSettings.from_environment(environ), VaultError)
    if result.value is not None:
        settings = result.value
        assert settings.addrs and all(a.startswith(("http://", "https://")) for a in settings.addrs)
        assert 0 <= settings.cache_ttl_s < float("inf")


def test_several_nodes_each_checked() -> None:
    """VAULT_ADDR may list a cluster's nodes, comma-separated: each is checked."""
    nodes = "https://127.0.0.1:8200, https://127.0.0.1:8201"
    assert VaultSettings.from_environment({**REQUIRED_ENV, "VAULT_ADDR": nodes}).addrs == (
        "https://127.0.0.1:8200",
        "https://127.0.0.1:8201",
    )
    for bad in ("https://127.0.0.1:8200,http://[::1", "https://127.0.0.1:8200,ftp://x", ","):
        outcome(lambda b=bad: VaultSettings.from_environment({**REQUIRED_ENV, "VAULT_ADDR": b}),
                VaultError)  # fmt: skip


@pytest.fixture(scope="module")
def secret_id_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_private(tmp_path_factory.mktemp("sid") / "secret-id", Secret("x" * 36))


def _offline(addr: str) -> bool:
    """Whether an address makes no request off this machine: refused by the settings,
    or loopback. Generated text must not send DNS queries or traffic anywhere."""
    try:
        settings = VaultSettings.from_environment({**REQUIRED_ENV, "VAULT_ADDR": addr})
    except VaultError:
        return True
    return all(urlsplit(a).hostname == "127.0.0.1" for a in settings.addrs)


@BAD_INPUT
@given(
    environ=ENVIRONS,
    name=st.sampled_from(["dev", "staging", "prod"]),
    password=secret_values(),
)
def test_load_source_without_a_reachable_vault(
    secret_id_file: Path, environ: dict[str, str], name: str, password: Secret
) -> None:
    """Whatever the environment holds, with no Vault answering: the dev fallback or a
    refusal to start, never another exception, and the fallback's password never shown."""
    if not _offline(environ.get("VAULT_ADDR", "")):
        environ.pop("VAULT_ADDR")
    secret_id = secret_id_file
    environ = {
        "STORE_ERP_ROLE_ID": "role",
        "STORE_ERP_SECRET_ID_FILE": str(secret_id),
        "VAULT_ADDR": f"http://127.0.0.1:{free_port()}",
        "SECRET_KEY": "k" * 32,
        "JWT_SECRET_KEY": "j" * 32,
        "DATABASE_URL": f"postgresql://app:{password.reveal()}@127.0.0.1:5432/db",
        **environ,
        "STORE_ERP_ENV": name,
    }
    result = outcome(lambda: load_source(environ), StartupRefused, [password], bound_s=20)
    if result.value is not None:
        assert name == "dev" and isinstance(result.value, EnvironmentSource)


@BAD_INPUT
@given(
    password=secret_values(),
    shape=st.sampled_from(
        [
            "postgresql://app:{p}@[::1:5432/db",  # urlsplit: Invalid IPv6 URL
            "postgresql://app:{p}@h:99999/db",  # port out of range
            "postgresql://app:{p}@h:-1/db",
            "postgresql://app:{p}@\u2100:1/db",  # NFKC: urlsplit quotes the netloc
            "postgresql://app:{p}@/db",
            "postgresql://{p}@h:1/db",
            "{p}",
            "postgresql://app:{p}@h:1/db",  # fine
        ]
    ),
)
def test_fallback_database_url_never_shows_its_password(password: Secret, shape: str) -> None:
    """urlsplit's ValueError escaped EnvironmentSource (the app died with a traceback),
    and for a netloc failing NFKC its message quoted the netloc: password and all."""
    environ = {
        "SECRET_KEY": "k" * 32,
        "JWT_SECRET_KEY": "j" * 32,
        "DATABASE_URL": shape.format(p=password.reveal()),
    }
    outcome(lambda: EnvironmentSource(environ, PROFILES["dev"]), StartupRefused, [password])


# -- what a KV entry holds -------------------------------------------------------------


@BAD_INPUT
@given(data=st.dictionaries(st.sampled_from(["secret_key", "grace_seconds", "x"]), json_values()))
def test_kv_entry_values_of_any_type(data: dict[str, Any]) -> None:
    entry = KVEntry("secret/data/t/jwt", data, 3, "")
    secret = outcome(lambda: entry.secret("secret_key"), VaultError)
    if secret.value is not None:
        assert isinstance(data["secret_key"], str) and data["secret_key"]
    grace = outcome(
        lambda: entry.integer("grace_seconds", 300, maximum=MAX_JWT_GRACE_S), SecretInvalid
    )
    if grace.value is not None:
        # Usable where it is used: a grace window as a timedelta (10**20 overflowed there,
        # a 500 on every request with an old token).
        assert 0 <= grace.value <= MAX_JWT_GRACE_S
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=grace.value)


@BAD_INPUT
@given(secret=secret_values(), key=st.sampled_from(["secret_key", "grace_seconds"]))
def test_a_wrongly_typed_value_is_not_echoed(secret: Secret, key: str) -> None:
    entry = KVEntry(
        "secret/data/t/jwt", {key: [secret.reveal()], "grace_seconds": secret.reveal()}, 1, ""
    )
    outcome(lambda: entry.secret(key), VaultError, [secret])
    outcome(lambda: entry.integer("grace_seconds", 1), SecretInvalid, [secret])


@BAD_INPUT
@given(
    text=st.text(max_size=40)
    | st.from_regex(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.[0-9a-z+:\u0660-\u0669]{0,12})?Z?", fullmatch=True
    )
)
def test_vault_times_of_any_shape(text: str) -> None:
    """A fraction that is not ASCII digits ('.abc', '.123+01:00') raised ValueError."""
    when = outcome(lambda: _parse_time(text), ()).value
    assert when is None or when.tzinfo is not None


# -- payloads as KV returns them, on the real dev server ----------------------------------

TREE = "badinput"
PLANTED = Secret("S3cr3tPlantedPaymentKey" + "0" * 20)
ROLE = "store-erp-badinput"
GOOD_URL_PORT = 5432


def _good_tree() -> dict[str, dict[str, Any]]:
    def token() -> str:
        return secrets.token_urlsafe(32)

    return {
        "flask": {"secret_key": token()},
        "jwt": {"secret_key": token(), "grace_seconds": 300},
        "database": {
            "url": f"postgresql://127.0.0.1:{GOOD_URL_PORT}/store_erp_badinput",
            "credentials_path": f"database/creds/{ROLE}",
        },
        "redis": {"url": "redis://:" + token() + "@127.0.0.1:6379/0"},
        "api": {"payment_api_key": token(), "mail_api_key": token()},
    }


@dataclasses.dataclass
class Scratch:
    root: hvac.Client
    profile: Environment  # store-erp's own view of its environment
    client: VaultClient


@pytest.fixture(scope="module")
def scratch(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    """A tree of its own on the dev server and an AppRole that may read only it."""
    dev = world.env("dev")
    assert dev.server.root_token is not None
    root = dev.server.client(dev.server.root_token)
    root.sys.create_or_update_policy(
        ROLE, f'path "secret/data/store-erp/{TREE}/*" {{ capabilities = ["read"] }}\n'
    )
    root.auth.approle.create_or_update_approle(role_name=ROLE, token_policies=[ROLE])
    role_id = root.auth.approle.read_role_id(role_name=ROLE)["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id(role_name=ROLE)["data"]["secret_id"]
    sid = write_private(tmp_path_factory.mktemp("scratch") / "secret-id", Secret(secret_id))
    client = VaultClient(
        VaultSettings(addr=dev.server.addr, role_id=role_id, secret_id_file=sid, cache_ttl_s=0)
    )
    client.login()
    yield Scratch(root, Environment("dev", TREE, env_fallback_allowed=True), client)
    for name in REQUIRED_KEYS:
        root.secrets.kv.v2.delete_metadata_and_all_versions(
            path=f"store-erp/{TREE}/{name}", mount_point=KV_MOUNT
        )


def _write(scratch: Scratch, tree: dict[str, dict[str, Any]]) -> None:
    for name, data in tree.items():
        scratch.root.secrets.kv.v2.create_or_update_secret(
            path=f"store-erp/{TREE}/{name}", secret=data, mount_point=KV_MOUNT
        )


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings_in(v)]
    return []


WEIRD_PAYLOAD_VALUES = (
    json_values(max_leaves=4)
    | st.sampled_from(
        [
            "", " ", "é" * 3, "\u202e", "a" * 100_000,
            "postgresql://[::1/db", "postgresql://h:99999/db", "postgresql://\u2100:1/db",
            "postgresql://127.0.0.1:5432/", "mysql://127.0.0.1:1/db",
            "postgresql://u:S3cr3tDbPasswordInTheUrl0000@127.0.0.1:5432/db",
            "database/creds/..", "database/creds/%2e%2e", "database/creds/", "database/creds",
            "database/creds/a/../../sys/health", "other/creds/x", "database//creds/x",
            "database/creds/ro\u0000le", "database/creds/" + "r" * 300,
            10**20, -1, "99999999999999999999", "\uff11\uff12",
        ]
    )
)  # fmt: skip


@pytest.mark.servers
@BAD_INPUT_SERVERS
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(sorted(REQUIRED_KEYS)),
            st.sampled_from(["secret_key", "grace_seconds", "url", "credentials_path",
                             "payment_api_key", "mail_api_key", "extra"]),
            st.none() | WEIRD_PAYLOAD_VALUES,  # None: the key is removed
        ),
        min_size=1,
        max_size=3,
    ),
    planted=secret_values(),
)  # fmt: skip
# Found by hand first, kept as examples: each crashed or was accepted before the fixes.
@example(changes=[("database", "url", "postgresql://\u2100:1/db")], planted=PLANTED)
@example(changes=[("database", "url", "postgresql://[::1/db")], planted=PLANTED)
@example(changes=[("jwt", "grace_seconds", 10**20)], planted=PLANTED)
@example(changes=[("database", "credentials_path", "database/creds/..")], planted=PLANTED)
def test_payloads_as_kv_returns_them(
    scratch: Scratch, changes: list[tuple[str, str, Any]], planted: Secret
) -> None:
    """Missing keys, wrong types, huge values, unicode, empty strings, path tricks in
    ``credentials_path``: validate() passes or raises a VaultError (the app then refuses
    to start), never anything else, and no string of the payload shows in the message."""
    tree = _good_tree()
    tree["api"]["payment_api_key"] = planted.reveal()
    for name, key, value in changes:
        if value is None:
            tree[name].pop(key, None)
        else:
            tree[name][key] = value
    _write(scratch, tree)
    source = VaultSource(scratch.client, scratch.profile)
    # Every long, varied string of the payload: values, and whatever was put where a
    # value belongs. The message names entries and keys; it has no business quoting these.
    values = [Secret(s) for s in _strings_in(tree) if len(s) >= 24 and len(set(s)) >= 8]
    values = [v for v in values if v.reveal() not in (f"database/creds/{ROLE}",)]
    result = outcome(source.validate, VaultError, [planted, *values], bound_s=30)
    if result.value is None and result.error is None:
        # It passed: then what the app derives from it is usable as the app uses it.
        key = source.jwt_key()
        assert 0 <= key.grace_s <= MAX_JWT_GRACE_S
        assert source._database_address()[3] == ROLE


@pytest.mark.servers
@pytest.mark.parametrize(
    "credentials_path",
    ["database/creds/..", "database/creds/%2e%2e", "database/creds/", "database/creds/a/../b",
     "secret/creds/x", "database/creds/\u202e"],
)  # fmt: skip
def test_a_credentials_path_that_would_leave_its_mount_is_refused(
    scratch: Scratch, credentials_path: str
) -> None:
    """Only the last segment was used: 'database/creds/..' asked Vault for
    'database/creds/..', which urllib3 resolves to 'database/' before sending."""
    tree = _good_tree()
    tree["database"]["credentials_path"] = credentials_path
    _write(scratch, tree)
    with pytest.raises(SecretInvalid, match="credentials_path"):
        VaultSource(scratch.client, scratch.profile).validate()


# -- the gate's own files: waivers -------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'[[waiver]]\ncriterion = "caf\xe9"\n',
        b"\x00\x01",
        b"[[waiver]]\n[[waiver]]\n",
        b"waiver = 1",
    ],
    ids=["latin-1", "binary", "empty-tables", "not-tables"],
)
def test_bad_waiver_files(tmp_path: Path, content: bytes) -> None:
    """Non-UTF-8 raised UnicodeDecodeError (the gate died in its report plugin)."""
    f = tmp_path / "waivers.toml"
    f.write_bytes(content)
    assert str(f) in str(outcome(lambda: load_waivers(f), WaiverError).error)


def test_a_waiver_file_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    """It blocked forever."""
    fifo = tmp_path / "waivers.toml"
    os.mkfifo(fifo)
    error = outcome(lambda: load_waivers(fifo), WaiverError, bound_s=5).error
    assert "not a regular file" in str(error)

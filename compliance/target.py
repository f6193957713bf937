"""The application the gate judges, as its target file describes it: the judge's only
source of knowledge about an app.

A target is a TOML file; relative paths in it are relative to the file's directory
(``root`` moves the repository's root). Standard library only: the ``vault-gate``
command reads targets without the harness installed. The schema, key by key, is in
docs/target.md; the repository's bundled examples have theirs beside their code
(``sample_apps/ledger/target.toml`` among them).

Names on the server are templates: ``{tree}`` is the target's name for the
environment (``[environments]``, default: dev=development, staging, prod=production)
and ``{env}`` the harness's (dev, staging, prod). Commands run from the target's root;
``python3`` as a command's first word means the harness's own interpreter, and
``{name}`` in an argument is a value the harness provides (see :data:`PROVIDED`).

Unknown keys and missing required ones are errors that name the file and the key.
"""

from __future__ import annotations

import re
import signal
import string
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vault_gate.compliance.profiles import PROFILES, AppNames, Profile

if TYPE_CHECKING:  # imported where used: a target without [server] never needs it
    from vault_gate.compliance.server_config import ServerStanzas

HELP_TIMEOUT_S = 30
DEFAULT_TREES = {"dev": "development", "staging": "staging", "prod": "production"}

# What the harness provides to the app, the set-up, the seed and the rotation tool, by
# name. None of these is a secret except where noted (the set-up's admin inputs).
PROVIDED: dict[str, str] = {
    "environment": "the harness's environment name (dev, staging, prod)",
    "tree": "the target's name for the environment ([environments])",
    "vault_addr": "the Vault server's address (https:// where the profile requires TLS)",
    "vault_cacert": "the CA file that signs the server's certificate (empty without TLS)",
    "role_id": "the app's AppRole role_id, read from the server after the set-up",
    "secret_id_file": "a 0600 file holding a fresh secret_id",
    "wrapped_secret_id_file": "a 0600 file holding a response-wrapping token for a secret_id",
    "database_host": "the environment's PostgreSQL host (127.0.0.1)",
    "database_port": "the environment's PostgreSQL port",
    "database_name": "the environment's database ([database] name)",
    "token_file": "a 0600 file holding the tool's Vault token (rotation, set-up)",
    "grace_s": "the target's grace window in seconds ([rotation] grace_s)",
    # Set-up only: the admin login Vault's database engine connects with; the set-up
    # hands it to Vault, which then rotates it so that only Vault knows it.
    "database_admin_user": "the admin role ([database] admin_role) Vault connects as",
    "database_admin_password": "its password (set-up only; Vault rotates it afterwards)",
}
SETUP_ONLY = frozenset({"database_admin_user", "database_admin_password", "token_file"})
# The test user's login, for the seed command only ([app.login] seed).
SEED_PARTS: dict[str, str] = {
    "username": "the test user's name",
    "password": "the test user's password (env or stdin only)",
}
# Parts that are secrets: never on a command line (where ps and /proc show them to every
# user of the machine), only in ``env`` or ``stdin``.
SECRET_PARTS = frozenset({"database_admin_password", "password"})
# What each command of the target may be given, by part name.
CONTEXTS: dict[str, frozenset[str]] = {
    "setup": frozenset(PROVIDED) - {"token_file"},
    "database": frozenset(
        {"environment", "tree", "database_host", "database_port", "database_name",
         "database_admin_user", "database_admin_password"}
    ),
    "seed": (frozenset(PROVIDED) - SETUP_ONLY) | frozenset(SEED_PARTS),
    "rotation": frozenset(PROVIDED) - {"database_admin_user", "database_admin_password"},
    "app": frozenset(PROVIDED) - SETUP_ONLY,
}  # fmt: skip
# Where the rotation's grace window starts ([rotation] grace_from).
GRACE_FROM = ("tool_end", "version_created", "app_noticed")
# Target-declared server configuration ([server]): the environments it may name.
SERVER_ENVS = ("staging", "prod")

TOP_REQUIRED = ("name", "source", "docs", "workflows")
TOP_OPTIONAL = (
    "root", "fallback", "tools", "vault_paths", "scan_exclude", "scan_allowlist", "app",
    "policies", "environments", "vault", "setup", "database", "rotation", "credential_env",
    "doc_variable_prefixes", "env_secrets", "env_allow", "server",
)  # fmt: skip
VAULT_KEYS = (
    "kv_mount", "secrets", "reads", "policies", "approle_mount", "approle",
    "database_mount", "database_role",
)  # fmt: skip
APP_KEYS = (
    "command", "health", "stop_signal", "rotate", "env", "cache_ttl_s", "login", "request",
    "session", "versions", "refused", "write", "diagnostics", "outage", "fallback", "cluster",
    "install",
)  # fmt: skip
LOGIN_KEYS = ("seed", "method", "path", "ok", "json", "token", "cookie")
REQUEST_KEYS = ("method", "path", "ok", "header", "scheme")
ITEMS_KEYS = ("items", "item_id")  # [app.request] only: the records its answer lists
WRITE_KEYS = (*REQUEST_KEYS, "json", "id")
# What the app says of itself ([app.diagnostics]): each a dotted key of its JSON answer.
DIAGNOSTICS_FIELDS = (
    "vault_logins", "token_renewals", "vault_addr", "database_logins", "secrets_source",
)  # fmt: skip
DIAGNOSTICS_KEYS = ("path", *DIAGNOSTICS_FIELDS, "fallback_source")
# The causes of an outage the app names in its answer ([app.outage]), in its own words.
OUTAGE_CAUSES = ("unreachable", "sealed", "login_refused", "audit_failed")
OUTAGE_KEYS = ("status", "reason", *OUTAGE_CAUSES, "secret_id_hint")
FALLBACK_KEYS = ("variables", "banner", "refusal")
# What the harness provides to the rollback path's variables ([app.fallback] variables).
FALLBACK_PROVIDED: dict[str, str] = {
    "random": "a fresh random value (32 bytes, URL-safe base64)",
    "database_url": "postgresql://USER:PASSWORD@HOST:PORT/DB with a login Vault issued",
    "database_user": "the user of a login Vault issued for the app's database role",
    "database_password": "its password",
    "database_host": "the environment's PostgreSQL host",
    "database_port": "the environment's PostgreSQL port",
    "database_name": "the environment's database",
}
CLUSTER_KEYS = ("separator",)
SETUP_KEYS = ("command", "env", "timeout_s", "stdin")
DATABASE_KEYS = ("name", "sql", "admin_role", "command")
ROTATION_KEYS = ("command", "policy", "grace_s", "timeout_s", "env", "stdin", "grace_from")
VERSIONS_KEYS = ("path", "key", "entry")
FROM_SERVER = "server"  # policies = { from = "server" }: read back what the set-up wrote
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RANDOM = "{random}"


class TargetError(ValueError):
    """A target file that cannot be used; the message names the file and the key."""


def interpreter(arg: str) -> str:
    """``python3`` as a command's first word runs the harness's own interpreter."""
    return sys.executable if arg == "python3" else arg


_PART = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{name}`` replaced; unknown names are left as written, and
    so is ``{{name}}`` (Vault's own templates, e.g. a database role's ``{{password}}``)."""

    def one(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PART.sub(one, template)


def parts(template: str) -> list[str]:
    """The ``{name}`` parts a template fills (not Vault's ``{{name}}``)."""
    return _PART.findall(template)


@dataclass(frozen=True)
class Command:
    """A command of the target's, run from its root with provided values filled in."""

    argv: tuple[str, ...]
    # VAR -> provided name, "=literal", or a template of provided parts ("{a}:{b}")
    env: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 120.0
    stdin: str | None = None  # a template of provided parts, written to its standard input

    def resolve(self, values: Mapping[str, str]) -> list[str]:
        return [interpreter(self.argv[0]), *(fill(a, values) for a in self.argv[1:])]

    def environment(self, values: Mapping[str, str]) -> dict[str, str]:
        return resolve_env(self.env, values)

    def input(self, values: Mapping[str, str]) -> str | None:
        """What its standard input gets (None: nothing, as before stdin existed)."""
        return None if self.stdin is None else fill(self.stdin, values)


def resolve_env(mapping: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """VAR -> value: ``"=text"`` is a literal, ``"...{part}..."`` a template of provided
    parts (left out when one of them has no value here), anything else a provided value
    (left out when the harness has none for this start, e.g. no CA file without TLS)."""
    out: dict[str, str] = {}
    for var, source in mapping.items():
        if source.startswith("="):
            out[var] = source[1:]
        elif "{" in source:
            if all(values.get(p) for p in parts(source)):
                out[var] = fill(source, values)
        elif values.get(source):
            out[var] = values[source]
    return out


@dataclass(frozen=True)
class Probe:
    """One HTTP request of the app's contract."""

    method: str
    path: str
    ok: tuple[int, ...] = (200,)
    header: str = "Authorization"
    scheme: str = "Bearer"


@dataclass(frozen=True)
class WriteSpec:
    """An authenticated write (load and fault scenarios prove no write is lost): the
    request, its JSON body (``{n}`` is a counter) and the dotted key of the new id."""

    request: Probe
    body: Mapping[str, Any]
    id: str = "id"


@dataclass(frozen=True)
class LoginSpec:
    """How a test user logs in: seeded by the target's command, then a request whose
    JSON answer holds the credential at ``token`` (a dotted key); ``cookie`` names the
    session cookie the answer sets, if the app has one."""

    request: Probe
    body: Mapping[str, Any]
    token: str = ""
    cookie: str = ""
    seed: Command | None = None


@dataclass(frozen=True)
class VersionsSpec:
    """Where the app says which KV versions it serves ([app.versions]): ``path`` answers
    JSON; at the dotted ``key`` either ``{entry: {"version": n}}`` (one per entry), or,
    with ``entry`` (a KV entry template, e.g. ``{tree}/app``), one number: that entry's."""

    path: str
    key: str = ""
    entry: str = ""


@dataclass(frozen=True)
class ItemsSpec:
    """Where the authenticated request's answer lists the records ([app.request] items):
    the dotted key of the list (``"."``: the answer is the list itself), and the dotted
    key of a record's id in each item (the same id ``[app.write] id`` names in a write's
    answer)."""

    key: str
    item_id: str = "id"


@dataclass(frozen=True)
class DiagnosticsSpec:
    """What the app says of itself, and where ([app.diagnostics]): ``path`` answers JSON;
    ``fields`` maps each of :data:`DIAGNOSTICS_FIELDS` it reports to its dotted key."""

    path: str
    fields: Mapping[str, str] = field(default_factory=dict)
    fallback_source: str = ""  # the secrets_source value meaning "from the environment"


@dataclass(frozen=True)
class OutageSpec:
    """What the app answers while Vault cannot serve ([app.outage]): the status, where the
    reason is (a dotted JSON key; "" = the body's text), and the app's words for each
    cause of :data:`OUTAGE_CAUSES`."""

    words: Mapping[str, str]
    status: int = 503
    reason: str = ""
    secret_id_hint: str = ""  # what the reason adds when the secret_id file's is refused


@dataclass(frozen=True)
class FallbackSpec:
    """The rollback path ([app.fallback]): the variables it reads (VAR -> a name of
    :data:`FALLBACK_PROVIDED`, or ``"=literal"``), the banner the app logs when it falls
    back, and the lines it logs when it refuses to (``{environment}``/``{tree}`` filled in)."""

    variables: Mapping[str, str]
    banner: str
    refusal: tuple[str, ...]


@dataclass(frozen=True)
class ClusterSpec:
    """The app takes several Vault nodes in its address variable, joined by ``separator``."""

    separator: str = ","


@dataclass(frozen=True)
class AppSpec:
    """How to start the target's application and talk to it."""

    command: tuple[str, ...]
    health: str = "/health"
    stop_signal: str = "SIGTERM"
    env: Mapping[str, str] = field(default_factory=dict)
    cache_ttl_s: float = 0.0
    login: LoginSpec | None = None
    request: Probe | None = None  # an authenticated request (credential from login)
    session: Probe | None = None  # a request authenticated by the session cookie only
    versions: VersionsSpec | None = None  # where it says which KV versions it serves
    refused: tuple[int, ...] = (401, 403)
    write: WriteSpec | None = None  # an authenticated write whose answer names what it made
    rotate: tuple[str, ...] = ()  # older schema: the rotation command ([rotation] now)
    items: ItemsSpec | None = None  # where [app.request]'s answer lists the records
    diagnostics: DiagnosticsSpec | None = None
    outage: OutageSpec | None = None
    fallback: FallbackSpec | None = None
    cluster: ClusterSpec | None = None
    # The app's own dependency install (``npm ci``), run once from the target's root
    # before the app first starts (fixtures/install.py).
    install: Command | None = None

    def argv(self, port: int) -> list[str]:
        return [
            interpreter(self.command[0]),
            *(a.replace("{port}", str(port)) for a in self.command[1:]),
        ]

    def rotate_argv(self) -> list[str]:
        return [interpreter(a) for a in self.rotate]


@dataclass(frozen=True)
class SecretEntry:
    """A KV entry the target declares: its path under the mount and, per secret key, a
    value template (``{random}`` is a fresh random value the harness generates)."""

    path: str  # template, logical (no data/), e.g. "{tree}/app"
    keys: Mapping[str, str]


@dataclass(frozen=True)
class VaultSpec:
    """What the target's set-up makes on the server, by name (templates)."""

    kv_mount: str = "secret"
    secrets: tuple[SecretEntry, ...] = ()
    reads: tuple[str, ...] = ()  # further KV entries the app reads (non-secret config)
    policies: tuple[str, ...] = ()  # policy names the app's role holds
    approle_mount: str = "approle"
    approle: str = ""
    database_mount: str = "database"
    database_role: str = ""


@dataclass(frozen=True)
class DatabaseSpec:
    """The environment's database: its name, the target's SQL (schema, roles) run by an
    admin login, and the role Vault's database engine connects as."""

    name: str
    sql: tuple[Path, ...] = ()
    admin_role: str = ""
    command: Command | None = None  # the target's own database set-up (after sql)


@dataclass(frozen=True)
class RotationSpec:
    command: Command
    policy: str = ""  # the rotation tool's token policy file ({tree}: one per environment)
    grace_s: float = 1.0
    grace_from: str = "tool_end"  # where the grace window starts (GRACE_FROM)
    policy_name: str = ""  # policy = { from = "server", name = ... }: the set-up wrote it


@dataclass(frozen=True)
class Target:
    name: str
    root: Path
    source: tuple[str, ...]
    docs_dir: Path
    workflows: tuple[str, ...]
    policies: str = ""  # the app's policy file per environment ({tree}), for static analysis
    policies_from_server: bool = False  # policies = { from = "server" }
    fallback_files: tuple[Path, ...] = ()
    tools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    vault_paths: tuple[str, ...] = ()
    scan_exclude: tuple[str, ...] = ()
    scan_allowlist: Path | None = None
    app: AppSpec | None = None
    trees: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TREES))
    vault: VaultSpec = field(default_factory=VaultSpec)
    setup: Command | None = None
    database: DatabaseSpec | None = None
    rotation: RotationSpec | None = None
    credential_env: tuple[str, ...] = ()
    doc_variable_prefixes: tuple[str, ...] = ()
    env_secrets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    server: Mapping[str, Path] = field(default_factory=dict)  # env -> config stanzas file
    # Variables whose names look secret but are not (reviewed): secrets_migrated lets the
    # code read them from the environment (compliance/code/names.py).
    env_allow: tuple[str, ...] = ()
    path: Path | None = None  # the target file itself

    # ------------------------------------------------------------------ names
    def tree(self, env: str) -> str:
        try:
            return self.trees[env]
        except KeyError:
            raise TargetError(f"{self.path}: [environments] has no entry for {env!r}") from None

    def names(self, env: str) -> dict[str, str]:
        """Template values for ``env``: ``{tree}`` and ``{env}``."""
        return {"tree": self.tree(env), "env": env}

    def named(self, template: str, env: str) -> str:
        return fill(template, self.names(env))

    def approle(self, env: str) -> str:
        return self.named(self.vault.approle, env)

    def app_policies(self, env: str) -> list[str]:
        return [self.named(p, env) for p in self.vault.policies]

    def database_role(self, env: str) -> str:
        return self.named(self.vault.database_role, env)

    def rotation_policy(self, env: str) -> Path | None:
        """The rotation tool's policy file for ``env`` ({tree} and {env} filled in)."""
        if self.rotation is None or not self.rotation.policy:
            return None
        return self.root / self.named(self.rotation.policy, env)

    def rotation_policy_name(self, env: str) -> str:
        """The rotation tool's policy on the server, where the set-up wrote it ("" if the
        target gives a file instead)."""
        if self.rotation is None or not self.rotation.policy_name:
            return ""
        return self.named(self.rotation.policy_name, env)

    def server_stanzas(self, env: str) -> ServerStanzas | None:
        """The target's own server config stanzas for ``env`` (None: the harness's)."""
        from vault_gate.compliance.server_config import load_stanzas

        file = self.server.get(env)
        return load_stanzas(file) if file is not None else None

    def versions_entry(self, env: str) -> str:
        """The entry ``[app.versions] entry`` names, relative to the KV prefix ("")."""
        if self.app is None or self.app.versions is None or not self.app.versions.entry:
            return ""
        full, prefix = self.named(self.app.versions.entry, env), self.kv_prefix(env)
        return full[len(prefix) + 1 :] if prefix and full.startswith(prefix + "/") else full

    def database_name(self, env: str) -> str:
        if self.database is None:
            return ""
        return self.named(self.database.name, env)

    def secret_entries(self, env: str) -> list[SecretEntry]:
        return [SecretEntry(self.named(e.path, env), e.keys) for e in self.secrets_of()]

    def secrets_of(self) -> tuple[SecretEntry, ...]:
        return self.vault.secrets

    def read_entries(self, env: str) -> list[str]:
        """Every KV entry (logical path) the app reads: its secrets and its config."""
        out = [e.path for e in self.secret_entries(env)]
        out += [self.named(r, env) for r in self.vault.reads]
        return list(dict.fromkeys(out))

    def migrated_secrets(self, env: str) -> dict[str, tuple[str, str]]:
        """Each variable the app used to read (``env_secrets``) -> (entry relative to the
        environment's KV prefix, key)."""
        prefix = self.kv_prefix(env)
        out = {}
        for var, (path, key) in self.env_secrets.items():
            full = self.named(path, env)
            rel = full[len(prefix) + 1 :] if prefix and full.startswith(prefix + "/") else full
            out[var] = (rel, key)
        return out

    def kv_prefix(self, env: str) -> str:
        """The longest path prefix (whole segments) shared by the environment's entries."""
        entries = [p.split("/") for p in self.read_entries(env)]
        if not entries:
            return ""
        common: list[str] = []
        for parts in zip(*[e[:-1] for e in entries], strict=False):
            if len(set(parts)) != 1:
                break
            common.append(parts[0])
        return "/".join(common)

    def bind(self, profile: Profile) -> Profile:
        """``profile`` with this target's names on the server for its environment (and,
        for least privilege, its names in the other environments). Where the target
        declares its own server config ([server]), the environment's audit devices are
        the ones it declares, and an environment whose stanzas differ from those of the
        others on its server gets a server of its own."""
        others = tuple(self.app_names(e) for e in self.trees if e != profile.name)
        bound = replace(profile, tree=self.tree(profile.name),
                        names=replace(self.app_names(profile.name), others=others))  # fmt: skip
        if profile.name not in self.server:
            return bound
        mine = self.server_stanzas(profile.name)
        sharing = [e for e in SERVER_ENVS if e != profile.name]
        alone = any(not mine.same_server(self.server_stanzas(e)) for e in sharing)
        return replace(
            bound,
            audit_devices=mine.devices,
            server=profile.name if alone else profile.server,
            server_config=str(self.server[profile.name]),
        )

    def app_names(self, env: str) -> AppNames:
        """What the app calls things on the server in ``env``."""
        prefix = self.kv_prefix(env)
        entries = tuple(
            p[len(prefix) + 1 :] if prefix and p.startswith(prefix + "/") else p
            for p in self.read_entries(env)
        )
        return AppNames(
            approle=self.approle(env),
            policies=tuple(self.app_policies(env)),
            kv_mount=self.vault.kv_mount,
            kv_prefix=prefix,
            entries=entries,
            database_role=self.database_role(env),
            database_name=self.database_name(env),
            approle_mount=self.vault.approle_mount,
            database_mount=self.vault.database_mount,
            tree=self.tree(env),
        )

    def profiles(self, profiles: Mapping[str, Profile] | None = None) -> dict[str, Profile]:
        """Every environment's profile, bound to this target."""
        return {n: self.bind(p) for n, p in (profiles or PROFILES).items()}

    # ------------------------------------------------------------------ files
    def source_files(self) -> list[Path]:
        return sorted({p for pattern in self.source for p in self.root.glob(pattern)})

    def workflow_files(self) -> list[Path]:
        return sorted({p for pattern in self.workflows for p in self.root.glob(pattern)})

    def _by_tree(self, tree: str) -> dict[str, str]:
        env = next((e for e, t in self.trees.items() if t == tree), tree)
        return {"tree": tree, "env": env}

    def policy_file(self, tree: str) -> Path:
        return self.root / fill(self.policies, self._by_tree(tree))

    def vault_paths_for(self, tree: str) -> list[str]:
        return [fill(p, self._by_tree(tree)) for p in self.vault_paths]

    def relative(self, path: Path | str) -> str:
        """A path as the report shows it: relative to the target's root where it lies there."""
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.root))
        except ValueError:
            return str(p)

    def lacks(self, declared: str) -> list[str]:
        """What of ``declared`` this target does not declare ([] when it has it all).

        ``declared`` names sections and keys as a scenario needs them, e.g.
        ``"[app.outage] and [app.diagnostics] vault_logins, database_logins"``: a
        scenario whose contract the target lacks is not run, and says which part."""
        found = _REQUIREMENT.findall(declared)
        if not found:
            raise ValueError(f"{declared!r} names no [section]")
        gaps: list[str] = []
        for section, rest in found:
            keys = [k for k in re.split(r"[\s,]+", rest) if k and k != "and"]
            gaps += _gaps(self.app, section, keys)
        return gaps

    def tool_help(self) -> dict[str, str]:
        """Each tool's --help text, run from the target's root (bounded in time)."""
        out = {}
        for name, argv in self.tools.items():
            cmd = [interpreter(argv[0]), *argv[1:]]
            try:
                done = subprocess.run(  # noqa: S603 - argv from the reviewed target file
                    cmd, cwd=self.root, capture_output=True, text=True,
                    timeout=HELP_TIMEOUT_S, check=False,
                )  # fmt: skip
                out[name] = done.stdout + done.stderr
            except (OSError, subprocess.TimeoutExpired) as exc:
                out[name] = f"(could not run {name}: {type(exc).__name__})"
        return out


_REQUIREMENT = re.compile(r"\[([a-z.]+)\]([^\[]*)")
_APP_PARTS = (
    "login", "request", "session", "versions", "write", "diagnostics", "outage", "fallback",
    "cluster",
)  # fmt: skip


def _gaps(app: AppSpec | None, section: str, keys: list[str]) -> list[str]:
    """The parts of ``[section] keys`` that ``app`` does not declare."""
    if section == "app":
        return [] if app is not None else ["[app]"]
    part = section.removeprefix("app.")
    if part not in _APP_PARTS or part == section:
        raise ValueError(f"[{section}] is not a part of the app's contract")
    known = {"request": ITEMS_KEYS[:1], "diagnostics": DIAGNOSTICS_FIELDS}.get(part, ())
    for key in keys:
        if key not in known:
            raise ValueError(f"[{section}] {key}: not a key a scenario can require")
    spec = getattr(app, part) if app is not None else None
    if spec is None:
        return [f"[{section}]"]
    if part == "request":
        return [] if app.items is not None or not keys else [f"[{section}] items"]  # type: ignore[union-attr]
    return [f"[{section}] {key}" for key in keys if key not in getattr(spec, "fields", {})]


# ---------------------------------------------------------------------- loading


class _Reader:
    """Typed access to one table of the file; every error names the file and the key."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path, self.data, self.where = path, data, where

    def error(self, key: str, what: str) -> TargetError:
        return TargetError(f"{self.path}: {self.where}{key}: {what}")

    def only(self, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
        unknown = sorted(set(self.data) - set(allowed))
        if unknown:
            raise TargetError(f"{self.path}: {self.where}unknown key(s): {', '.join(unknown)}")
        missing = [k for k in required if k not in self.data]
        if missing:
            raise TargetError(f"{self.path}: {self.where}missing key(s): {', '.join(missing)}")

    def string(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return tuple(value)

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
            raise self.error(key, "must be a number of seconds from 0 to 3600")
        return float(value)

    def codes(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in value
        ):
            raise self.error(key, "must be a list of HTTP status codes")
        return tuple(value)

    def table(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return _Reader(self.path, value, f"{self.where}[{key}] ".replace("] [", "."))

    def command(
        self, key: str, keys: tuple[str, ...] = SETUP_KEYS, context: str = "setup"
    ) -> Command | None:
        """A command: a list of strings, or a table with ``command`` (and env, timeout,
        stdin). Every ``{part}`` must be one ``context`` provides, and no secret part may
        be on the command line (env or stdin only)."""
        value = self.data.get(key)
        if value is None:
            return None
        known = CONTEXTS[context]
        if isinstance(value, list):
            argv = _argv(self, key, value)
            _check_argv(self, key, argv, known)
            return Command(argv)
        sub = self.table(key)
        assert sub is not None
        sub.only(keys, ("command",))
        argv = _argv(sub, "command", sub.data["command"])
        _check_argv(sub, "command", argv, known)
        stdin = None
        if "stdin" in sub.data:
            stdin = sub.string("stdin")
            _check_parts(sub, "stdin", stdin, known)
        return Command(
            argv,
            env=sub.env_map("env", context),
            timeout_s=sub.number("timeout_s", 120.0) or 120.0,
            stdin=stdin,
        )

    def env_map(self, key: str, context: str = "app") -> dict[str, str]:
        """VAR -> provided name, ``{ value = "literal" }`` (kept as ``"=literal"``), or
        ``{ template = "...{part}..." }`` (kept as the template: parts joined into one
        value, e.g. a DSN from the database login's parts)."""
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "must be a table of VARIABLE = provided name")
        known = CONTEXTS[context]
        out: dict[str, str] = {}
        for var, source in value.items():
            if not _NAME.match(var):
                raise self.error(key, f"{var!r} is not an environment variable name")
            if (
                isinstance(source, dict)
                and set(source) == {"value"}
                and isinstance(source["value"], str | int | float)
            ):
                out[var] = "=" + str(source["value"])
            elif isinstance(source, dict) and set(source) == {"template"}:
                template = source["template"]
                if not isinstance(template, str) or not parts(template):
                    raise self.error(
                        key, f"{var}: a template is a string holding at least one {{part}}"
                    )
                if template.startswith("="):
                    raise self.error(key, f"{var}: a template cannot start with '='")
                _check_parts(self, f"{key}.{var}", template, known)
                out[var] = template
            elif isinstance(source, str) and source in known:
                out[var] = source
            else:
                raise self.error(
                    key,
                    f"{var} = {source!r}: not a provided value here; known: "
                    f"{', '.join(sorted(known))} "
                    '(or { value = "literal" }, or { template = "...{part}..." })',
                )
        return out


def _check_parts(reader: _Reader, key: str, template: str, known: frozenset[str]) -> None:
    """Every ``{part}`` of ``template`` is one the harness provides here."""
    unknown = [p for p in parts(template) if p not in known]
    if unknown:
        raise reader.error(
            key,
            f"{{{unknown[0]}}} is not a part the harness provides here; known: "
            f"{', '.join(sorted(known))}",
        )


def _check_argv(reader: _Reader, key: str, argv: tuple[str, ...], known: frozenset[str]) -> None:
    for arg in argv[1:]:
        _check_parts(reader, key, arg, known)
        secret = [p for p in parts(arg) if p in SECRET_PARTS]
        if secret:
            raise reader.error(
                key,
                f"{{{secret[0]}}} on a command line (every user of the machine can read it "
                "there): pass it in env or stdin",
            )


def _argv(reader: _Reader, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(a, str) for a in value):
        raise reader.error(key, "must be a non-empty list of strings")
    return tuple(value)


def _check_template(path: Path, key: str, template: str, *, vault_path: bool) -> None:
    """A path template may hold ``{tree}``/``{env}`` and nothing else in braces; a Vault
    path must, once filled in, be a plain one: no empty, ``.`` or ``..`` segments (urllib3
    would resolve them away), no ``%``, no control characters, no leading ``/``."""
    try:
        fields_ = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError:
        raise TargetError(f"{path}: {key}: unbalanced '{{' or '}}' in {template!r}") from None
    if any(f not in ("tree", "env") for f in fields_):
        raise TargetError(
            f"{path}: {key}: only {{tree}} or {{env}} may be filled in, in {template!r}"
        )
    if not template.isprintable():
        raise TargetError(f"{path}: {key}: control characters in {template!a}")
    if not vault_path:
        return
    filled = template.format(tree="tree", env="env")
    if "%" in filled or any(s in ("", ".", "..") for s in filled.split("/")):
        raise TargetError(
            f"{path}: {key}: {template!r} is not a plain Vault path (no empty, '.' or '..' "
            "segments, no leading or trailing '/', no '%')"
        )


def load_target(path: Path) -> Target:
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise TargetError(f"{path}: not a regular file")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise TargetError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise TargetError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    top = _Reader(path, data)
    top.only(TOP_REQUIRED + TOP_OPTIONAL, TOP_REQUIRED)
    base = path.resolve().parent
    root = (base / top.string("root", ".")).resolve()
    if not root.is_dir():
        raise TargetError(f"{path}: root {root} is not a directory")

    tools = data.get("tools", {})
    if not isinstance(tools, dict) or not all(
        isinstance(v, list) and v and all(isinstance(a, str) for a in v) for v in tools.values()
    ):
        raise TargetError(f"{path}: tools must map names to command lists")
    for key in ("name", "docs"):
        top.string(key)
    policies, policies_from_server = "", False
    if isinstance(data.get("policies"), dict):
        policies_from_server = _from_server(top, "policies")
    else:
        policies = top.string("policies")
    if policies:
        _check_template(path, "policies", policies, vault_path=False)
    for i, vault_path in enumerate(top.strings("vault_paths")):
        _check_template(path, f"vault_paths[{i}]", vault_path, vault_path=True)
    trees = _trees(top)
    rotation = _rotation_spec(top, root)
    app = _app_spec(top)
    if (
        rotation is not None
        and rotation.grace_from == "app_noticed"
        and (app is None or app.versions is None)
    ):
        raise TargetError(
            f"{path}: [rotation] grace_from: app_noticed is measured from the app's "
            "versions probe: it needs [app.versions]"
        )
    return Target(
        name=data["name"],
        root=root,
        source=top.strings("source"),
        docs_dir=root / data["docs"],
        workflows=top.strings("workflows"),
        policies=policies,
        policies_from_server=policies_from_server,
        fallback_files=tuple(root / f for f in top.strings("fallback")),
        tools={k: tuple(v) for k, v in tools.items()},
        vault_paths=top.strings("vault_paths"),
        scan_exclude=top.strings("scan_exclude"),
        scan_allowlist=root / top.string("scan_allowlist") if "scan_allowlist" in data else None,
        app=app,
        trees=trees,
        vault=_vault_spec(top),
        setup=top.command("setup"),
        database=_database_spec(top, root),
        rotation=rotation,
        credential_env=_names(top, "credential_env"),
        doc_variable_prefixes=top.strings("doc_variable_prefixes"),
        env_secrets=_env_secrets(top),
        server=_server_spec(top, root),
        env_allow=_names(top, "env_allow"),
        path=path.resolve(),
    )


def _from_server(reader: _Reader, key: str, extra: tuple[str, ...] = ()) -> bool:
    """``key = { from = "server" }``: what the set-up wrote, read back from the server."""
    sub = reader.table(key)
    assert sub is not None
    sub.only(("from", *extra), ("from", *extra))
    if sub.string("from") != FROM_SERVER:
        raise sub.error("from", f'must be "{FROM_SERVER}" (or give a file instead of a table)')
    return True


def _server_spec(top: _Reader, root: Path) -> dict[str, Path]:
    """[server] staging/prod = "file.hcl": the target's own server config stanzas."""
    from vault_gate.compliance.server_config import StanzaError, load_stanzas

    sub = top.table("server")
    if sub is None:
        return {}
    sub.only(SERVER_ENVS)
    out = {}
    for env in SERVER_ENVS:
        if env not in sub.data:
            continue
        file = root / sub.string(env)
        if not file.is_file():
            raise sub.error(env, f"{file} is not a file")
        try:
            load_stanzas(file)
        except StanzaError as exc:
            raise sub.error(env, f"a stanza the server would refuse: {exc}") from None
        out[env] = file
    return out


def _names(reader: _Reader, key: str) -> tuple[str, ...]:
    names = reader.strings(key)
    for n in names:
        if not _NAME.match(n):
            raise reader.error(key, f"{n!r} is not an environment variable name")
    return names


def _env_secrets(top: _Reader) -> dict[str, tuple[str, str]]:
    """``VAR = "entry/path:key"``: where the secret the app read from VAR now lives."""
    value = top.data.get("env_secrets", {})
    if not isinstance(value, dict):
        raise top.error("env_secrets", 'must be a table of VARIABLE = "kv/entry:key"')
    out = {}
    for var, where in value.items():
        if not _NAME.match(var) or not isinstance(where, str) or where.count(":") != 1:
            raise top.error("env_secrets", f'{var}: must be VARIABLE = "kv/entry/path:key"')
        path, key = where.split(":")
        _check_template(top.path, f"env_secrets.{var}", path, vault_path=True)
        out[var] = (path, key)
    return out


def _trees(top: _Reader) -> dict[str, str]:
    sub = top.table("environments")
    if sub is None:
        return dict(DEFAULT_TREES)
    sub.only(tuple(DEFAULT_TREES), tuple(DEFAULT_TREES))
    out = {}
    for env in DEFAULT_TREES:
        tree = sub.string(env)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", tree):
            raise sub.error(env, f"{tree!r} is not a plain name (letters, digits, - and _)")
        out[env] = tree
    return out


def _vault_spec(top: _Reader) -> VaultSpec:
    sub = top.table("vault")
    if sub is None:
        return VaultSpec()
    sub.only(VAULT_KEYS)
    entries = []
    table = sub.data.get("secrets", {})
    if not isinstance(table, dict):
        raise sub.error("secrets", 'must be a table of "path" = [keys] or { key = "template" }')
    for entry_path, keys in table.items():
        _check_template(top.path, f"[vault.secrets] {entry_path!r}", entry_path, vault_path=True)
        if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
            values = {k: _RANDOM for k in keys}
        elif isinstance(keys, dict) and keys and all(isinstance(v, str) for v in keys.values()):
            values = dict(keys)
            lacking = [k for k, v in values.items() if _RANDOM not in v]
            if lacking:
                raise sub.error(
                    "secrets",
                    f"{entry_path}: {', '.join(lacking)}: a secret's template must hold "
                    f"{_RANDOM} (the harness writes fresh values, never constants)",
                )
        else:
            raise sub.error(
                "secrets", f"{entry_path}: must be a list of key names or a table of templates"
            )
        entries.append(SecretEntry(entry_path, values))
    for key in ("kv_mount", "approle_mount", "database_mount", "approle", "database_role"):
        value = sub.string(key)
        if value:
            _check_template(top.path, f"[vault] {key}", value, vault_path=True)
    reads = sub.strings("reads")
    for r in reads:
        _check_template(top.path, "[vault] reads", r, vault_path=True)
    return VaultSpec(
        kv_mount=sub.string("kv_mount", "secret"),
        secrets=tuple(entries),
        reads=reads,
        policies=sub.strings("policies"),
        approle_mount=sub.string("approle_mount", "approle"),
        approle=sub.string("approle"),
        database_mount=sub.string("database_mount", "database"),
        database_role=sub.string("database_role"),
    )


def _database_spec(top: _Reader, root: Path) -> DatabaseSpec | None:
    sub = top.table("database")
    if sub is None:
        return None
    sub.only(DATABASE_KEYS, ("name",))
    name = sub.string("name")
    if not re.fullmatch(r"[a-z_][a-z0-9_{}]*", name):
        raise sub.error("name", f"{name!r}: lower-case letters, digits, _ and {{tree}} only")
    sql = tuple(root / f for f in sub.strings("sql"))
    for f in sql:
        if not f.is_file():
            raise sub.error("sql", f"{f} is not a file")
    return DatabaseSpec(
        name=name,
        sql=sql,
        admin_role=sub.string("admin_role"),
        command=sub.command("command", SETUP_KEYS, "database"),
    )


def _rotation_spec(top: _Reader, root: Path) -> RotationSpec | None:
    sub = top.table("rotation")
    if sub is None:
        return None
    sub.only(ROTATION_KEYS, ("command",))
    command = top.command("rotation", ROTATION_KEYS, "rotation")
    assert command is not None
    policy, policy_name = "", ""
    if isinstance(sub.data.get("policy"), dict):
        _from_server(sub, "policy", ("name",))
        policy_name = sub.table("policy").string("name")  # type: ignore[union-attr]
        _check_template(top.path, "[rotation] policy.name", policy_name, vault_path=True)
    else:
        policy = sub.string("policy")
    grace_from = sub.string("grace_from", GRACE_FROM[0])
    if grace_from not in GRACE_FROM:
        raise sub.error("grace_from", f"{grace_from!r}: one of {', '.join(GRACE_FROM)}")
    if policy:
        _check_template(top.path, "[rotation] policy", policy, vault_path=False)
        for env, tree in _trees(top).items():
            file = root / fill(policy, {"tree": tree, "env": env})
            if not file.is_file():
                raise sub.error("policy", f"{file} is not a file")
    return RotationSpec(
        command=command,
        policy=policy,
        grace_s=sub.number("grace_s", 1.0),
        grace_from=grace_from,
        policy_name=policy_name,
    )


def _probe(sub: _Reader | None, default_ok: tuple[int, ...]) -> Probe | None:
    if sub is None:
        return None
    sub.only(REQUEST_KEYS, ("path",))
    path = sub.string("path")
    if not path.startswith("/"):
        raise sub.error("path", f"{path!r} must start with '/'")
    method = sub.string("method", "GET").upper()
    if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise sub.error("method", f"{method!r} is not an HTTP method")
    return Probe(
        method=method,
        path=path,
        ok=sub.codes("ok", default_ok),
        header=sub.string("header", "Authorization"),
        scheme=sub.string("scheme", "Bearer"),
    )


def _dotted_key(reader: _Reader, key: str, value: str) -> str:
    """A dotted JSON key (``vault.logins``): plain segments, none empty."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", value):
        raise reader.error(key, f'{value!r} is not a dotted JSON key (e.g. "vault.logins")')
    return value


def _request_spec(sub: _Reader) -> tuple[Probe | None, ItemsSpec | None]:
    """[app.request]: the probe, and where its answer lists the records (``items``)."""
    table = sub.table("request")
    if table is None:
        return None, None
    plain = {k: v for k, v in table.data.items() if k not in ITEMS_KEYS}
    probe = _probe(_Reader(table.path, plain, table.where), (200,))
    items = None
    if "items" in table.data:
        listed = table.string("items")
        items = ItemsSpec(
            listed if listed == "." else _dotted_key(table, "items", listed),
            _dotted_key(table, "item_id", table.string("item_id", "id")),
        )
    elif "item_id" in table.data:
        raise table.error("item_id", "needs items (the key of the list it is an id in)")
    return probe, items


def _diagnostics_spec(sub: _Reader) -> DiagnosticsSpec | None:
    table = sub.table("diagnostics")
    if table is None:
        return None
    table.only(DIAGNOSTICS_KEYS, ("path",))
    path = table.string("path")
    if not path.startswith("/"):
        raise table.error("path", f"{path!r} must start with '/'")
    fields_ = {
        k: _dotted_key(table, k, table.string(k)) for k in DIAGNOSTICS_FIELDS if k in table.data
    }
    if not fields_:
        raise table.error(
            "path", f"says nothing: name at least one of {', '.join(DIAGNOSTICS_FIELDS)}"
        )
    fallback_source = table.string("fallback_source")
    if ("secrets_source" in fields_) != bool(fallback_source):
        raise table.error(
            "fallback_source",
            "secrets_source and fallback_source go together (where the app says where its "
            "secrets come from, and the value meaning the environment)",
        )
    return DiagnosticsSpec(path, fields_, fallback_source)


def _outage_spec(sub: _Reader) -> OutageSpec | None:
    table = sub.table("outage")
    if table is None:
        return None
    table.only(OUTAGE_KEYS, OUTAGE_CAUSES)
    status = table.data.get("status", 503)
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise table.error("status", f"{status!r} is not one HTTP error status (400-599)")
    reason = table.string("reason")
    if reason:
        _dotted_key(table, "reason", reason)
    words = {}
    for cause in OUTAGE_CAUSES:
        words[cause] = table.string(cause)
        if not words[cause].strip():
            raise table.error(cause, "the app's words for this cause cannot be empty")
    return OutageSpec(words, status, reason, table.string("secret_id_hint"))


def _fallback_spec(sub: _Reader) -> FallbackSpec | None:
    table = sub.table("fallback")
    if table is None:
        return None
    table.only(FALLBACK_KEYS, FALLBACK_KEYS)
    value = table.data["variables"]
    if not isinstance(value, dict) or not value:
        raise table.error("variables", "must be a table of VARIABLE = what the harness provides")
    variables: dict[str, str] = {}
    for var, source in value.items():
        if not _NAME.match(var):
            raise table.error("variables", f"{var!r} is not an environment variable name")
        if (
            isinstance(source, dict)
            and set(source) == {"value"}
            and isinstance(source["value"], str | int | float)
        ):
            variables[var] = "=" + str(source["value"])
        elif isinstance(source, str) and source in FALLBACK_PROVIDED:
            variables[var] = source
        else:
            raise table.error(
                "variables",
                f"{var} = {source!r}: not something the harness provides; known: "
                f'{", ".join(FALLBACK_PROVIDED)} (or {{ value = "literal" }})',
            )
    banner = table.string("banner")
    refusal = table.strings("refusal")
    if not banner.strip() or not refusal or not all(line.strip() for line in refusal):
        raise table.error(
            "banner" if not banner.strip() else "refusal",
            "must say what the app logs (a check for empty words cannot fail)",
        )
    for line in (banner, *refusal):
        _check_fill(table, "refusal", line)
    return FallbackSpec(variables, banner, refusal)


def _check_fill(reader: _Reader, key: str, text: str) -> None:
    """Only ``{environment}`` and ``{tree}`` may be filled in a logged line."""
    unknown = [n for n in re.findall(r"\{([^{}]*)\}", text) if n not in ("environment", "tree")]
    if unknown:
        raise reader.error(key, f"only {{environment}} or {{tree}} may be filled in, not {unknown}")


def _cluster_spec(sub: _Reader) -> ClusterSpec | None:
    table = sub.table("cluster")
    if table is None:
        return None
    table.only(CLUSTER_KEYS, CLUSTER_KEYS)
    separator = table.string("separator")
    if len(separator) != 1 or separator.isalnum() or separator in ":/.":
        raise table.error("separator", f"{separator!r}: one character that is not part of a URL")
    return ClusterSpec(separator)


def _app_spec(top: _Reader) -> AppSpec | None:
    sub = top.table("app")
    if sub is None:
        return None
    sub.only(APP_KEYS)
    for key in ("command", "rotate"):
        sub.strings(key)
    if not sub.data.get("command"):
        raise TargetError(f"{top.path}: [app] needs a command")
    command = sub.strings("command")
    if not any("{port}" in a for a in command):
        raise TargetError(f"{top.path}: [app] command must contain {{port}} (where it listens)")
    stop = sub.string("stop_signal", "SIGTERM")
    if not stop.startswith("SIG") or not hasattr(signal, stop):
        raise TargetError(f"{top.path}: [app] stop_signal {stop!r} is not a signal name")
    login = None
    login_table = sub.table("login")
    if login_table is not None:
        login_table.only(LOGIN_KEYS, ("path",))
        body = login_table.data.get("json", {})
        if not isinstance(body, dict):
            raise login_table.error("json", "must be a table (the request's JSON body)")
        login = LoginSpec(
            request=_probe(
                _Reader(
                    top.path,
                    {k: v for k, v in login_table.data.items() if k in ("method", "path", "ok")},
                    "[app.login] ",
                ),
                (200,),
            )
            or Probe("POST", "/"),
            body=body,
            token=login_table.string("token"),
            cookie=login_table.string("cookie"),
            seed=login_table.command("seed", SETUP_KEYS, "seed"),
        )
        if not login.token and not login.cookie:
            raise login_table.error("token", "a login must yield a token or a cookie (or both)")
    write = None
    wt = sub.table("write")
    if wt is not None:
        wt.only(WRITE_KEYS, ("path",))
        body = wt.data.get("json", {})
        if not isinstance(body, dict):
            raise wt.error("json", "must be a table (the request's JSON body)")
        plain = {k: v for k, v in wt.data.items() if k in REQUEST_KEYS}
        probe = _probe(_Reader(top.path, plain, "[app.write] "), (200, 201))
        assert probe is not None
        write = WriteSpec(probe, body, wt.string("id", "id"))
    request, items = _request_spec(sub)
    versions = None
    vt = sub.table("versions")
    if vt is not None:
        vt.only(VERSIONS_KEYS, ("path",))
        vpath = vt.string("path")
        if not vpath.startswith("/"):
            raise vt.error("path", f"{vpath!r} must start with '/'")
        key = vt.string("key")
        if key:
            _dotted_key(vt, "key", key)
        entry = vt.string("entry")
        if entry:
            _check_template(top.path, "[app.versions] entry", entry, vault_path=True)
            if not key:
                raise vt.error("entry", "needs key (the dotted key of the one number)")
        versions = VersionsSpec(vpath, key, entry)
    return AppSpec(
        command=command,
        health=sub.string("health", "/health"),
        stop_signal=stop,
        env=sub.env_map("env", "app"),
        cache_ttl_s=sub.number("cache_ttl_s", 0.0),
        login=login,
        request=request,
        session=_probe(sub.table("session"), (200,)),
        versions=versions,
        refused=sub.codes("refused", (401, 403)),
        write=write,
        rotate=sub.strings("rotate"),
        items=items,
        diagnostics=_diagnostics_spec(sub),
        outage=_outage_spec(sub),
        fallback=_fallback_spec(sub),
        cluster=_cluster_spec(sub),
        install=sub.command("install"),
    )

"""The target keys added for applications written outside this project (issue 23): each
one read as documented, and each bad value one error naming the target file and the key,
exit status 2 from the sign-off before any server starts.

The keys: templated values from provided parts (``{ template = ... }`` in an ``env``
table), ``stdin`` of a command, ``{username}``/``{password}`` in a seed's arguments,
``[database] command``, ``policies = { from = "server" }`` and ``[rotation] policy =
{ from = "server", name = ... }``, ``[app.versions] entry`` (one number), ``[server]``
(the target's own server config stanzas), ``[rotation] grace_from``, and a bare-list
answer (``[app.request] items = "."``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vault_gate.compliance.server_config import StanzaError, parse_stanzas
from vault_gate.compliance.target import TargetError, fill, load_target, resolve_env

ROOT = Path(__file__).resolve().parent.parent
PARCELS = ROOT / "sample_apps" / "parcels" / "target.toml"

BASE = """
name = "t"
source = ["app/*.py"]
docs = "docs"
workflows = []
"""
AUDIT = """
audit "file" "main" {
  options {
    file_path = "{audit_log}"
    log_raw   = "false"
  }
}
"""


def _target(tmp_path: Path, body: str, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    path = tmp_path / "target.toml"
    path.write_text(BASE + body)
    return path


def _error(tmp_path: Path, body: str, files: dict[str, str] | None = None) -> str:
    with pytest.raises(TargetError) as err:
        load_target(_target(tmp_path, body, files))
    message = str(err.value)
    assert str(tmp_path / "target.toml") in message, message
    return message


# ---------------------------------------------------------------------- good values


def test_the_parcels_target_uses_every_new_key() -> None:
    t = load_target(PARCELS)
    assert t.policies_from_server and t.rotation is not None and t.app is not None
    assert t.rotation.policy_name == "parcels-rotator-{tree}"
    assert t.rotation_policy_name("prod") == "parcels-rotator-prod"
    assert t.rotation.grace_from == "version_created"
    assert t.app.login is not None and t.app.login.seed is not None
    assert t.app.login.seed.stdin == "{password}\n"
    assert t.app.versions is not None and t.versions_entry("staging") == "keys"
    assert t.app.items is not None and t.app.items.key == "."
    assert t.database is not None and t.database.command is not None
    assert t.setup is not None and "{database_admin_password}" in t.setup.env["DB_ADMIN_DSN"]
    profiles = t.profiles()
    assert profiles["prod"].audit_devices == ("parcels-audit",)
    assert profiles["staging"].server == profiles["prod"].server  # same stanzas: one server


def test_a_template_joins_provided_parts_and_leaves_vault_templates_alone() -> None:
    values = {"database_admin_user": "u", "database_admin_password": "p w", "database_host": "h"}
    env = resolve_env({"DSN": "postgresql://{database_admin_user}:{database_admin_password}@"
                       "{database_host}/{{name}}"}, values)  # fmt: skip
    assert env == {"DSN": "postgresql://u:p w@h/{{name}}"}
    assert resolve_env({"CA": "x{vault_cacert}"}, {"vault_cacert": ""}) == {}  # a part lacks
    assert fill("{{password}} {password}", {"password": "s"}) == "{{password}} s"


def test_seed_arguments_get_the_username_and_stdin_the_password(tmp_path: Path) -> None:
    t = load_target(
        _target(
            tmp_path,
            """
[app]
command = ["python3", "-m", "app", "{port}"]
[app.login]
seed = { command = ["python3", "-m", "app.seed", "--user", "{username}"], stdin = "{password}\\n" }
path = "/login"
token = "token"
""",
        )
    )
    seed = t.app.login.seed  # type: ignore[union-attr]
    values = {"username": "alice", "password": "s3cret"}
    assert seed.resolve(values)[1:] == ["-m", "app.seed", "--user", "alice"]
    assert seed.input(values) == "s3cret\n"


def test_a_differing_server_config_gets_a_server_of_its_own(tmp_path: Path) -> None:
    raw = AUDIT.replace('"false"', '"true"')
    t = load_target(
        _target(
            tmp_path,
            '[server]\nstaging = "qa.hcl"\nprod = "prod.hcl"\n',
            {"qa.hcl": AUDIT, "prod.hcl": raw},
        )
    )
    profiles = t.profiles()
    assert profiles["prod"].server != profiles["staging"].server
    assert t.server_stanzas("prod").audit[0].log_raw  # type: ignore[union-attr]


def test_no_audit_device_declared_leaves_the_environment_none(tmp_path: Path) -> None:
    t = load_target(
        _target(tmp_path, '[server]\nprod = "prod.hcl"\n', {"prod.hcl": 'listener "tcp" {}\n'})
    )
    assert t.profiles()["prod"].audit_devices == ()
    assert t.profiles()["staging"].audit_devices == ("file",)  # the harness's, undeclared


# ---------------------------------------------------------------------- bad values

BAD = {
    "an unknown part in an env template": (
        '[setup]\ncommand = ["bash", "s.sh"]\nenv = { DSN = { template = "{database_nope}" } }\n',
        "{database_nope}",
    ),
    "a template with no part": (
        '[setup]\ncommand = ["bash", "s.sh"]\nenv = { DSN = { template = "plain" } }\n',
        "at least one {part}",
    ),
    "the admin password on the set-up's command line": (
        '[setup]\ncommand = ["bash", "s.sh", "{database_admin_password}"]\n',
        "on a command line",
    ),
    "the test password in the seed's arguments": (
        '[app]\ncommand = ["x", "{port}"]\n[app.login]\npath = "/l"\ntoken = "t"\n'
        'seed = { command = ["seed", "{password}"] }\n',
        "on a command line",
    ),
    "a setup-only value in the seed's stdin": (
        '[app]\ncommand = ["x", "{port}"]\n[app.login]\npath = "/l"\ntoken = "t"\n'
        'seed = { command = ["seed"], stdin = "{database_admin_password}" }\n',
        "stdin",
    ),
    "an unknown part in a stdin template": (
        '[setup]\ncommand = ["bash", "s.sh"]\nstdin = "{root_token}"\n',
        "{root_token}",
    ),
    "the test user's password in the app's environment": (
        '[app]\ncommand = ["x", "{port}"]\nenv = { P = { template = "{password}" } }\n',
        "{password}",
    ),
    "an unknown part in the database command": (
        '[database]\nname = "d"\ncommand = { command = ["bash", "i.sh", "{vault_addr}"] }\n',
        "{vault_addr}",
    ),
    "policies from somewhere else": ('policies = { from = "git" }\n', "from"),
    "a rotation policy from the server without its name": (
        '[rotation]\ncommand = ["r"]\npolicy = { from = "server" }\n',
        "name",
    ),
    "an unknown grace start": (
        '[rotation]\ncommand = ["r"]\ngrace_from = "whenever"\n',
        "grace_from",
    ),
    "grace from the app's notice without a versions probe": (
        '[app]\ncommand = ["x", "{port}"]\n[rotation]\ncommand = ["r"]\n'
        'grace_from = "app_noticed"\n',
        "[app.versions]",
    ),
    "a versions entry without its key": (
        '[app]\ncommand = ["x", "{port}"]\n[app.versions]\npath = "/h"\nentry = "{tree}/k"\n',
        "entry",
    ),
    "a versions entry outside the environment's names": (
        '[app]\ncommand = ["x", "{port}"]\n[app.versions]\npath = "/h"\nkey = "v"\n'
        'entry = "{stage}/k"\n',
        "[app.versions] entry",
    ),
    "a server config for an environment it cannot have": ('[server]\ndev = "x.hcl"\n', "dev"),
    "a server config that is not there": ('[server]\nprod = "none.hcl"\n', "prod"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path, case: str) -> None:
    body, says = BAD[case]
    assert says in _error(tmp_path, body)


STANZAS = {
    "an audit device writing elsewhere": (
        AUDIT.replace("{audit_log}", "/var/log/a.log"),
        "file_path",
    ),
    "an audit option the device does not have": (
        AUDIT.replace("log_raw", "log_everything"),
        "options.log_everything",
    ),
    "a boolean Go cannot read": (AUDIT.replace('"false"', '"nope"'), "options.log_raw"),
    "a socket device": (AUDIT.replace('"file" "main"', '"socket" "main"'), "socket"),
    "a storage stanza": ('storage "raft" {\n  path = "/x"\n}\n', "storage"),
    "a listener address": ('listener "tcp" {\n  address = "0.0.0.0:8200"\n}\n', "address"),
    "an unknown TLS version": ('listener "tcp" {\n  tls_min_version = "tls9"\n}\n', "tls9"),
    "not HCL": ('audit "file" {\n', "not HCL"),
    "two file devices": (AUDIT + AUDIT.replace('"main"', '"second"'), "one file device"),
}


@pytest.mark.parametrize("case", sorted(STANZAS))
def test_a_stanza_the_server_would_refuse_is_bad_input(tmp_path: Path, case: str) -> None:
    text, says = STANZAS[case]
    with pytest.raises(StanzaError) as err:
        parse_stanzas(text, "prod.hcl")
    assert says in str(err.value) and "prod.hcl" in str(err.value)
    message = _error(tmp_path, '[server]\nprod = "prod.hcl"\n', {"prod.hcl": text})
    assert "[server] prod" in message and says in message


def test_the_signoff_stops_on_a_bad_target_with_exit_2_before_any_server(tmp_path: Path) -> None:
    path = _target(
        tmp_path, '[setup]\ncommand = ["bash", "s.sh"]\nenv = { DSN = { template = "{nope}" } }\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "steps/test_success_criteria.py", "-k",
         "success_criteria", "-p", "no:cacheprovider", "--target", str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert str(path) in out and "env" in out and "{nope}" in out
    assert "vault-gate could not start its servers" not in out  # nothing was started

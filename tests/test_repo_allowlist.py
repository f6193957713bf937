"""Reviewed false positives of the repository scan: allowed by fingerprint, with a reason;
never a live secret value or a committed .env file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from vault_gate.compliance.scan.repo import check_no_secrets_in_repo, load_allowlist, scan_paths
from vault_gate.compliance.secret import Secret


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in files.items():
        (repo / name).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    return repo


def test_a_reviewed_false_positive_is_allowed_and_shown(tmp_path: Path) -> None:
    password = "Zq" + os.urandom(8).hex()
    repo = _repo(tmp_path, {"settings.ini": f"[db]\nurl = postgresql://app:{password}@db/app\n"})
    [finding] = scan_paths([repo])
    result = check_no_secrets_in_repo(
        repo, "dev", [], allowed={finding.fingerprint: "a documented test fixture"}
    )
    assert result.passed, result.explain()
    assert any(
        e.found == "a documented test fixture" and "reviewed false positive" in e.looked_at
        for e in result.evidence
    )


def test_a_known_value_or_env_file_is_never_allowed(tmp_path: Path) -> None:
    value = Secret("Kv" + os.urandom(10).hex())
    repo = _repo(tmp_path, {"notes.txt": f"key {value.reveal()}\n", ".env": "A=1\n"})
    allowed = {f.fingerprint: "nice try" for f in scan_paths([repo], known_values=[value])}
    result = check_no_secrets_in_repo(repo, "dev", [value], allowed=allowed)
    text = "\n".join(result.findings)
    assert "known secret value" in text and "committed .env file" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[allow]]\nfingerprint = "abc"\nreason = "x"\n', "must be a sha256"),
        ('[[allow]]\nfingerprint = "sha256:0123456789ab"\n', "a reason is required"),
        ("[[allow]\n", "cannot be used as an allowlist"),
    ],
)
def test_bad_allowlists_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "allow.toml"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        load_allowlist(path)


def test_the_projects_allowlist_loads() -> None:
    root = Path(__file__).resolve().parent.parent
    allowed = load_allowlist(root / "vault" / "scan-allowlist.toml")
    assert allowed and all(reason for reason in allowed.values())

"""Priority-1 correctness of the scan: NUL-separated text is text, a named path is
scanned whatever .gitignore says, and every run says what it scanned and skipped."""

from __future__ import annotations

import json
import secrets
import string
import subprocess
import sys
from pathlib import Path

from vault_gate.compliance.scan.detectors import VaultTokenDetector
from vault_gate.compliance.scan.repo import (
    SKIP_BINARY,
    SKIP_SYMLINK,
    WHERE_IGNORED,
    is_nul_separated_text,
    scan,
)

BASE62 = string.ascii_letters + string.digits
TOKEN = VaultTokenDetector.secret_type


def _token() -> str:
    return "hvs." + "".join(secrets.choice(BASE62) for _ in range(24))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_environ_capture_is_scanned_as_text(tmp_path: Path) -> None:
    token = _token()
    environ = tmp_path / "environ"
    environ.write_bytes(b"PATH=/usr/bin\0HOME=/root\0VAULT_TOKEN=" + token.encode() + b"\0")
    report = scan([environ])
    assert [(f.line, f.kind) for f in report.findings if f.kind == TOKEN] == [(3, TOKEN)]
    assert report.nul_separated == 1
    assert token not in repr(report.findings)


def test_binary_files_stay_binary(tmp_path: Path) -> None:
    elf = tmp_path / "a.out"
    elf.write_bytes(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0" + _token().encode())
    utf16 = tmp_path / "notes.txt"
    utf16.write_bytes("VAULT_TOKEN=x".encode("utf-16-le"))
    assert not is_nul_separated_text(elf.read_bytes())
    assert not is_nul_separated_text(utf16.read_bytes())
    report = scan([tmp_path])
    assert report.skipped[SKIP_BINARY] == 2
    assert report.findings == []


def test_named_path_ignored_by_git_is_scanned_and_says_so(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "captures").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / ".gitignore").write_text("captures/\n.env\n")
    (repo / "captures" / "dump.txt").write_text(f"token {_token()}\n")
    (repo / ".env").write_text("A=1\n")
    report = scan([repo / "captures"], ignored=True)
    assert [(f.path, f.kind, f.where) for f in report.findings] == [
        ("dump.txt", TOKEN, WHERE_IGNORED)
    ]
    assert report.files[WHERE_IGNORED] == 1
    whole = scan([repo], ignored=True)
    assert {(f.path, f.where) for f in whole.findings} >= {
        ("captures/dump.txt", WHERE_IGNORED),
        (".env", WHERE_IGNORED),
    }
    # The repository check's default: what git ignores is not the repository.
    assert scan([repo]).findings == []


def test_cli_scans_ignored_path_and_prints_a_summary(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "captures").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / ".gitignore").write_text("captures/\n")
    token = _token()
    (repo / "captures" / "dump.txt").write_text(f"token {token}\n")
    (repo / "captures" / "link").symlink_to("dump.txt")
    summary = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", "scan", "--json", "--summary-json",
         str(summary), str(repo / "captures")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    assert [(f["path"], f["where"]) for f in findings] == [("dump.txt", WHERE_IGNORED)]
    assert "scanned 1 files (1 on disk, ignored by git)" in proc.stderr
    assert f"1 {SKIP_SYMLINK}" in proc.stderr
    data = json.loads(summary.read_text())
    assert data["files_scanned"] == {WHERE_IGNORED: 1}
    assert data["skipped"] == {SKIP_SYMLINK: 1}
    assert token not in proc.stdout + proc.stderr + summary.read_text()


def test_summary_counts_history_commits_and_bytes(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("hello\n")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    report = scan([repo], history=True)
    assert report.commits == 1
    assert report.bytes_scanned["working tree"] == 6
    assert "1 commits" in report.summary_line()

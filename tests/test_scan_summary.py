"""Priority-1 correctness of the scan: NUL-separated text is text, a named path is
scanned whatever .gitignore says, and every run says what it scanned and skipped."""

from __future__ import annotations

import json
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

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
    # the third record, on the file's one line: as a viewer (or another scanner) shows it
    assert [(f.line, f.kind) for f in report.findings if f.kind == TOKEN] == [(1, TOKEN)]
    assert report.nul_separated == 1
    two_lines = tmp_path / "environ.txt"  # a capture with a newline: records map to lines
    two_lines.write_bytes(b"A=1\nB=2\0C=3\0VAULT_TOKEN=" + token.encode() + b"\0")
    report = scan([two_lines])
    assert [(f.line, f.kind) for f in report.findings if f.kind == TOKEN] == [(2, TOKEN)]
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
    # shown under the root as it was named: findings under two roots never read the same
    named = (repo / "captures" / "dump.txt").as_posix()
    assert [(f["path"], f["where"]) for f in findings] == [(named, WHERE_IGNORED)]
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


def test_large_files_are_read_in_overlapping_pieces_with_their_own_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small pieces here (the sizes are the module's knobs): tokens on both sides of
    every cut, in a many-line file and in a one-line file, each found once at its line."""
    from vault_gate.compliance.scan import stream

    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 2_000)
    monkeypatch.setattr(stream, "PIECE_BYTES", 4_096)
    monkeypatch.setattr(stream, "OVERLAP_BYTES", 512)
    tokens = [_token() for _ in range(6)]
    lines = [f"INFO request {i} ok path=/api/items/{i}" for i in range(1500)]
    at = [1, 103, 104, 700, 1201, 1500]
    for n, token in zip(at, tokens, strict=True):
        lines[n - 1] = f"export VAULT_TOKEN={token}"
    (tmp_path / "app.log").write_text("\n".join(lines) + "\n")
    one = ",".join(f'"k{i}":"{"x" * 90}"' for i in range(600))
    cut = stream.PIECE_BYTES - 20  # a token across the first cut of the one line
    one = one[:cut] + f',"VAULT_TOKEN":"{tokens[0]}",' + one[cut:]
    (tmp_path / "one.json").write_text("{" + one + "}")
    report = scan([tmp_path], workers=1)
    got = sorted((f.path, f.line) for f in report.findings if f.kind == TOKEN)
    assert got == [("app.log", n) for n in at] + [("one.json", 1)]
    assert report.files == {"working tree": 2}
    assert all(t not in repr(report.findings) for t in tokens)


CLI = (sys.executable, "-m", "vault_gate.compliance.cli")


def test_files_over_the_size_limit_are_named_on_their_own_line(tmp_path: Path) -> None:
    (tmp_path / "big.log").write_text("x" * 5000 + "\n")
    proc = subprocess.run(
        [*CLI, "scan", "--max-file-size", "4k", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"not scanned: {tmp_path.as_posix()}/big.log (5001 bytes > --max-file-size 4096)" in (
        proc.stderr
    )
    bad = subprocess.run(
        [*CLI, "scan", "--max-file-size", "4q", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "--max-file-size: '4q': not a size" in bad.stderr

"""``vault-gate`` with bad files and arguments: exit 2 and one line naming the problem.

In-process through ``main(argv)`` (fast), and as a real process where only a process
can say it (arguments that are not UTF-8). Never a traceback, never a hang (a FIFO
given as a file blocked before), never a value from a known-values file in the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input import BAD_INPUT, outcome, secret_values
from hypothesis import given
from hypothesis import strategies as st
from store_erp_target import TARGET_FILE as STORE_ERP_TARGET

from vault_gate.compliance.cli import main as vault_gate
from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
POLICY = str(ROOT / "vault" / "policies" / "store-erp-production.hcl")

# name -> how to make the bad file in a directory
BAD_FILES: dict[str, Callable[[Path], Path]] = {}


def bad_file(name: str) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def register(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
        BAD_FILES[name] = make
        return make

    return register


@bad_file("missing")
def _missing(d: Path) -> Path:
    return d / "missing"


@bad_file("directory")
def _directory(d: Path) -> Path:
    (d / "dir").mkdir()
    return d / "dir"


@bad_file("fifo")
def _fifo(d: Path) -> Path:
    os.mkfifo(d / "fifo", 0o600)
    return d / "fifo"


@bad_file("not-utf8")
def _latin1(d: Path) -> Path:
    (d / "latin1").write_bytes(b'path "caf\xe9" { capabilities = ["read"] }\n\xff\n')
    (d / "latin1").chmod(0o600)
    return d / "latin1"


@bad_file("empty")
def _empty(d: Path) -> Path:
    (d / "empty").write_bytes(b"")
    (d / "empty").chmod(0o600)
    return d / "empty"


@bad_file("malformed")
def _malformed(d: Path) -> Path:
    (d / "malformed").write_text('path "a" { capabilities = ["read" }\n{{{')
    (d / "malformed").chmod(0o600)
    return d / "malformed"


@bad_file("deep-json")
def _deep(d: Path) -> Path:
    (d / "deep.json").write_text('{"path": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return d / "deep.json"


@bad_file("surrogate")
def _surrogate(d: Path) -> Path:
    (d / "s.json").write_text('{"path": {"a/\\ud800/+": {"capabilities": ["read"]}}}')
    return d / "s.json"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    def call() -> int:
        try:
            return vault_gate(argv)
        except SystemExit as exc:  # argparse's own usage errors
            return int(exc.code or 0)

    code = outcome(call, (), bound_s=30).value
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize(
    "command",
    [["policy", "capabilities", "--path", "secret/x", "--policy"],
     ["policy", "check", "--target", str(STORE_ERP_TARGET), "--env", "prod", "--policy"],
     ["audit", "summary"]],
    ids=["capabilities", "check", "audit"],
)  # fmt: skip
def test_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, command: list[str]
) -> None:
    path = BAD_FILES[kind](tmp_path)
    code, out, err = _run([*command, str(path)], capsys)
    if command[0] == "audit" and kind in ("empty", "not-utf8", "malformed", "deep-json",
                                          "surrogate"):  # fmt: skip
        assert code == 0, err  # a log with no entries or corrupt lines: a summary saying so
        return
    if command[0] == "policy" and kind == "empty":
        # The server refuses to store an empty policy ("'policy' parameter not supplied
        # or empty"), and so does the analyzer; a file of white space is no rules.
        assert code == 2 and "empty policy" in err and str(path) in err, err
        return
    assert code == 2, (kind, out, err)
    assert err.startswith("vault-gate: error: ") and str(path) in err, err


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "not-utf8", "world-readable"])
@pytest.mark.parametrize("command", [["scan"], ["scan-env", "1"]], ids=["scan", "scan-env"])
def test_bad_known_values_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, command: list[str]
) -> None:
    """A FIFO blocked forever; a non-UTF-8 file raised UnicodeDecodeError (a traceback)."""
    if kind == "world-readable":
        path = tmp_path / "known"
        path.write_text("v" * 30 + "\n")
        path.chmod(0o644)
    else:
        path = BAD_FILES[kind](tmp_path)
    target = [str(tmp_path / "scan-me")] if command == ["scan"] else []
    (tmp_path / "scan-me").mkdir(exist_ok=True)
    code, _, err = _run([*command, *target, "--known-values", str(path)], capsys)
    assert code == 2 and str(path) in err, err


@pytest.mark.parametrize("pid", ["0", "-5", "999999999", "99999999999999999999"])
def test_scan_env_of_no_process(capsys: pytest.CaptureFixture[str], pid: str) -> None:
    """Was exit 1 with a finding ("could not read /proc/0"): bad input, not a finding."""
    code, _, err = _run(["scan-env", "--", pid], capsys)
    assert code == 2 and "no such process" in err and pid in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            [
                "policy",
                "check",
                "--target",
                str(STORE_ERP_TARGET),
                "--env",
                "qa",
                "--policy",
                POLICY,
            ],
            "unknown environment 'qa'",
        ),
        (["scan-env", "abc"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
        (["policy", "capabilities", "--policy", POLICY], "--path"),
        (["scan"], "PATH"),
        ([], "required"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], argv: list[str], says: str) -> None:
    code, _, err = _run(argv, capsys)
    assert code == 2 and says in err, err


@BAD_INPUT
@given(
    secret=secret_values(),
    argv=st.lists(
        st.sampled_from(["policy", "check", "capabilities", "audit", "summary", "scan-env",
                         "--policy", "--path", "--env", "--json", "--allow", "--known-values",
                         "prod", "dev", "1", "0", "-1", "--", "-", "", "\u202e", "%2e%2e/.."])
        | st.text(max_size=12),
        max_size=7,
    ),
)  # fmt: skip
def test_any_arguments(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    secret: Secret,
    argv: list[str],
) -> None:
    """Any argument list (``scan`` left out: it would walk whatever directory it was
    given): exit 0, 1 or 2, and a known value never printed."""
    known = tmp_path_factory.mktemp("kv") / "known"
    known.write_text(secret.reveal() + "\n")
    known.chmod(0o600)
    argv = [str(known) if a == "--known-values" else a for a in argv]
    argv = [*argv, "--known-values", str(known)] if "scan-env" in argv[:1] else argv
    if argv[:1] == ["scan"]:
        return
    code, out, err = _run(argv, capsys)
    assert code in (0, 1, 2), (code, err)
    assert_no_leak(out + err, [secret], "vault-gate's output")


def test_arguments_that_are_not_utf8(tmp_path: Path) -> None:
    """A file name with a byte that is not UTF-8 reached the JSON output as a lone
    surrogate, and orjson raised TypeError there (a traceback after the work was done)."""
    name = os.fsencode(tmp_path) + b"/p\xff.hcl"
    with open(name, "w") as fh:
        fh.write('path "secret/data/store-erp/production/*" { capabilities = ["read"] }\n')
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"vault_gate.compliance.cli", b"policy", b"check",
         b"--env", b"prod", b"--json", b"--policy", name],
        capture_output=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert b"not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr


# -- live mode (vault-gate check): what fails before any request ---------------------------


@pytest.mark.parametrize(
    ("addr", "token", "says"),
    [
        ("http://[::1", b"t" * 20, "--addr"),  # urlsplit's ValueError was a traceback
        ("http://127.0.0.1:99999", b"t" * 20, "--addr"),  # was "not reachable: InvalidURL"
        ("http://127.0.0.1:1", b"tok\xff\n", "not printable ASCII"),  # UnicodeEncodeError
        ("http://127.0.0.1:1", "tok\u00e9n".encode(), "not printable ASCII"),
    ],
    ids=["ipv6-unclosed", "port-out-of-range", "token-not-utf8", "token-not-ascii"],
)
def test_live_check_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], addr: str, token: bytes, says: str
) -> None:
    token_file = tmp_path / "token"
    token_file.write_bytes(token)
    token_file.chmod(0o600)
    argv = ["check", "--env", "prod", "--addr", addr, "--token-file", str(token_file)]
    code, _, err = _run(argv, capsys)
    assert code == 2 and says in err, err


@pytest.mark.parametrize("option", ["--token-file", "--target", "--agent-sink"])
@pytest.mark.parametrize("kind", ["missing", "fifo", "not-utf8", "directory"])
def test_live_check_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, kind: str
) -> None:
    path = BAD_FILES[kind](tmp_path)
    argv = ["check", "--env", "prod", "--addr", "http://127.0.0.1:1", option, str(path)]
    if option == "--target":
        token = tmp_path / "token"
        token.write_text("t" * 20)
        token.chmod(0o600)
        argv += ["--token-file", str(token)]
    code, _, err = _run(argv, capsys)
    assert code == 2 and str(path) in err, err


# -- the suites' own bound, shown able to fail ----------------------------------------------


def test_a_hang_fails_within_its_bound() -> None:
    import time

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"no answer within 0\.5 s"):
        outcome(lambda: time.sleep(30), (), bound_s=0.5)
    assert time.monotonic() - started < 10


def test_an_unexpected_exception_type_fails_naming_only_fingerprints() -> None:
    secret = Secret("S3cr3t" + "q" * 30)

    def crash() -> None:
        raise KeyError(secret.reveal())

    with pytest.raises(AssertionError, match="unexpected KeyError") as info:
        outcome(crash, ValueError, [secret])
    assert_no_leak(str(info.value), [secret], "the suite's own failure message")
    assert secret.fingerprint in str(info.value)

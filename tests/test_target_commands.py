"""The target's own commands (set-up, seed, rotation) as real processes: a command that
fails, hangs or does not exist is one clear error naming the target file's section,
the command, its exit status and its last lines, with known values fingerprinted; and
a sign-off whose target set-up fails stops everything and presents no verdict."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.commands import TargetCommandError, base_environment, run_command

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "sample_apps" / "ledger"


def test_a_failing_command_names_itself_its_status_and_its_output(tmp_path: Path) -> None:
    value = Secret("s3cr3t-" + "x" * 20)
    script = tmp_path / "setup.sh"
    script.write_text(f"echo 'enabling kv'\necho 'login with {value.reveal()}' >&2\nexit 7\n")
    with pytest.raises(TargetCommandError) as info:
        run_command(
            "target.toml: [setup] (prod)", ["bash", str(script)], cwd=tmp_path,
            env=base_environment(tmp_path), timeout_s=30, redact=(value,),
        )  # fmt: skip
    text = str(info.value)
    assert "target.toml: [setup] (prod): exit status 7" in text
    assert f"bash {script}" in text and "enabling kv" in text
    assert value.reveal() not in text and value.fingerprint in text


def test_a_hanging_command_is_stopped_within_its_bound(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(
        TargetCommandError, match=r"\[rotation\] \(dev\): did not finish within 1 s"
    ):
        run_command(
            "target.toml: [rotation] (dev)", ["sleep", "30"], cwd=tmp_path,
            env=base_environment(tmp_path), timeout_s=1,
        )  # fmt: skip
    assert time.monotonic() - started < 10
    assert not _running(b"sleep\x0030\x00"), "the hanging command outlived its bound"


def _running(cmdline: bytes) -> list[int]:
    """Processes whose command line is exactly ``cmdline`` (NUL-separated, as /proc has it)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "cmdline").read_bytes() == cmdline:
                found.append(int(proc.name))
        except OSError:
            continue  # gone between listing and reading: not running
    return found


def test_a_missing_command_is_named(tmp_path: Path) -> None:
    with pytest.raises(TargetCommandError, match="'no-such-tool' not found"):
        run_command(
            "target.toml: [setup] (dev)", ["no-such-tool", "--x"], cwd=tmp_path,
            env=base_environment(tmp_path), timeout_s=5,
        )  # fmt: skip


@pytest.mark.servers
def test_a_signoff_whose_target_setup_fails_names_it_and_gives_no_verdict(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "ledger"
    shutil.copytree(LEDGER, repo, ignore=shutil.ignore_patterns("__pycache__"))
    setup = repo / "vault" / "setup.sh"
    setup.write_text(setup.read_text().replace("set -euo pipefail", "set -euo pipefail\nexit 3", 1))
    reports = tmp_path / "reports"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-k", "success_criteria", "-p", "no:cacheprovider",
         "--report-dir", str(reports), "--target", str(repo / "target.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode == 3, text[-3000:]  # could not judge: neither a pass nor a fail
    assert f"{repo / 'target.toml'}: [setup] (" in text and "exit status 3" in text, text[-3000:]
    assert "vault-gate: the target's set-up failed" in text
    data = reports / "signoff.json"  # a report that says only that nothing was judged
    assert '"verdict": "not judged"' in data.read_text() and '"passed": false' in data.read_text()

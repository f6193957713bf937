"""What starting the scanner costs: ``vault-gate scan`` and the pre-commit hook run on
every commit and in every CI job, so their start-up is part of every run (the peers
are compiled programs that start in milliseconds)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def test_scan_starts_without_what_other_subcommands_need() -> None:
    """``vault-gate scan`` is a pre-commit hook's and a CI step's command: its start-up
    is part of every run, so it must not import live mode, the policy suggester or an
    HTTP client."""
    code = (
        "import sys; from vault_gate.compliance import cli; "
        "cli.parser('scan').parse_args(['scan', '.']); "
        "heavy = [m for m in ('hvac', 'vault_gate.compliance.checks.suggest', "
        "'vault_gate.compliance.live.command', 'importlib.metadata') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    assert _modules_after(code) == ""


def test_version_is_printed_on_stdout() -> None:
    """As argparse's own version action does (scripts read it there); the metadata is
    read only when asked."""
    out = subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", "--version"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.startswith("vault-gate ")
    assert out.stderr == ""

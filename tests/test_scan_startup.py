"""What starting the scanner costs: ``vault-gate scan`` and the pre-commit hook run on
every commit and in every CI job, so their start-up is part of every run (the peers
are compiled programs that start in milliseconds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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


def test_scanning_never_imports_requests_and_later_imports_get_the_real_one() -> None:
    """detect-secrets imports ``requests`` for verification the scanner never runs
    (0.1 s of every start): a stand-in while it loads (``dsimport``). A scan with
    findings leaves ``requests`` unimported; an import after it gets the real module,
    submodules too (hvac's ``requests.adapters``)."""
    tokens = Path(__file__).parent / "data" / "secrets_corpus" / "positives" / "vault-token"
    code = (
        "import sys; from pathlib import Path; "
        "from vault_gate.compliance.scan import repo; "
        f"found = repo.scan([Path({str(tokens)!r})]).findings; "
        "print(len(found) > 0, 'requests' in sys.modules, end=' '); "
        "import requests.adapters, hvac; "
        "print(type(sys.modules['requests']).__name__, requests.adapters.HTTPAdapter.__name__)"
    )
    assert _modules_after(code) == "True False module HTTPAdapter"

"""Running store-erp's scripts/rotate_secrets.py the way an operator does, for its tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vault_gate.fixtures.servers.bootstrap import BootstrappedEnvironment

ROTATE_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "rotate_secrets.py"
TIMEOUT_S = 60


@dataclass(frozen=True)
class RotationRun:
    returncode: int
    records: list[dict]
    stdout: str
    stderr: str


def rotate_secrets(
    env: BootstrappedEnvironment,
    *args: str,
    token_file: Path | None = None,
    addr: str | None = None,
    ca_file: Path | bool | None = True,
    command: Sequence[str] | None = None,
) -> RotationRun:
    """Run the tool against ``env``'s server with the operator token file.

    After a successful run the environment's ledger (``env.tree``) is refreshed, and
    values rotated away move to ``env.retired``, so checks still know them.
    ``ca_file=False`` leaves the CA out (to see TLS verification fail). ``command`` is the
    target's rotation command (default: store-erp's scripts/rotate_secrets.py).
    """
    base = list(command) if command else [sys.executable, str(ROTATE_SCRIPT)]
    cmd = [
        *base, "--env", env.profile.name,
        "--addr", addr or env.server.addr,
        "--token-file", str(token_file or env.operator_token_file),
        *args,
    ]  # fmt: skip
    ca = env.server.ca_file if ca_file is True else ca_file or None
    if ca:
        cmd += ["--ca-file", str(ca)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    records = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode == 0 and "--dry-run" not in args:
        env.refresh_tree()
    return RotationRun(out.returncode, records, out.stdout, out.stderr)

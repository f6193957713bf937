"""The plugin's options, seen from a real inner pytest session."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
from pathlib import Path

from inner_pytest import run_inner

from vault_gate.fixtures.process import group_members


def test_keep_servers_prints_addresses_and_leaves_them_running(tmp_path: Path) -> None:
    run = run_inner(tmp_path, "pass", "--keep-servers")
    assert run.state is not None, run.output
    try:
        assert run.returncode == 0, run.output
        assert "--keep-servers: left running" in run.output, run.output
        addrs = re.findall(r"(https?://127\.0\.0\.1:\d+)", run.output)
        assert any(a.startswith("https://") for a in addrs), run.output
        assert any(a.startswith("http://") for a in addrs), run.output
        assert re.search(r"postgres\s+127\.0\.0\.1:\d+", run.output), run.output
        assert all(group_members(pid) for pid in run.state["pids"]), "servers were stopped"
        assert all(Path(d).exists() for d in run.state["dirs"])
        assert "token:" not in run.output.lower().replace("operator tokens:", "")
    finally:
        for pid in run.state["pids"]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        for d in run.state["dirs"]:
            shutil.rmtree(d, ignore_errors=True)


def test_approle_setting_is_the_requirement_not_the_role(tmp_path: Path) -> None:
    """--approle-setting says what the checks require; the role under test is the one the
    target's own set-up made (store-erp's: token_ttl=1h), never changed by the harness."""
    run = run_inner(tmp_path, "pass", "--approle-setting", "token_ttl=7s")
    assert run.returncode == 0, run.output
    assert run.state is not None
    assert run.state["token_ttl"] == {"dev": 3600, "staging": 3600, "prod": 3600}


def test_bad_approle_setting_is_a_clear_error(tmp_path: Path) -> None:
    run = run_inner(tmp_path, "pass", "--approle-setting", "token_ttl")
    assert run.returncode == 2  # bad input, before any server starts
    assert "--approle-setting 'token_ttl': wants KEY=VALUE (e.g. token_ttl=30m)" in run.output

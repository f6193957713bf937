"""The plugin's options, seen from a real inner pytest session."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from fixtures.process import group_members

ROOT = Path(__file__).resolve().parent.parent
INNER = ROOT / "tests" / "data" / "inner_session.py"


def test_keep_servers_prints_addresses_and_leaves_them_running(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "VAULT_GATE_STATE_FILE": str(tmp_path / "state.json"),
        "VAULT_GATE_INNER_MODE": "pass",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(INNER),
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--keep-servers",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    text = out.stdout + out.stderr
    state = json.loads((tmp_path / "state.json").read_text())
    try:
        assert out.returncode == 0, text
        assert "--keep-servers: left running" in text, text
        addrs = re.findall(r"(https?://127\.0\.0\.1:\d+)", text)
        assert any(a.startswith("https://") for a in addrs) and any(
            a.startswith("http://") for a in addrs
        ), text
        assert re.search(r"postgres\s+127\.0\.0\.1:\d+", text), text
        assert all(group_members(pid) for pid in state["pids"]), "servers were stopped"
        assert all(Path(d).exists() for d in state["dirs"])
        assert "token:" not in text.lower().replace("operator tokens:", "")
    finally:
        for pid in state["pids"]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        for d in state["dirs"]:
            shutil.rmtree(d, ignore_errors=True)


def test_approle_setting_reaches_the_server(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    env = {**os.environ, "VAULT_GATE_STATE_FILE": str(state_file), "VAULT_GATE_INNER_MODE": "pass"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(INNER),
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--approle-setting",
            "token_ttl=7s",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(state_file.read_text())["token_ttl"] == {"dev": 7, "staging": 7, "prod": 7}


def test_bad_approle_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "VAULT_GATE_STATE_FILE": str(tmp_path / "s"),
        "VAULT_GATE_INNER_MODE": "pass",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(INNER),
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--approle-setting",
            "token_ttl",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode != 0
    assert "--approle-setting wants KEY=VALUE, got 'token_ttl'" in out.stdout

"""Live mode on real-world layouts: each set-up of tests/data/live_layouts/ (a public
tutorial's or operator's, its source recorded in the file) is built on one real
server-mode OpenBao and judged read-only with the auditor token; every check's
verdict is asserted (see that folder's README for the file format).

The server declares a file audit device at ``audit-prod/`` and a socket device at
``siem/`` (to a collector this module runs), so no layout sits where store-erp's
do; the root token is revoked once every layout is set up, as in production.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import pytest

from vault_gate.compliance.live.layout import Layout, build_layout
from vault_gate.compliance.live.runner import CHECKS, connect, preflight, run_checks
from vault_gate.compliance.live.targetfile import layout_from_target, read_target
from vault_gate.compliance.policy.acl import parse_policy
from vault_gate.compliance.profiles import ServerMode, profile
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.process import free_port
from vault_gate.fixtures.reaper import Reaper
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.binaries import resolve_vault_binary
from vault_gate.fixtures.servers.openbao import (
    Launch,
    VaultServer,
    initialise,
    process_launcher,
    unseal,
)

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "live_layouts"
LAYOUTS = sorted(p.stem for p in DATA.glob("*.toml"))
AUDITOR = ROOT / "vault" / "policies" / "auditor.hcl"
START_TIMEOUT_S = 20.0


class Collector:
    """What a SIEM would be for the socket audit device: a loopback TCP listener that
    appends every byte it receives to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with conn, self.path.open("ab") as out:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                out.write(chunk)
                out.flush()

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)


CONFIG = """
ui           = false
api_addr     = "https://127.0.0.1:{port}"
cluster_addr = "https://127.0.0.1:{cluster_port}"

storage "raft" {{
  path    = "{data}"
  node_id = "layouts-1"
  performance_multiplier = 1
}}

listener "tcp" {{
  address         = "127.0.0.1:{port}"
  cluster_address = "127.0.0.1:{cluster_port}"
  tls_cert_file   = "{cert}"
  tls_key_file    = "{key}"
}}

audit "file" "audit-prod" {{
  options {{
    file_path = "{audit_log}"
  }}
}}

audit "socket" "siem" {{
  options {{
    address     = "127.0.0.1:{collector}"
    socket_type = "tcp"
  }}
}}
"""


@dataclass
class Site:
    server: VaultServer
    collector: Collector
    auditor: Secret
    tokens: dict[str, Secret] = field(default_factory=dict)  # layout -> its auditor token

    def token(self, name: str) -> Secret:
        return self.tokens.get(name, self.auditor)


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / f"{name}.toml").read_text())


def _issue(root, policy: str) -> Secret:  # type: ignore[no-untyped-def]
    created = root.auth.token.create_orphan(policies=[policy], no_default_policy=True, ttl="1h")
    return Secret(created["auth"]["client_token"])


def _set_up(root, name: str, setup: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    mounts = root.sys.list_mounted_secrets_engines()["data"]
    for mount in setup.get("mounts", []):
        if mount["path"] + "/" in mounts:
            continue
        options = {"version": str(mount["version"])} if mount["type"] == "kv" else None
        root.sys.enable_secrets_engine(mount["type"], path=mount["path"], options=options)
        mounts = root.sys.list_mounted_secrets_engines()["data"]
    auths = root.sys.list_auth_methods()["data"]
    for auth in setup.get("auth", []):
        if auth["path"] + "/" not in auths:
            root.sys.enable_auth_method(auth["type"], path=auth["path"])
    for entry in setup.get("secrets", []):
        values = {k: secrets.token_urlsafe(12) for k in entry["keys"]}
        version = (mounts[entry["mount"] + "/"].get("options") or {}).get("version")
        kv = root.secrets.kv.v2 if str(version) == "2" else root.secrets.kv.v1
        # A KV v2 mount answers 400 "Upgrading from non-versioned to versioned data" for
        # a moment after it is enabled (longer on a loaded machine): write once it has.
        deadline = time.monotonic() + 30
        while True:
            try:
                kv.create_or_update_secret(
                    path=entry["path"], secret=values, mount_point=entry["mount"]
                )
                break
            except hvac.exceptions.InvalidRequest as exc:
                if "Upgrading" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    for policy, text in setup.get("policies", {}).items():
        root.sys.create_or_update_policy(policy, text)
    for role in setup.get("roles", []):
        params = {k: v for k, v in role.items() if k not in ("name", "mount", "cidrs")}
        if role.get("cidrs"):
            params["secret_id_bound_cidrs"] = role["cidrs"]
            params["token_bound_cidrs"] = role["cidrs"]
        mount = role.get("mount", "approle")
        root.adapter.post(f"/v1/auth/{mount}/role/{role['name']}", json=params)


@pytest.fixture(scope="module")
def site(
    world: World,
    reaper: Reaper,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    assert world.ca is not None
    binary = resolve_vault_binary(request.config.getoption("--vault-binary"))
    if not binary.declares_audit_in_config:
        pytest.skip("the layouts' audit devices are declared in the config (OpenBao)")
    directory = tmp_path_factory.mktemp("layouts")
    directory.chmod(0o700)
    (directory / "raft").mkdir(mode=0o700)
    collector = Collector(directory / "siem.log")
    port, cluster_port = free_port(), free_port()
    cert = world.ca.issue("vault-layouts")
    config = directory / "server.hcl"
    config.write_text(
        CONFIG.format(
            port=port, cluster_port=cluster_port, data=directory / "raft",
            cert=cert.cert_chain, key=cert.key, audit_log=directory / "audit-prod.log",
            collector=collector.port,
        )
    )  # fmt: skip
    process = process_launcher(binary, reaper)(
        Launch(name="vault-layouts", args=["server", f"-config={config}"], directory=directory)
    )
    server = VaultServer(
        name="layouts", mode=ServerMode.SERVER, binary=binary, directory=directory,
        port=port, process=process, ca_file=world.ca.ca_file,
        audit_log=directory / "audit-prod.log",
    )  # fmt: skip
    try:
        process.wait_ready(
            lambda: server.health().status_code in (200, 429, 501, 503),
            START_TIMEOUT_S,
            "/v1/sys/health answers over TLS",
        )
        unseal(server, initialise(server)[:3])
        assert server.root_token is not None
        root = server.client(server.root_token)
        root.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
        root.sys.enable_auth_method("approle")
        root.sys.create_or_update_policy("auditor", AUDITOR.read_text())
        site = Site(server, collector, _issue(root, "auditor"))
        for name in LAYOUTS:
            spec = _load(name)
            _set_up(root, name, spec["setup"])
            extra = spec["judge"].get("auditor_extra")
            if extra:
                root.sys.create_or_update_policy(f"auditor-{name}", AUDITOR.read_text() + extra)
                site.tokens[name] = _issue(root, f"auditor-{name}")
        root.auth.token.revoke_self()  # production: no root token left
        server.revoked_root_token, server.root_token = server.root_token, None
        yield site
    finally:
        server.stop()
        collector.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _layout(name: str, site: Site, tmp_path: Path) -> Layout:
    spec = _load(name)
    judge = spec["judge"]
    prof = profile(spec["env"])
    audit_log = {
        "file": site.server.audit_log,
        "socket": site.collector.path,
        None: None,
    }[judge.get("audit_log")]
    extra: dict[str, Any] = {
        "roles": judge.get("approle", []),
        "approle_mounts": judge.get("approle_mounts", []),
        "policies": judge.get("policy", []),
        "audit_devices": judge.get("audit_devices", []),
        "audit_log": audit_log,
    }
    if "target" in judge:
        target = tmp_path / "target.toml"
        lines = [
            f"name = {judge['target']['name']!r}",
            'source = []\ndocs = "docs"\nworkflows = []',
            f"vault_paths = {judge['target']['vault_paths']!r}",
            "[environments]",
        ]
        lines += [f"{k} = {v!r}" for k, v in judge["target"]["environments"].items()]
        lines += ["[vault]"]
        lines += [f"{k} = {v!r}" for k, v in judge["target"]["vault"].items()]
        target.write_text("\n".join(lines) + "\n")
        return layout_from_target(read_target(target), prof, **extra)
    return build_layout(prof, vault_paths=judge.get("vault_paths", []), **extra)


def _explain(results: dict[str, CheckResult]) -> str:
    return "\n".join(r.explain() for r in results.values())


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_verdict(site: Site, name: str, tmp_path: Path) -> None:
    spec = _load(name)
    if spec["judge"].get("needs_hcl1"):
        for text in spec["setup"]["policies"].values():
            parse_policy(text, "probe")  # HCL1, as the server reads it (issue 16)
    layout = _layout(name, site, tmp_path)
    vault = connect(site.server.addr, site.token(name), str(site.server.ca_file))
    problem = preflight(vault, layout)
    assert problem is None, str(problem)
    results = {c.id: r for c, r in run_checks(vault, layout)}
    expected: dict[str, list[str]] = spec.get("expect", {})
    for check_id, result in results.items():
        wanted = expected.get(check_id, [])
        if not wanted:
            assert result.passed, f"{name}: {check_id} should pass:\n{result.explain()}"
            continue
        assert len(result.findings) == len(wanted), (
            f"{name}: {check_id} wants {len(wanted)} finding(s):\n{result.explain()}"
        )
        for finding, prefix in zip(result.findings, wanted, strict=True):
            assert finding.startswith(prefix), f"{name}: {check_id}:\n{result.explain()}"
    text = _explain(results)
    assert site.auditor.reveal() not in text


def test_cli_end_to_end_on_another_app(site: Site, tmp_path: Path) -> None:
    """README's example: a non-store-erp app at kv-prod/, its role named, the audit log of
    a device at audit-prod/; exit 0, and no value or token in the output."""
    token_file = tmp_path / "auditor.token"
    token_file.write_text(site.auditor.reveal())
    token_file.chmod(0o600)
    done = subprocess.run(
        [sys.executable, "-m", "vault_gate.compliance.cli", "check", "--env", "prod",
         "--addr", site.server.addr, "--ca-cert", str(site.server.ca_file),
         "--token-file", str(token_file),
         "--vault-path", "kv-prod/data/billing/config", "--approle", "billing",
         "--audit-device", "audit-prod", "--audit-log", str(site.server.audit_log)],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CHECKS)} of {len(CHECKS)} checks passed" in done.stdout
    assert site.auditor.reveal() not in done.stdout + done.stderr

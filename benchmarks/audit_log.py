"""Audit-log analysis over a large generated log: throughput on one core, peak memory.

The log is made from real OpenBao audit entries: a world is booted, the app is
started in staging and used (AppRole login, KV reads, a database login, orders),
and the server's file-audit log (request and response entries, HMAC'd values) is
the pool of lines. Copies of that pool, each with its own token accessors (so every
copy is another set of logins and tokens to attribute), are written until the log
has the size asked for. The analyses are the ones the sign-off runs on the audit
log: the app's reads (``check_app_reads_from_vault``) and the paths its AppRole
used, which the least-privilege check compares with the policy
(``role_request_paths``). Each runs in a fresh interpreter, so its peak RSS is its own.

Run as a script by benchmarks/run.py; ``--analyse KIND LOG`` is its worker mode.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "store_erp" / "target.toml"  # the bundled example
sys.path.insert(0, str(ROOT))

ENVIRONMENT = "staging"
VARIANTS = 64
_ACCESSOR = re.compile(rb'"(?:accessor|client_token_accessor)":"(hmac-sha256:[0-9a-f]{64})"')
KINDS = ("app_reads", "least_privilege")


def real_audit_lines() -> list[bytes]:
    """Audit entries of a real session: boot, bootstrap, one app started and used."""
    from vault_gate.fixtures.app.process import start_app, stop_app
    from vault_gate.fixtures.reaper import Reaper
    from vault_gate.fixtures.run.world import start_world
    from vault_gate.fixtures.servers.backends import ProcessBackend
    from vault_gate.fixtures.servers.binaries import resolve_pg_bindir, resolve_vault_binary

    reaper = Reaper()
    from vault_gate.compliance.target import load_target

    world = start_world(
        ProcessBackend(resolve_vault_binary(), resolve_pg_bindir()), reaper, load_target(TARGET)
    )
    try:
        env = world.env(ENVIRONMENT)
        app = start_app(env, reaper)
        try:
            token = app.login()
            for _ in range(3):
                app.request("GET", "/orders", headers={"Authorization": f"Bearer {token}"})
            app.request("GET", "/health")
        finally:
            stop_app(app, reaper)
        assert env.server.audit_log is not None
        lines = env.server.audit_log.read_bytes().splitlines(keepends=True)
    finally:
        world.stop()
        reaper.close()
    return [line for line in lines if line.strip()]


def variants(pool: list[bytes], count: int = VARIANTS) -> list[bytes]:
    """``count`` copies of the pool, each with its own accessors (last 8 hex digits)."""
    block = b"".join(pool)
    accessors = sorted(set(_ACCESSOR.findall(block)))
    out = []
    for n in range(count):
        copy = block
        for i, accessor in enumerate(accessors):
            copy = copy.replace(accessor, accessor[:-8] + b"%04x%04x" % (n, i))
        out.append(copy)
    return out


def grow(path: Path, blocks: list[bytes], size: int) -> float:
    """Append blocks (cycling) until ``path`` holds at least ``size`` bytes; seconds taken."""
    started = time.perf_counter()
    current = path.stat().st_size if path.exists() else 0
    with path.open("ab") as fh:
        i = 0
        while current < size:
            block = blocks[i % len(blocks)]
            fh.write(block)
            current += len(block)
            i += 1
    return time.perf_counter() - started


def analyse(kind: str, log: Path) -> dict:
    """Worker mode: one analysis over ``log`` in this process; seconds and the result size."""
    from vault_gate.compliance.checks.audit import check_app_reads_from_vault, role_request_paths
    from vault_gate.compliance.profiles import PROFILES
    from vault_gate.compliance.target import load_target

    profile = PROFILES[ENVIRONMENT]
    started = time.perf_counter()
    if kind == "app_reads":
        result = check_app_reads_from_vault(
            log, profile, profile.approle_name, load_target(TARGET).vault_paths_for(profile.tree)
        )
        found = {"passed": result.passed, "evidence": len(result.evidence)}
    else:
        used = role_request_paths(log, profile.approle_name)
        found = {"paths": len(used)}
    return {"seconds": time.perf_counter() - started, **found}


def measure_one(kind: str, log: Path) -> dict:
    """Run :func:`analyse` in a fresh interpreter; MB/s and its peak RSS."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--analyse", kind, str(log)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"audit analysis {kind} failed ({proc.returncode})")
    data = json.loads(out)
    size_mb = log.stat().st_size / 1e6
    return {
        **data,
        "log_mb": round(size_mb, 1),
        "mb_s": round(size_mb / data["seconds"], 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def measure(workdir: Path, sizes_mb: tuple[int, ...] = (256, 1024)) -> dict:
    """Generate the log in ``workdir`` size by size, analyse it at each size."""
    pool = real_audit_lines()
    blocks = variants(pool)
    log = workdir / "audit.log"
    rows = []
    generate_s = 0.0
    for size in sizes_mb:
        generate_s += grow(log, blocks, size * 1_000_000)
        for kind in KINDS:
            rows.append({"kind": kind, **measure_one(kind, log)})
    log.unlink()
    return {
        "pool_lines": len(pool),
        "pool_bytes": sum(map(len, pool)),
        "generate_s": round(generate_s, 2),
        "runs": rows,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--analyse":
        print(json.dumps(analyse(sys.argv[2], Path(sys.argv[3]))))
        sys.exit(0)
    print(json.dumps(measure(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()), indent=1))

"""``vault-gate policy suggest`` over a large generated audit log: time per GB, peak memory.

The log is generated: OpenBao-shaped request/response entries (compact JSON, HMAC'd
tokens and accessors, as the file device writes them) of many AppRole apps on one
shared server, one of which is the app the suggestion is for (1 entry in 50), with a
truncated line every 100 000 lines. Each app logs in, then reads and lists its KV v2
entries, gets database logins and renews its leases. The suggestion runs as the
command does (:func:`observe` then :func:`suggest`), in a fresh interpreter, so that
its peak RSS is its own (the sign-off's ``role_request_paths`` runs first in the same
interpreter, as the baseline: times are compared as a ratio within one run); the log
is streamed, so memory must not grow with the log.

    .venv/bin/python benchmarks/policy_suggest.py [--sizes-mb 256,1024] [--dir DIR]

A measurement, not a test: the figures are printed (and ``--json FILE`` written).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPS = 49  # other apps; the measured one is app 0
ROLE = "app-00-production"


def _lines(app: int, token: int) -> list[bytes]:
    """One session of one app: a login, then requests and their responses."""
    role = f"app-{app:02d}-production"
    accessor = f"hmac-sha256:{app:08x}{token:056x}"
    auth = {
        "accessor": accessor,
        "display_name": "approle",
        "policies": [role],
        "metadata": {"role_name": role},
        "token_type": "service",
        "token_ttl": 3600,
    }
    time_ = f"2026-12-07T21:{token % 60:02d}:{app % 60:02d}.000000000Z"
    login = {"time": time_, "type": "response", "auth": auth,
             "request": {"id": "r", "operation": "update", "mount_type": "approle",
                         "path": "auth/approle/login", "data": {"role_id": "hmac-sha256:ab",
                                                               "secret_id": "hmac-sha256:cd"}},
             "response": {"auth": auth, "mount_type": "approle"}}  # fmt: skip
    out = [login]
    requests = [
        (f"kv-{app}/data/production/config", "read"),
        (f"kv-{app}/data/production/keys", "read"),
        (f"kv-{app}/metadata/production/", "list"),
        (f"database/creds/{role}", "read"),
        (f"sys/leases/renew/database/creds/{role}/{token:x}", "update"),
        ("auth/token/lookup-self", "read"),
    ]
    for path, op in requests:
        request = {"id": "r", "operation": op, "path": path, "mount_type": "kv",
                   "remote_address": "127.0.0.1"}  # fmt: skip
        base = {"time": time_, "auth": auth, "request": request}
        out.append({"type": "request", **base})
        response = {"type": "response", **base, "response": {"data": {"value": "hmac-sha256:ef"}}}
        out.append(response)
    return [json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in out]


def generate(path: Path, size_mb: int) -> int:
    """Write a log of about ``size_mb`` MB; the number of lines."""
    target = size_mb * 1024 * 1024
    written = lines = token = 0
    with path.open("wb") as out:
        while written < target:
            token += 1
            for app in range(APPS + 1):
                if app == 0 and token % 50:  # the measured app: 1 session in 50
                    continue
                for line in _lines(app, token):
                    out.write(line)
                    written += len(line)
                    lines += 1
                    if lines % 100_000 == 0:
                        out.write(line[: len(line) // 2] + b"\n")  # a truncated line
                        lines += 1
    return lines


def _worker(log: str) -> None:
    from vault_gate.compliance.checks.audit import role_request_paths
    from vault_gate.compliance.checks.suggest import AppIdentity, observe, suggest

    started = time.perf_counter()
    role_request_paths(Path(log), ROLE)  # the sign-off's own pass over a log: the baseline
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    obs = observe(Path(log), AppIdentity("role", ROLE))
    made = suggest(obs)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "baseline_seconds": baseline,
                      "peak_rss_mb": peak_kb / 1024, "rules": len(made.rules),
                      "requests": obs.requests, "skipped": obs.stats.corrupt}))  # fmt: skip


def measure(directory: Path, sizes_mb: list[int]) -> list[dict[str, float]]:
    rows = []
    for size in sizes_mb:
        log = directory / f"audit-{size}mb.log"
        lines = generate(log, size)
        actual = log.stat().st_size
        run = subprocess.run(  # noqa: S603 - this interpreter, this file
            [sys.executable, __file__, "--worker", str(log)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        figures = json.loads(run.stdout)
        figures |= {"size_mb": actual / 2**20, "lines": lines,
                    "seconds_per_gb": figures["seconds"] / (actual / 2**30)}  # fmt: skip
        rows.append(figures)
        log.unlink()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", default="256,1024")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker)
        return 0
    sizes = [int(s) for s in args.sizes_mb.split(",")]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        os.chmod(tmp, 0o700)
        rows = measure(Path(tmp), sizes)
    for row in rows:
        row["ratio"] = row["seconds"] / row["baseline_seconds"]
        print(f"{row['size_mb']:.0f} MB ({row['lines']} lines): {row['seconds']:.1f} s, "
              f"{row['seconds_per_gb']:.1f} s per GB ({row['ratio']:.2f}x "
              f"the sign-off's role_request_paths on the same log), "
              f"peak RSS {row['peak_rss_mb']:.0f} MB; "
              f"{row['requests']} requests of the app, {row['rules']} rules, "
              f"{row['skipped']} truncated lines skipped")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

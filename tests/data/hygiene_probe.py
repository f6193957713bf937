"""A pytest plugin loaded into an inner gate run (``-p hygiene_probe``) to watch it from inside.

Not part of the harness: tests/test_signoff.py and tests/test_cleanup.py load it into
the ``pytest -k success_criteria`` run they start, with $VAULT_GATE_HYGIENE_OUT naming
a directory. It writes there, as the run goes:

* ``state.json``: every process and directory the run made that must not outlive it
  (servers, the reaper, each app started, their directories), rewritten atomically
  whenever it learns of one, so an outer test that kills the run midway knows what
  to look for;
* ``leaks.json``, at the end of the session: every file under the servers'
  directories (logs, audit logs, configs, data) and every app's directory (its log)
  scanned for the session's secret values *while those files still exist* (an app's
  directory just before it is removed, the servers' just before they stop). Each hit
  is recorded as (file, fingerprint), never a value.

The scan itself is :func:`hygiene_scan.scan_files`, tested on its own with a planted
value so that a clean result means something.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hygiene_scan import scan_files

import vault_gate.fixtures.run.plugin as harness
from vault_gate.compliance.secret import Secret

OUT_ENV = "VAULT_GATE_HYGIENE_OUT"


class Probe:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.state: dict[str, Any] = {"pids": [], "dirs": [], "reaper": None, "apps": 0}
        self.scanned: dict[str, int] = {}
        self.hits: list[dict[str, str]] = []
        self.values: list[tuple[Secret, str]] = []
        # The app pool starts and stops apps from its own threads: one writer at a time,
        # or two would interleave in the temp file and the outer test read torn JSON.
        self._lock = threading.RLock()

    def remember(self, pids: list[int], dirs: list[str]) -> None:
        with self._lock:
            self.state["pids"] = sorted(set(self.state["pids"]) | set(pids))
            self.state["dirs"] = sorted(set(self.state["dirs"]) | set(dirs))
            self._write("state.json", self.state)

    def count_app(self) -> None:
        with self._lock:
            self.state["apps"] += 1

    def scan(self, directory: Path) -> None:
        files = [p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()]
        sizes, hits = scan_files(files, self.values)
        with self._lock:
            self.scanned.update(sizes)
            self.hits += hits

    def finish(self) -> None:
        self._write("leaks.json", {"scanned": self.scanned, "hits": self.hits})

    def _write(self, name: str, data: object) -> None:
        with self._lock:
            tmp = self.out / f".{name}.{threading.get_ident()}.tmp"
            tmp.write_text(json.dumps(data, indent=1))
            os.replace(tmp, self.out / name)


def _values(world: Any) -> list[tuple[Secret, str]]:
    """(value, kind): ``secret`` for what the plan puts in Vault, canaries included (in no
    file at all), ``credential`` for the harness's own logins (in their 0600 files only)."""
    out: list[tuple[Secret, str]] = []
    for env in world.environments.values():
        out += [(v, "secret") for v in env.known_values()]
        out += [(env.app_password, "secret"), (env.operator_token, "credential")]
        if env.rotator_token is not None:
            out.append((env.rotator_token, "credential"))
    for server in world.vaults.values():
        out += [(t, "credential") for t in (server.root_token, server.revoked_root_token) if t]
    if world.pg:
        out.append((world.pg.password, "credential"))
    return out


@pytest.fixture(scope="session", autouse=True)
def _hygiene_probe(request: pytest.FixtureRequest) -> Iterator[None]:
    out = os.environ.get(OUT_ENV)
    if not out:
        yield
        return
    probe = Probe(Path(out))
    world = request.getfixturevalue("world")  # set up first, so torn down after this
    probe.state["reaper"] = world.reaper.pid
    probe.remember(world.processes(), [str(d) for d in world.directories()])
    real_start, real_stop = harness.start_app, harness.stop_app

    def start_app(env: Any, reaper: Any, **kwargs: Any) -> Any:
        app = real_start(env, reaper, **kwargs)
        probe.count_app()
        probe.remember([app.process.pid] if app.process.pid else [], [str(app.directory)])
        return app

    def stop_app(app: Any, reaper: Any) -> None:
        app.stop()  # the log is complete once the app is down
        probe.values = _values(world)
        probe.scan(app.directory)
        real_stop(app, reaper)

    harness.start_app, harness.stop_app = start_app, stop_app
    try:
        yield
    finally:
        harness.start_app, harness.stop_app = real_start, real_stop
        probe.values = _values(world)  # rotations and canaries add values as scenarios run
        for directory in world.directories():
            probe.scan(directory)
        probe.finish()

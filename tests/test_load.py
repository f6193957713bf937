"""The load generator and the report's measurements, without the real servers.

The load generator's verdicts must be able to fail: here it drives a tiny loopback
HTTP server that answers as a broken app would (503s, an old token still accepted),
and must count and report exactly that. The real runs are the scenarios in
features/rotation_under_load.feature and features/faults.feature.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
from store_erp_target import store_erp

from vault_gate.compliance.report.signoff import (
    SignOff,
    Status,
    measurement_line,
    to_html,
    to_json,
    to_markdown,
    write_all,
)
from vault_gate.compliance.secret import Secret
from vault_gate.fixtures.app.load import (
    EXAMPLE_CHARS,
    LoadGenerator,
    Sample,
    percentile,
    summarise,
)
from vault_gate.fixtures.app.process import AppProcess
from vault_gate.fixtures.process import redacted
from vault_gate.fixtures.run.load_rotation import LoadRotation, OldToken, old_tokens_refused


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) != percentile([], 50)  # NaN: no requests, no latency


def _sample(start: float, ok: bool, status: int = 200) -> Sample:
    return Sample(start, start + 0.01, "GET /orders", status, ok, "" if ok else "vault: down")


def test_summary_counts_failures_and_keeps_examples() -> None:
    samples = [_sample(0, True), _sample(1, False, 503), _sample(2, True)]
    summary = summarise(samples, clients=1)
    assert (summary.requests, summary.failures) == (3, 1)
    assert summary.by_status == {"200": 2, "503": 1}
    assert summary.failure_examples == ["GET /orders: HTTP 503 vault: down"]
    assert summary.to_json()["latency_ms"]["p50"] == pytest.approx(10.0)


def test_failure_examples_are_fingerprinted_before_they_are_cut() -> None:
    """An issued value (a database password the app echoes in a refusal) is replaced
    by its fingerprint whole, even where it straddles the length the report shows."""
    issued = "Zq8" + "vL2pWx9Rt4Nc7Bd1Kf6Hs3Jm"  # split: no literal for our own scan
    detail = "x" * 245 + f" echoed {issued} " + "y" * 40
    samples = [Sample(0, 0.01, "GET /orders", 500, False, detail)]
    summary = summarise(samples, clients=1, shown=lambda text: redacted(text, [Secret(issued)]))
    (example,) = summary.failure_examples
    assert issued[:6] not in example
    assert "sha256:" in example
    assert len(example) <= EXAMPLE_CHARS
    unshown = summarise(samples, clients=1).failure_examples[0]
    assert issued[:6] in unshown  # the control: without it, the value's start is shown


def test_recovered_at_is_the_end_of_the_last_failure() -> None:
    load = LoadGenerator.__new__(LoadGenerator)
    load._lock = threading.Lock()
    load.samples = [_sample(0, True), _sample(5, False, 503), _sample(6, False, 0)]
    assert load.recovered_at(1) is None  # no success after the last failure yet
    load.samples.append(_sample(7, True))
    assert load.recovered_at(1) == pytest.approx(6.01)
    assert load.recovered_at(6.5) == 6.5  # nothing failed since then


# -- against a loopback server that behaves as a broken app -----------------------------


class _BrokenApp(BaseHTTPRequestHandler):
    """Logins work; /orders answers 503 every other time; every token is accepted."""

    calls = 0

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/login":
            self._send(200, {"token": "t", "kid": "v1"})
        else:
            self._send(201, {"id": 1})

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls % 2:
            reason = f"vault: {LEAKY}: unreachable"
            self._send(503, {"error": "vault unavailable", "reason": reason})
        else:
            self._send(200, {"orders": []})


LEAKY = "echoed-secret-value-7f3a"  # a value of the session the broken app echoes


class _Server:
    audit_log = None  # no server: no issued values to look up


class _Env:
    app_user = "alice"
    app_password = Secret("not-a-real-password")
    server = _Server()

    def known_values(self) -> list[Secret]:
        return [Secret(LEAKY)]


def _App(url: str, env: _Env) -> AppProcess:
    """A stand-in app on a plain HTTP server, driven through store-erp's target contract."""
    port = int(url.rsplit(":", 1)[1])
    return AppProcess(env, port, None, Path("/nonexistent"), Path("/nonexistent"),  # type: ignore[arg-type]
                      target=store_erp())  # fmt: skip


@pytest.fixture
def broken_app() -> Iterator[_App]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrokenApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _App(f"http://127.0.0.1:{server.server_address[1]}", _Env())
    finally:
        server.shutdown()
        server.server_close()


def test_load_against_a_failing_app_counts_its_failures(broken_app: _App) -> None:
    load = LoadGenerator(broken_app, clients=2, max_requests=60, max_seconds=10)  # type: ignore[arg-type]
    load.start()
    for t in load._threads:
        t.join(15)
    assert not load.running(), "the generator must stop by itself at its bound"
    summary = load.summary()
    assert 60 <= summary.requests <= 62  # the count bound (a client may finish its request)
    assert summary.failures > 0
    example = summary.failure_examples[0]
    assert "HTTP 503" in example and '"error": "vault unavailable"' in example, example
    assert LEAKY not in example and f"[{Secret(LEAKY).fingerprint}]" in example, example


def test_load_stops_at_its_time_bound(broken_app: _App) -> None:
    load = LoadGenerator(broken_app, clients=1, max_requests=10**9, max_seconds=0.5)  # type: ignore[arg-type]
    load.start()
    load._threads[0].join(10)
    assert not load.running()


def test_an_old_token_still_accepted_after_its_grace_is_reported(broken_app: _App) -> None:
    """The known-bad case of the rotation-under-load check: an app that accepts a token
    signed with a rotated-away key after its grace window (here: accepts everything)."""
    _BrokenApp.calls = 1  # the next GET answers 200
    run = LoadRotation(
        rotations=1,
        summary=summarise([], clients=0),
        old_tokens=[OldToken(Secret("t"), "v1", grace_ends=0.0, accepted_in_grace=200)],
    )
    problems = old_tokens_refused(run, broken_app)  # type: ignore[arg-type]
    assert (
        problems == [problems[0]]
        and "token of v1 got HTTP 200 after its grace window" in (problems[0])
    )


# -- measurements in the sign-off report ----------------------------------------------------


def _signoff_with_measurement() -> SignOff:
    s = SignOff(target="store-erp", environments=("prod",), meta={})
    s.cell("rotation_works", "prod").status = Status.PASS
    s.measurements["rotation under load [prod]"] = {
        "requests": 500,
        "failures": 0,
        "latency_ms": {"p50": 9.5, "p95": 30.1, "p99": 120.0},
    }
    return s


def test_measurements_reach_every_report_and_old_keys_stay(tmp_path: Path) -> None:
    s = _signoff_with_measurement()
    data = orjson.loads(write_all(s, tmp_path)[0].read_bytes())
    assert data["schema_version"] == 1
    assert {"target", "meta", "passed", "counts", "criteria", "environments"} <= set(data)
    assert data["measurements"]["rotation under load [prod]"]["latency_ms"]["p99"] == 120.0
    line = "requests 500, failures 0, latency_ms.p50 9.5, latency_ms.p95 30.1, latency_ms.p99 120.0"
    assert measurement_line(data["measurements"]["rotation under load [prod]"]) == line
    md = to_markdown(s)
    assert "#### rotation under load [prod]" in md and "| latency_ms.p99 | 120 |" in md
    assert "<h2 id=measurements>Measurements</h2>" in to_html(s)


def test_no_measurements_no_section() -> None:
    s = _signoff_with_measurement()
    s.measurements.clear()
    assert "measurements" not in to_json(s)
    assert "Measurements" not in to_markdown(s)

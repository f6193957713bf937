"""A failing sign-off report as a reviewer first sees it: in a real browser (headless
Chromium), the first screen holds the verdict, the counts and the first reasons; the
timing tables and the plot come after them; no raw assertion text anywhere.

The report is made from plain data shaped like a real failing run (every criterion in
every environment, findings as the checks write them, cells not judged with an app's
log tail, the run's timing and a load measurement with its plot). The positions are
read from Chromium's own layout: a copy of the page gets a script that writes the
boxes of the verdict, the counts and the first reasons into the DOM, which Chromium
dumps; the page itself stays script-free. A screenshot of the first screen is kept
beside the report for a human to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from vault_gate.compliance.criteria import CRITERIA
from vault_gate.compliance.report.signoff import SignOff, Status, to_html
from vault_gate.compliance.result import CheckResult, Evidence

SCREEN = (1280, 800)  # a laptop's first screen
ENVS = ("dev", "staging", "prod")
FAILING = {
    ("least_privilege", "prod"): (
        "vault/policies/app-prod.hcl: path 'secret/data/*' grants read on every "
        "environment's secrets (cross-environment access)",
        "auth/approle/role/app-prod: secret_id_ttl is 0 (secret_ids never expire)",
    ),
    ("rotation_works", "staging"): (
        "get_secret is memoised with an unbounded cache (app/vault.py:41): a rotated "
        "value is never seen",
    ),
    ("no_secrets_in_repo", "dev"): ("config/.env: committed .env file",),
    ("docs_complete", "dev"): ("docs/setup.md: the setup guide has only 36 words (at least 80)",),
}
NOT_JUDGED = {
    ("app_reads_from_vault", env): (
        f"[app]: the app did not start in {env}: not ready after 30 s (waited for: GET "
        "/health answers 200)\n  command: python3 -m app --port 41234\n  last 20 lines "
        "of the app's log:\n    (empty: the app wrote nothing)\n  whole log: "
        f"evidence/app-{env}-41234.log"
    )
    for env in ENVS
}


def _failing_run() -> SignOff:
    s = SignOff(
        target="team-app",
        environments=ENVS,
        meta={"run by": "ci", "at": "2026-12-07 21:00:00 UTC", "commit": "abc1234"},
    )
    for c in CRITERIA:
        for env in ENVS:
            cell = s.cell(c.id, env)
            cell.duration_s = 1.5
            found = FAILING.get((c.id, env), ())
            if (c.id, env) in NOT_JUDGED:
                cell.record(f"steps/test_x.py::test_{c.id}[{env}]", Status.ERROR)
                cell.errors.append(NOT_JUDGED[(c.id, env)])
                continue
            cell.results.append(CheckResult(c.id, env, (Evidence("sys/health", "ok"),), found))
            status = Status.FAIL if found else Status.PASS
            cell.record(f"steps/test_x.py::test_{c.id}[{env}]", status)
    s.timing = {
        "wall_s": 61.2,
        "critical_path_s": 48.5,
        "lanes": {e: {"busy_s": 20.5, "waits_s": 9.0} for e in ENVS},
    }
    requests = [[i * 0.05, 5 + (i % 7), i % 50 != 0] for i in range(200)]
    s.measurements["rotation under load (prod)"] = {
        "requests": 200,
        "failed": 4,
        "latency_ms": {"p50": 8, "p95": 41},
        "timeline": {"requests": requests, "rotations": [[2.0, 3.0], [5.0, 6.0]]},
    }
    return s


PROBE = """<script>
window.addEventListener('load', () => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom}; };
  const out = {
    viewport: window.innerHeight,
    verdict: box(document.querySelector('.verdict')),
    counts: box(document.querySelector('.counts')),
    why: box(document.querySelector('#what-failed')),
    reasons: [...document.querySelectorAll('ul.why li')].slice(0, 3).map(box),
    matrix: box(document.querySelector('table.matrix')),
    time: box(document.querySelector('#time')),
    plot: box(document.querySelector('svg.latency-plot')),
  };
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]  # fmt: skip


def _chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (Debian's chromium package) for this test")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return browser


def test_a_failing_reports_first_screen_holds_verdict_counts_and_first_reasons(
    tmp_path: Path,
) -> None:
    browser = _chromium()
    page = to_html(_failing_run())
    assert "assert " not in page and "+ where" not in page and "CheckResult(" not in page
    report = tmp_path / "signoff.html"
    report.write_text(page)
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"))
    size = f"--window-size={SCREEN[0]},{SCREEN[1]}"
    profile = f"--user-data-dir={tmp_path / 'profile'}"
    dom = subprocess.run(
        [browser, *FLAGS, profile, size, "--virtual-time-budget=5000", "--dump-dom",
         probed.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    boxes = json.loads(found.group(1).replace("&quot;", '"'))
    screen = boxes["viewport"]  # the window less what headless Chromium keeps for itself
    assert 600 <= screen <= SCREEN[1], boxes
    # The first screen: the verdict, the counts, the heading and the first reasons.
    for key in ("verdict", "counts", "why"):
        assert boxes[key] is not None and boxes[key]["bottom"] <= screen, (key, boxes)
    assert len(boxes["reasons"]) == 3
    assert all(r["bottom"] <= screen for r in boxes["reasons"]), boxes
    # What failed comes before the matrix, and the timing and the plot after both.
    assert boxes["why"]["top"] < boxes["matrix"]["top"] < boxes["time"]["top"]
    assert boxes["plot"] is not None and boxes["plot"]["top"] > boxes["reasons"][-1]["bottom"]
    # What those boxes hold, as the reader sees it.
    first_screen = dom[: dom.index('<table class="matrix"')]
    assert "FAILED" in first_screen and "<b>4</b> fail" in first_screen
    assert "<b>3</b> not judged" in first_screen and "<b>23</b> pass" in first_screen
    assert "cross-environment access" in first_screen and "[app]: the app did not start" in (
        first_screen
    )
    shot = tmp_path / "first-screen.png"
    subprocess.run(
        [browser, *FLAGS, profile, size, f"--screenshot={shot}", report.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == SCREEN
    kept = Path(os.environ.get("VAULT_GATE_SCREENSHOT_DIR", tmp_path))
    kept.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, kept / "failing-report-first-screen.png")

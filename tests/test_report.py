"""The sign-off report and waivers, on plain data (the end-to-end run is in test_signoff.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import orjson
import pytest

from compliance.report import SCHEMA_VERSION, SignOff, Status, to_html, to_markdown, write_all
from compliance.result import CheckResult, Evidence
from compliance.waivers import Waiver, WaiverError, load_waivers


def _signoff() -> SignOff:
    s = SignOff(target="store-erp", environments=("dev", "staging", "prod"), meta={"commit": "abc"})
    for env in ("dev", "staging", "prod"):
        cell = s.cell("vault_running", env)
        cell.status = Status.PASS
        cell.results.append(CheckResult("vault_running", env, (Evidence("sys/health", "ok"),)))
    bad = s.cell("cicd_updated", "dev")
    bad.status = Status.FAIL
    bad.results.append(
        CheckResult(
            "cicd_updated", "dev", (Evidence("deploy.yml", "none"),),
            ("deploy.yml: no <script>alert(1)</script> Vault login",),
        )
    )  # fmt: skip
    return s


def test_gate_fails_on_a_failing_cell_and_passes_when_waived() -> None:
    s = _signoff()
    assert not s.passed
    s.cells[("cicd_updated", "dev")].status = Status.WAIVED
    assert s.passed
    s.waiver_problems.append("expired waiver: x")
    assert not s.passed


def test_json_has_a_schema_version_and_every_cell(tmp_path: Path) -> None:
    paths = write_all(_signoff(), tmp_path)
    data = orjson.loads(paths[0].read_bytes())
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["passed"] is False
    assert data["counts"] == {"pass": 3, "fail": 1, "waived": 0, "not run": 0}
    by_id = {c["id"]: c for c in data["criteria"]}
    assert by_id["cicd_updated"]["environments"]["dev"]["status"] == "fail"
    assert by_id["vault_running"]["environments"]["prod"]["results"][0]["evidence"] == [
        {"looked_at": "sys/health", "found": "ok"}
    ]
    assert [p.name for p in paths] == ["signoff.json", "signoff.md", "signoff.html"]


def test_markdown_matrix_and_findings() -> None:
    md = to_markdown(_signoff())
    assert md.startswith("## vault-gate sign-off: FAILED (store-erp)")
    assert "| Vault running and reachable | ✅ pass | ✅ pass | ✅ pass |" in md
    assert "| CI/CD workflows authenticate to Vault | ❌ fail | — | — |" in md
    assert "- **cicd_updated [dev]**: fail" in md


def test_html_links_each_cell_to_its_evidence_and_escapes_text() -> None:
    page = to_html(_signoff())
    anchors = set(re.findall(r"href='#([^']+)'", page))
    ids = set(re.findall(r"id='([^']+)'", page))
    assert anchors == ids == {
        "vault_running--dev", "vault_running--staging", "vault_running--prod", "cicd_updated--dev",
    }  # fmt: skip
    assert "<script>" not in page and "&lt;script&gt;" in page


def _waiver_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(body)
    return path


GOOD = """
[[waiver]]
criterion = "cicd_updated"
environment = "dev"
reason = "dev deploys by hand until the OIDC role exists"
owner = "platform@example.com"
expires = 2999-12-31
"""


def test_waivers_load(tmp_path: Path) -> None:
    [w] = load_waivers(_waiver_file(tmp_path, GOOD))
    assert (w.criterion, w.environment, w.owner) == ("cicd_updated", "dev", "platform@example.com")
    assert not w.expired(dt.date(2026, 11, 29)) and w.expired(dt.date(3000, 1, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('criterion = "cicd_updated"', 'criterion = "fast"'), "unknown criterion 'fast'"),
        (('environment = "dev"', 'environment = "qa"'), "unknown environment 'qa'"),
        (("expires = 2999-12-31", 'expires = "soon"'), "expires must be a TOML date"),
        (('owner = "platform@example.com"\n', ""), "missing owner"),
        (('reason = "dev deploys by hand until the OIDC role exists"', 'reason = " "'),
         "reason must be a non-empty string"),
        (("expires = 2999-12-31", "expires = 2999-12-31\nticket = 1"), "unknown ticket"),
    ],
)  # fmt: skip
def test_bad_waivers_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(WaiverError, match=re.escape(message)):
        load_waivers(_waiver_file(tmp_path, GOOD.replace(*change)))


def test_two_waivers_for_one_cell_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="a second waiver for cicd_updated in dev"):
        load_waivers(_waiver_file(tmp_path, GOOD + GOOD))


def test_waiver_shown_in_reports() -> None:
    s = _signoff()
    cell = s.cells[("cicd_updated", "dev")]
    cell.status = Status.WAIVED
    cell.waiver = Waiver("cicd_updated", "dev", "by hand for now", "ops", dt.date(2999, 1, 1), "w")
    assert "waived by ops until 2999-01-01: by hand for now" in to_markdown(s)
    assert "<b>Waived</b> by ops until 2999-01-01" in to_html(s)

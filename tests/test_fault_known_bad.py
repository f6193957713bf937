"""The fault scenarios' checks can fail: a copy of store-erp's target file whose contract
does not match the app (the outage's words for "unreachable" are not the app's, a
record's id is read from the wrong key) fails exactly those scenarios, and the failure
names the declared part. Real servers, the real app: an inner pytest run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORE_ERP = ROOT / "store_erp" / "target.toml"
TIMEOUT_S = 300


def _flawed_copy(tmp_path: Path) -> Path:
    text = STORE_ERP.read_text()
    flaws = {
        'root = ".."': f"root = {str(ROOT)!r}",
        'unreachable = "unreachable"': 'unreachable = "the moon is down"',
        'item_id = "id"': 'item_id = "quantity"',  # every record written has quantity 1
    }
    for old, new in flaws.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "target.toml"
    path.write_text(text)
    return path


def test_a_contract_the_app_does_not_keep_fails_its_scenarios(tmp_path: Path) -> None:
    target = _flawed_copy(tmp_path)
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "steps/test_faults.py", "-m", "faults",
            "-k", "production_may_not or postgresql and restarted", "--target", str(target),
            "-p", "no:cacheprovider", "-q", "-rf",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(r"\b2 failed\b", output) and "passed" not in output, output
    assert "no outage answer naming 'the moon is down' ([app.outage] unreachable)" in output
    assert "records lost: [" in output, output

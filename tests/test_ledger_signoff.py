"""The sign-off on the second sample application (sample_apps/ledger), and on flawed copies.

ledger differs from store-erp in everything that is store-erp's own (framework, routes,
JSON shapes, variable names, KV mount and layout, policy and role names, its set-up and
rotation tools as bash scripts of `bao` commands). The gate knows it only through its
target file: it passes clean; each flawed copy fails exactly the criterion its flaw
breaks, with evidence that names the flaw.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "sample_apps" / "ledger"
TIMEOUT_S = 900
ENVS = ("dev", "staging", "prod")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def _copy(tmp_path: Path, flaw: Callable[[Path], None] | None) -> Path:
    """A copy of ledger as its own repository, with ``flaw`` applied and committed."""
    repo = tmp_path / "ledger"
    shutil.copytree(LEDGER, repo, ignore=shutil.ignore_patterns("__pycache__"))
    if flaw is not None:
        flaw(repo)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "ledger")
    return repo


def _signoff(tmp_path: Path, repo: Path) -> tuple[int, dict, str]:
    reports = tmp_path / "reports"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-k", "success_criteria", "-p", "no:cacheprovider",
         "--report-dir", str(reports), "--target", str(repo / "target.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    data = orjson.loads((reports / "signoff.json").read_bytes())
    return out.returncode, data, out.stdout[-4000:] + out.stderr[-2000:]


def _cells(data: dict) -> dict[str, dict[str, str]]:
    return {
        c["id"]: {e: x["status"] for e, x in c["environments"].items()} for c in data["criteria"]
    }


def _findings(data: dict, criterion: str, env: str) -> list[str]:
    cell = next(c for c in data["criteria"] if c["id"] == criterion)["environments"][env]
    return [f for r in cell["results"] for f in r["findings"]] + [
        e for e in cell.get("errors", []) if isinstance(e, str)
    ]


def _sub(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text()
    new, n = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert n, f"{pattern!r} not found in {path}"
    path.write_text(new)


def _cross_environment_policy(repo: Path) -> None:
    """The set-up writes a policy that also reads every other stage's keys."""
    for stage in ("dev", "stage", "live"):
        with (repo / "vault" / "policies" / f"ledger-{stage}.hcl").open("a") as fh:
            fh.write('\npath "kv-ledger/data/*" {\n  capabilities = ["read"]\n}\n')


def _secret_ids_never_expire(repo: Path) -> None:
    _sub(repo / "vault" / "setup.sh", r"secret_id_ttl=\w+", "secret_id_ttl=0")


def _rotation_keeps_old_leases(repo: Path) -> None:
    _sub(repo / "vault" / "rotate.sh", r"^bao lease revoke .*$", ": # leases left alive")


def _app_caches_for_ever(repo: Path) -> None:
    """The app's cache keeps what it read from Vault for ever (the plan's lru_cache, in
    effect): the configured TTL is still read, and then ignored."""
    _sub(repo / "ledger" / "vault.py", r"\(now \+ self\.config\.cache_ttl_s, entry\)",
         '(float("inf"), entry)')  # fmt: skip


@pytest.mark.servers
def test_ledger_passes_clean(tmp_path: Path) -> None:
    code, data, out = _signoff(tmp_path, _copy(tmp_path, None))
    assert code == 0, out
    assert data["target"] == "ledger" and data["passed"] is True
    assert all(s == "pass" for cells in _cells(data).values() for s in cells.values())


FLAWS = {
    "cross-environment policy": (
        _cross_environment_policy,
        "least_privilege",
        'path "kv-ledger/data/*"',
    ),
    "secret_ids that never expire": (
        _secret_ids_never_expire,
        "least_privilege",
        "auth/approle/role/ledger-",
    ),
    "rotation that leaves the old database lease": (
        _rotation_keeps_old_leases,
        "rotation_works",
        "the old database login",
    ),
    "a key cached for ever": (_app_caches_for_ever, "rotation_works", "still accepted"),
}


@pytest.mark.servers
@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_flawed_copy_fails_exactly_its_criterion(tmp_path: Path, flaw: str) -> None:
    apply, criterion, says = FLAWS[flaw]
    code, data, out = _signoff(tmp_path, _copy(tmp_path, apply))
    assert code == 1, out
    cells = _cells(data)
    failing = {c for c, by_env in cells.items() if any(s != "pass" for s in by_env.values())}
    assert failing == {criterion}, (flaw, cells)
    for env in ENVS:
        findings = _findings(data, criterion, env)
        if cells[criterion][env] == "fail":
            assert any(says in f for f in findings), (flaw, env, findings)
    assert "fail" in cells[criterion].values()

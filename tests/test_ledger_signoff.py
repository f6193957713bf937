"""The sign-off on the second sample application (sample_apps/ledger), and on flawed copies.

ledger differs from store-erp in everything that is store-erp's own (framework, routes,
JSON shapes, variable names, KV mount and layout, policy and role names, its set-up and
rotation tools as bash scripts of `bao` commands). The gate knows it only through its
target file: it passes clean; each flawed copy fails exactly the criterion its flaw
breaks, with evidence that names the flaw.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import signoff_copies as sc

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "sample_apps" / "ledger"
ENVS = sc.ENVS


def _copy(tmp_path: Path, flaw: Callable[[Path], None] | None) -> Path:
    return sc.copy_app(LEDGER, tmp_path, flaw)


def _cross_environment_policy(repo: Path) -> None:
    """The set-up writes a policy that also reads every other stage's keys."""
    for stage in ("dev", "stage", "live"):
        with (repo / "vault" / "policies" / f"ledger-{stage}.hcl").open("a") as fh:
            fh.write('\npath "kv-ledger/data/*" {\n  capabilities = ["read"]\n}\n')


def _secret_ids_never_expire(repo: Path) -> None:
    sc.sub(repo / "vault" / "setup.sh", r"secret_id_ttl=\w+", "secret_id_ttl=0")


def _rotation_keeps_old_leases(repo: Path) -> None:
    sc.sub(repo / "vault" / "rotate.sh", r"^bao lease revoke .*$", ": # leases left alive")


def _app_caches_for_ever(repo: Path) -> None:
    """The app's cache keeps what it read from Vault for ever (the plan's lru_cache, in
    effect): the configured TTL is still read, and then ignored."""
    sc.sub(repo / "ledger" / "vault.py", r"\(now \+ self\.config\.cache_ttl_s, entry\)",
         '(float("inf"), entry)')  # fmt: skip


@pytest.mark.servers
def test_ledger_passes_clean(tmp_path: Path) -> None:
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, None))
    assert code == 0, out
    assert data["target"] == "ledger" and data["passed"] is True
    assert all(s == "pass" for cells in sc.cells(data).values() for s in cells.values())


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
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, apply))
    assert code == 1, out
    cells = sc.cells(data)
    failing = {c for c, by_env in cells.items() if any(s != "pass" for s in by_env.values())}
    assert failing == {criterion}, (flaw, cells)
    for env in ENVS:
        findings = sc.findings(data, criterion, env)
        if cells[criterion][env] == "fail":
            assert any(says in f for f in findings), (flaw, env, findings)
    assert "fail" in cells[criterion].values()

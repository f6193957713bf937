"""The sign-off on the third sample application (sample_apps/courier, Node.js), and on
flawed copies.

courier is an Express app with its own conventions (COURIER_* variables, a KV v2 mount
and an AppRole mount of its own, tiers named sandbox/preprod/production, a JWT in
``{"auth": {"bearer"}}`` sent as ``X-Courier-Auth: Token``), dependencies pinned in
package-lock.json and installed by its declared ``[app] install`` (``npm ci``). The gate
reads its JavaScript with the same parser interface as Python: the clean copy passes;
each flawed copy fails exactly the criterion its flaw breaks, with evidence naming the
file and the line.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import signoff_copies as sc

ROOT = Path(__file__).resolve().parent.parent
COURIER = ROOT / "sample_apps" / "courier"
ENVS = sc.ENVS

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="courier needs node and npm on PATH (its criteria are 'not run' without them)",
)


def _copy(tmp_path: Path, flaw: Callable[[Path], None] | None) -> Path:
    return sc.copy_app(COURIER, tmp_path, flaw, "node_modules")


def _signing_key_from_the_environment(repo: Path) -> str:
    """The config still takes a signing key from the environment, as before the move."""
    config = repo / "src" / "config.js"
    sc.sub(
        config,
        r"^(\s*)cacheSeconds:",
        r"\1signingKey: process.env.SIGNING_KEY || '',\n\1cacheSeconds:",
    )
    return f"src/config.js:{sc.line_of(config, 'process.env.SIGNING_KEY')}: reads SIGNING_KEY"


def _key_cache_never_refreshed(repo: Path) -> str:
    """The module-level key cache keeps the first value it read, for ever."""
    keys = repo / "src" / "keys.js"
    sc.sub(keys, r"if \(hit && hit\.expires > Date\.now\(\)\)", "if (hit)")
    sc.sub(keys, r"\{ entry: fresh, expires: [^}]*\}", "{ entry: fresh }")
    return f"src/keys.js:{sc.line_of(keys, 'cache.set(slot')}: cache (declared at line"


def _vault_token_from_the_environment(repo: Path) -> str:
    """The client starts from a static token when the deployment sets one."""
    bao = repo / "src" / "bao.js"
    sc.sub(bao, r"^(\s*)this\.token = null;", r"\1this.token = process.env.VAULT_TOKEN || null;")
    line = sc.line_of(bao, "process.env.VAULT_TOKEN")
    return f"src/bao.js:{line}: reads the credential VAULT_TOKEN from the environment"


def _guide_names_an_unread_variable(repo: Path) -> str:
    usage = repo / "docs" / "usage.md"
    with usage.open("a") as fh:
        fh.write("\nSet `COURIER_DEBUG_KEYS=1` to log which key version signed each token.\n")
    line = sc.line_of(usage, "COURIER_DEBUG_KEYS")
    return f"usage.md:{line}: names COURIER_DEBUG_KEYS, which no code"


@pytest.mark.servers
def test_courier_passes_clean(tmp_path: Path) -> None:
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, None))
    assert code == 0, out
    assert data["target"] == "courier" and data["passed"] is True
    assert all(s == "pass" for cells in sc.cells(data).values() for s in cells.values())


FLAWS = {
    "process.env.SIGNING_KEY in its config": (
        _signing_key_from_the_environment,
        "secrets_migrated",
    ),
    "a module-level key cache never refreshed": (_key_cache_never_refreshed, "rotation_works"),
    "a VAULT_TOKEN read": (_vault_token_from_the_environment, "secrets_migrated"),
    "a guide naming a variable the code never reads": (
        _guide_names_an_unread_variable,
        "docs_complete",
    ),
}


@pytest.mark.servers
@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_flawed_copy_fails_exactly_its_criterion(tmp_path: Path, flaw: str) -> None:
    apply, criterion = FLAWS[flaw]
    holder: list[str] = []
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, lambda repo: holder.append(apply(repo))))
    says = holder[0]
    assert code == 1, out
    cells = sc.cells(data)
    failing = {c for c, by_env in cells.items() if any(s != "pass" for s in by_env.values())}
    assert failing == {criterion}, (flaw, cells)
    for env in ENVS:
        assert cells[criterion][env] == "fail", (flaw, env, cells[criterion])
        findings = sc.findings(data, criterion, env)
        assert any(says in f for f in findings), (flaw, env, says, findings)

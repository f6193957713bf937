"""Imports go downward only, so each room can be read (and reused) without the rooms above
it: checks never import the harness, the servers never import the app or the run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"compliance": "vault_gate.compliance", "fixtures": "vault_gate.fixtures",
           "steps": "vault_gate.steps"}  # fmt: skip

# A module of the room on the left may not import any module of the rooms on the right.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "vault_gate.compliance": ("vault_gate.fixtures", "vault_gate.steps"),
    "vault_gate.fixtures": ("vault_gate.steps",),
    "vault_gate.compliance.checks": ("vault_gate.compliance.live", "vault_gate.compliance.cli"),
    "vault_gate.compliance.policy": ("vault_gate.compliance.checks", "vault_gate.compliance.live",
                                     "vault_gate.compliance.cli"),
    "vault_gate.compliance.scan": ("vault_gate.compliance.checks", "vault_gate.compliance.live"),
    "vault_gate.compliance.live": ("vault_gate.compliance.cli",),
    # Code reading sits under every check that reads code (migrated, rotation, docs).
    "vault_gate.compliance.code": ("vault_gate.compliance.checks", "vault_gate.compliance.scan",
                                   "vault_gate.compliance.policy", "vault_gate.compliance.live",
                                   "vault_gate.compliance.cli"),
    "vault_gate.fixtures.process": ("vault_gate.fixtures.servers", "vault_gate.fixtures.app",
                                    "vault_gate.fixtures.run", "vault_gate.fixtures.faults"),
    "vault_gate.fixtures.commands": ("vault_gate.fixtures.app", "vault_gate.fixtures.run",
                                     "vault_gate.fixtures.faults"),
    # The app's install step: core, used by the servers' set-up (the seed) and the app.
    "vault_gate.fixtures.install": ("vault_gate.fixtures.servers", "vault_gate.fixtures.app",
                                    "vault_gate.fixtures.run", "vault_gate.fixtures.faults"),
    "vault_gate.fixtures.servers": ("vault_gate.fixtures.app", "vault_gate.fixtures.run",
                                    "vault_gate.fixtures.faults"),
    "vault_gate.fixtures.app": ("vault_gate.fixtures.run", "vault_gate.fixtures.faults"),
    "vault_gate.fixtures.run": ("vault_gate.fixtures.faults",),
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.startswith("vault_gate.")}


def _within(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


MODULES = _modules()


# Ids are file paths with "-" for "_", so `-k success_criteria` selects none of these.
@pytest.mark.parametrize(
    "module",
    sorted(MODULES),
    ids=lambda m: str(MODULES[m].relative_to(ROOT).with_suffix("")).replace("_", "-"),
)
def test_imports_go_downward(module: str) -> None:
    bad = []
    for room, above in FORBIDDEN.items():
        if not _within(module, room):
            continue
        bad += [i for i in _imports(MODULES[module]) for a in above if _within(i, a)]
    assert not bad, f"{MODULES[module].relative_to(ROOT)} imports {sorted(set(bad))}"


def test_no_module_uses_the_old_top_level_names() -> None:
    old = ("compliance", "fixtures", "steps")
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in old, f"{path}: from {node.module}"
            if isinstance(node, ast.Import):
                for a in node.names:
                    assert a.name.split(".")[0] not in old, f"{path}: import {a.name}"

"""The bundled example's target, for tests that exercise store-erp itself."""

from __future__ import annotations

from pathlib import Path

from vault_gate.compliance.target import Target, load_target

ROOT = Path(__file__).resolve().parent.parent
TARGET_FILE = ROOT / "store_erp" / "target.toml"


def store_erp() -> Target:
    return load_target(TARGET_FILE)


PROFILES = store_erp().profiles()  # the environments' profiles, bound to store-erp's names

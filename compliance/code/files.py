"""The files of a target's repository that are code or script, in any language.

A guide may name a variable that only the set-up script, a seed tool or a migration
reads; so the documentation check searches every such file, not only the app's
``source``. Version-control folders, dependency folders and build outputs are not the
repository's own code and are left out (node_modules alone can hold 100,000 files).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from vault_gate.compliance.code.languages import is_script
from vault_gate.compliance.code.reader import HEAD_BYTES, MAX_BYTES

SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", "dist", "build", "target", "vendor", ".next", "coverage",
})  # fmt: skip


def code_files(root: Path, exclude: Sequence[str] = ()) -> list[Path]:
    """Every file under ``root`` that is code or script (by suffix or shebang), sorted;
    ``exclude`` holds globs relative to ``root`` (a target's ``scan_exclude``: what in its
    repository is not the application's)."""
    out: list[Path] = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED_DIRS and not _excluded(rel / d, exclude)
        )
        for name in files:
            path = Path(folder) / name
            if _excluded(rel / name, exclude):
                continue
            try:
                if not path.is_file() or path.stat().st_size > MAX_BYTES:
                    continue
                with path.open("rb") as fh:
                    head = fh.read(HEAD_BYTES)
            except OSError:
                continue
            if b"\0" not in head and is_script(path, head):
                out.append(path)
    return sorted(out)


def _excluded(rel: Path, patterns: Sequence[str]) -> bool:
    """``rel`` or one of its folders matches a glob of ``patterns``."""
    if not patterns:
        return False
    pure = PurePosixPath(rel.as_posix())
    candidates = [str(pure), *(str(p) for p in pure.parents if str(p) != ".")]
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns)

"""A detect-secrets baseline as an allowlist: the reviewed findings a scan lets pass.

The format is detect-secrets' own (``.secrets.baseline``: ``results`` maps each file to
entries with a ``hashed_secret``, the SHA-1 of the value); ``vault-gate-hook
--update-baseline`` writes the same format with our kinds in it, and detect-secrets'
``scan --baseline`` keeps our entries. A finding is allowed when its file and its
``hashed_secret`` are in the baseline, whatever the kind: the hash names the value, so a
new secret on the same line is not allowed. A committed ``.env`` file has no value to
hash and is never allowed. Standard library only: the hook reads it at commit time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar


class BaselineError(ValueError):
    """A file that is not a detect-secrets baseline; the message names it and why."""


class _Finding(Protocol):
    path: str
    hashed_secret: str


F = TypeVar("F", bound=_Finding)


def norm(path: str) -> str:
    return PurePosixPath(os.path.normpath(path).replace(os.sep, "/")).as_posix()


def load_baseline(path: Path, regenerate: str) -> dict[str, set[str]]:
    """file -> the hashed_secret values allowed in it. ``regenerate`` is the command
    that makes a new one where the message is read (it differs: the hook, the CLI)."""
    try:
        if not path.is_file():
            raise BaselineError(f"{path}: no such file")
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data["results"]
        return {
            norm(name): {entry["hashed_secret"] for entry in entries}
            for name, entries in results.items()
        }
    except BaselineError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BaselineError(
            f"{path}: not a detect-secrets baseline ({type(exc).__name__}: {exc}); "
            f"regenerate it with {regenerate}"
        ) from None


def not_allowed(findings: Iterable[F], allowed: dict[str, set[str]]) -> list[F]:
    """The findings the baseline does not allow. A baseline names files relative to the
    directory it was made in, a scan relative to the path it was given: a file matches
    when one name ends with the other at a '/'."""
    out = []
    for f in findings:
        hashed = f.hashed_secret
        if not hashed or not any(hashed in hashes for hashes in _entries(norm(f.path), allowed)):
            out.append(f)
    return out


def _entries(path: str, allowed: dict[str, set[str]]) -> Sequence[set[str]]:
    exact = allowed.get(path)
    if exact is not None:
        return [exact]
    return [
        hashes
        for name, hashes in allowed.items()
        if name.endswith("/" + path) or path.endswith("/" + name)
    ]

"""Search files for secret values, reporting (file, fingerprint, kind) and never a value.

Shared by the hygiene probe inside a gate run (tests/data/hygiene_probe.py) and the
outer tests that read what it found. Files are read as bytes in overlapping chunks, so
binary files (raft storage, PostgreSQL's data files) and huge logs are searched too,
in flat memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from vault_gate.compliance.secret import Secret

CHUNK_BYTES = 4 * 1024 * 1024


def scan_files(
    files: Iterable[Path], values: Sequence[tuple[Secret, str]]
) -> tuple[dict[str, int], list[dict[str, str]]]:
    """({file: bytes scanned}, [{"file", "fingerprint", "kind"}]) for ``values`` as
    (secret, kind) pairs. A file that vanishes or cannot be read is recorded with size -1."""
    needles = [(s.reveal().encode(), s.fingerprint, kind) for s, kind in values if s.reveal()]
    overlap = max((len(n) for n, _, _ in needles), default=1) - 1
    sizes: dict[str, int] = {}
    hits: list[dict[str, str]] = []
    for path in files:
        found: set[tuple[str, str]] = set()
        total = 0
        try:
            with open(path, "rb") as fh:
                tail = b""
                while chunk := fh.read(CHUNK_BYTES):
                    window = tail + chunk
                    total += len(chunk)
                    found |= {(fp, kind) for n, fp, kind in needles if n in window}
                    tail = window[-overlap:] if overlap else b""
        except OSError:
            total = -1
        sizes[str(path)] = total
        hits += [{"file": str(path), "fingerprint": fp, "kind": k} for fp, k in sorted(found)]
    return sizes, hits


# The harness's own logins live in these 0600 files of the session dir, by design; the
# target's rotation tool reads its token from a 0600 file in the app's 0700 dir.
CREDENTIAL_FILES = ("operator-token-dev", "operator-token-secure", "rotation-token")


def unexpected(
    hits: Iterable[dict[str, str]], credential_files: Sequence[str] = CREDENTIAL_FILES
) -> list[dict[str, str]]:
    """The hits that are leaks: a secret of the plan or a canary anywhere, or a credential
    of the harness anywhere but its own credential file."""
    return [
        h for h in hits
        if not (h["kind"] == "credential" and Path(h["file"]).name in credential_files)
    ]  # fmt: skip

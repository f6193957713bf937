"""Large files read in overlapping pieces, so memory stays bounded whatever their size.

A file over :data:`STREAM_MIN_BYTES` is not read whole: it is mapped and handed to the
engine in pieces of about :data:`PIECE_BYTES`, cut after a newline where one is near
(so a piece holds whole lines) and overlapping their neighbours by :data:`OVERLAP_BYTES`
on each side, so a secret across a cut, and the context lines a rule looks at around
its line (a PEM body, a key array), are whole in at least one piece. A single 50 MB
line has no newline to cut at: its pieces overlap inside the line, and the engine
looks at long lines through windows around anchor matches anyway. Each piece says how
many newlines come before it, so findings keep the file's own line numbers; a secret
seen by two overlapping pieces is the same (line, kind, value) and is reported once.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from pathlib import Path

STREAM_MIN_BYTES = 16 * 1024 * 1024
PIECE_BYTES = 8 * 1024 * 1024
OVERLAP_BYTES = 64 * 1024


def pieces(path: Path) -> Iterator[tuple[int, bytes]]:
    """(newlines before the piece, piece bytes) for ``path``, in order."""
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            yield from _pieces(mm, size)


def _pieces(mm: mmap.mmap, size: int) -> Iterator[tuple[int, bytes]]:
    pos, lines_before, counted_to = 0, 0, 0
    while pos < size:
        end = min(size, pos + PIECE_BYTES)
        if end < size:
            cut = mm.rfind(b"\n", pos + PIECE_BYTES // 2, end)
            if cut >= 0:
                end = cut + 1  # whole lines where there are lines
        lo = pos
        if pos > 0:
            back = mm.rfind(b"\n", max(0, pos - OVERLAP_BYTES), pos - 1)
            lo = back + 1 if back >= 0 else max(0, pos - OVERLAP_BYTES)
        hi = min(size, end + OVERLAP_BYTES)
        if hi < size:
            nxt = mm.rfind(b"\n", end, hi)
            hi = nxt + 1 if nxt >= 0 else hi
        lines_before += mm[counted_to:lo].count(b"\n")
        counted_to = lo
        yield lines_before, mm[lo:hi]
        pos = end

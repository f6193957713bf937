"""A repository's history as the lines each commit added (``git log -p -U0``).

A secret in history was added by some commit: scanning what each commit added finds
it once, where it entered, without rescanning every version of every file. Commits
(all refs, parents before children) are split into chunks, each chunk one ``git log``
process read by one worker; results are put back in commit order. What each commit
yielded (fingerprints and hashes, never values) is cached per repository and rule set,
so a re-run scans only commits it has not seen (not when known values are searched:
those differ per run).

What this does not see, by design: a merge commit's own changes (``git log -p`` shows
none, as gitleaks and betterleaks read history too); a rule needing lines that were
not added in the same commit (an unseal-key array item added under an old header).
Where ``git log -p`` cannot run (objects missing from a partial clone), the caller
falls back to scanning each distinct blob (:func:`vault_gate.compliance.scan.repo._scan_history`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CHUNK_COMMITS = 2048  # commits per git log process, at most (read as it comes: any size)
CHUNK_MIN_COMMITS = 8  # ... and at least (each is a git process)
CHUNKS_PER_WORKER = 8  # enough that no core waits long for another's last chunk
GIT_TIMEOUT_S = 1800

# (path, line, kind, fingerprint, hashed_secret): what a commit yielded.
Found = tuple[str, int, str, str, str]


@dataclass
class CommitResult:
    """What one commit added, scanned (picklable: it comes back from a worker)."""

    sha: str
    found: list[Found] = field(default_factory=list)
    files: int = 0
    size: int = 0
    binary: int = 0
    oversize: list[tuple[str, int]] = field(default_factory=list)
    added_paths: list[str] = field(default_factory=list)  # new files (for .env checks)

    def to_json(self) -> list[Any]:
        return [
            self.found, self.files, self.size, self.binary, self.oversize, self.added_paths
        ]  # fmt: skip

    @classmethod
    def from_json(cls, sha: str, data: list[Any]) -> CommitResult:
        found, files, size, binary, oversize, added = data
        return cls(
            sha, [tuple(f) for f in found], files, size, binary,  # type: ignore[misc]
            [tuple(o) for o in oversize], list(added),  # type: ignore[misc]
        )  # fmt: skip


# scan(data, path) -> (line, kind, fingerprint, hashed_secret) for each secret in data
ScanBytes = Callable[[bytes, str], list[tuple[int, str, str, str]]]


def commits(root: Path) -> dict[str, tuple[str, ...]]:
    """Every commit on any ref and its parents, parents before children."""
    out = _git(root, "rev-list", "--all", "--topo-order", "--reverse", "--parents")
    return {sha: tuple(parents) for sha, *parents in map(str.split, out.decode().splitlines())}


def boundary(chunk: Sequence[str], parents: Mapping[str, Sequence[str]]) -> list[str]:
    """The parents of ``chunk``'s commits that are not in it. Chunks are runs of the
    topological order, so these and all their ancestors come before: ``git log`` of the
    chunk's commits, stopping at these, walks exactly the chunk."""
    members = set(chunk)
    return sorted({p for sha in chunk for p in parents.get(sha, ()) if p not in members})


def is_shallow(root: Path) -> bool:
    return _git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(  # noqa: S603 - fixed git argv, no shell
        ["git", "-C", str(root), "-c", "core.quotepath=off", *args],  # noqa: S607
        input=stdin, capture_output=True, check=True, timeout=GIT_TIMEOUT_S,
    ).stdout  # fmt: skip


def chunk_commits(commits: int, workers: int) -> int:
    """Commits per chunk: small enough that the cores share the work evenly (a chunk's
    cost is unknown until it is read: one commit may add a whole vendored tree), large
    enough that starting git is not the cost."""
    if workers <= 1:
        return CHUNK_COMMITS
    share = commits // (workers * CHUNKS_PER_WORKER)
    return max(CHUNK_MIN_COMMITS, min(CHUNK_COMMITS, share))


# A walk from the chunk's commits down to its boundary, not ``--no-walk`` of a list of
# commits: git is slower with a long list (measured through this module on 20,000
# commits of one file each: listed 1.45 s, walked 0.85 s).
LOG_ARGS = (
    "log", "--stdin", "-p", "-U0", "--no-renames", "--no-color",
    "--no-ext-diff", "--relative", "--format=%x01%H",
)  # fmt: skip
READ_BYTES = 1 << 20  # git's output is parsed as it comes, about this much at a time


def log_pieces(root: Path, shas: Sequence[str], stop: Sequence[str] = ()) -> Iterator[bytes]:
    """The patches (added lines only, no context) of ``shas`` and the commits between
    them and ``stop`` (:func:`boundary`), while git writes them, in pieces of whole
    commits: git computes the next commits' patches while this process scans the last
    ones (read whole, the two would take turns). Raises
    :class:`subprocess.CalledProcessError` if git fails (objects missing from a partial
    clone), after the pieces it gave."""
    argv = ["git", "-C", str(root), "-c", "core.quotepath=off", *LOG_ARGS]
    proc = subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None and proc.stdout is not None
    timer = threading.Timer(GIT_TIMEOUT_S, proc.kill)
    timer.daemon = True  # never what keeps the interpreter from exiting
    timer.start()
    revisions = [*shas, *(f"^{sha}" for sha in stop)]
    feeder = threading.Thread(target=_feed, args=(proc.stdin, revisions), daemon=True)
    feeder.start()
    try:
        yield from whole_commits(iter(lambda: proc.stdout.read(READ_BYTES), b""))
    finally:
        proc.stdout.close()
        if proc.poll() is None and sys.exc_info()[0] is not None:
            proc.kill()
        code = proc.wait()
        timer.cancel()
        feeder.join()
    if code:
        raise subprocess.CalledProcessError(code, argv)


def whole_commits(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """``blocks`` of a log (cut anywhere) joined into pieces that hold whole commits.

    A commit starts with \\x01 at the start of a line (nothing else does: every patch
    line starts with a header word, "+" or "-"). The last commit of a block may go on
    in the next ones: kept as parts and joined once (a commit of 100 MB is not copied
    block by block)."""
    parts: list[bytes] = []
    line_ended = False
    for block in blocks:
        cut: int | None = block.rfind(b"\n\x01") + 1 or None
        if cut is None and line_ended and block.startswith(b"\x01"):
            cut = 0  # the block starts a commit
        if cut is None:
            parts.append(block)
        else:
            if parts or cut:
                yield b"".join([*parts, block[:cut]])
            parts = [block[cut:]]
        line_ended = block.endswith(b"\n")
    if parts:
        yield b"".join(parts)


def _feed(pipe: IO[bytes], shas: Sequence[str]) -> None:
    with suppress(BrokenPipeError, OSError), pipe:  # git died: its exit status says why
        pipe.write("".join(f"{s}\n" for s in shas).encode())


# One pass of one regular expression over the whole log (C speed), stopping at each
# commit, file header and hunk; a hunk's added lines (with -U0: after its removed ones)
# are taken as one block, never line by line in Python.
_EVENTS = re.compile(
    rb"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@[^\n]*\n(?:[-\\][^\n]*\n)*"
    rb"(?P<added>(?:\+[^\n]*(?:\n|\Z))*)"
    rb"|^\x01(?P<commit>[0-9a-f]{40,64})$"
    rb"|^(?P<diff>diff --git )"
    rb"|^\+\+\+ (?P<plus>[^\n]*)$"
    rb"|^(?P<new>new file mode)"
    rb"|^Binary files (?P<binary>[^\n]*) differ$",
    re.MULTILINE,
)


@dataclass
class FileChange:
    """What one commit did to one file: its added lines in hunks (first line, text)."""

    commit: str
    path: str | None = None  # None: deleted
    hunks: list[tuple[int, bytes]] = field(default_factory=list)
    binary: bool = False
    new: bool = False

    def text(self) -> bytes:
        return b"\n".join(block for _, block in self.hunks)

    def line_of(self, index: int) -> int:
        """The file line of the ``index``-th (1-based) line of :meth:`text`."""
        for start, block in self.hunks:
            count = block.count(b"\n") + 1
            if index <= count:
                return start + index - 1
            index -= count
        return 0


def parse(log: bytes) -> Iterator[FileChange]:
    """Each file change of each commit in ``log``; a commit that changed no file
    yields one change with no path (so every commit is accounted for)."""
    commit = ""
    change: FileChange | None = None
    touched = False
    for m in _EVENTS.finditer(log):
        kind = m.lastgroup
        if m.group("added") is not None and m.group("start") is not None:
            if change is not None:
                block = m.group("added").rstrip(b"\n")
                if block:
                    change.hunks.append((int(m.group("start")), block[1:].replace(b"\n+", b"\n")))
        elif kind == "commit":
            if change is not None:
                yield change
            elif commit and not touched:
                yield FileChange(commit)
            commit, change, touched = m.group("commit").decode(), None, False
        elif kind == "diff":
            if change is not None:
                yield change
            change, touched = FileChange(commit), True
        elif change is None:
            continue
        elif kind == "plus":
            name = m.group("plus")
            if name.startswith(b"b/"):
                change.path = name[2:].decode("utf-8", "surrogateescape")
        elif kind == "new":
            change.new = True
        elif kind == "binary":
            change.binary = True
            text = m.group("binary")
            if change.path is None and b" and b/" in text:
                change.path = text.rsplit(b" and b/", 1)[1].decode("utf-8", "surrogateescape")
    if change is not None:
        yield change
    elif commit and not touched:
        yield FileChange(commit)


def scan_chunk(
    root: Path,
    shas: Sequence[str],
    stop: Sequence[str],
    scan: ScanBytes,
    excluded: Callable[[str], bool],
    max_bytes: int,
) -> list[CommitResult]:
    """Scan what each commit of ``shas`` added (``stop``: their :func:`boundary`), as git
    writes it."""
    results: dict[str, CommitResult] = {s: CommitResult(s) for s in shas}
    for piece in log_pieces(root, shas, stop):
        _scan_changes(piece, results, scan, excluded, max_bytes)
    return [results[s] for s in shas]


def _scan_changes(
    log: bytes,
    results: dict[str, CommitResult],
    scan: ScanBytes,
    excluded: Callable[[str], bool],
    max_bytes: int,
) -> None:
    """Scan the file changes of ``log`` (whole commits) into their commits' results."""
    for change in parse(log):
        result = results.setdefault(change.commit, CommitResult(change.commit))
        path = change.path
        if path is None or excluded(path):
            continue
        if change.new:
            result.added_paths.append(path)
        if change.binary:
            result.binary += 1
            continue
        if not change.hunks:
            continue
        data = change.text()
        if len(data) > max_bytes:
            result.oversize.append((path, len(data)))
            continue
        result.files += 1
        result.size += len(data)
        for index, kind, fp, hashed in scan(data, path):
            result.found.append((path, change.line_of(index), kind, fp, hashed))


# --- the cache ------------------------------------------------------------------------


def cache_path(root: Path, settings: str) -> Path | None:
    """Per repository (its git directory) and rule set (``settings``: a digest of the
    rules' source, the excludes and the size limit)."""
    try:
        git_dir = _git(root, "rev-parse", "--absolute-git-dir").decode().strip()
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (subprocess.CalledProcessError, OSError, RuntimeError):
        return None
    key = hashlib.sha256(f"{git_dir}\0{Path(root).resolve()}\0{settings}".encode()).hexdigest()
    return base / "vault-gate" / "history" / f"{key[:24]}.json"


def load_cache(path: Path | None) -> dict[str, CommitResult]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {sha: CommitResult.from_json(sha, v) for sha, v in data["commits"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def save_cache(path: Path | None, results: dict[str, CommitResult]) -> None:
    """Atomically, private to the user (fingerprints only, still nobody else's business)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"commits": {s: r.to_json() for s, r in results.items()}}, f)
        os.replace(tmp, path)
    except OSError:
        pass

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

import atexit
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import IO, Any, Protocol

CHUNK_COMMITS = 2048  # commits per git log process, at most (read as it comes: any size)
CHUNK_MIN_COMMITS = 8  # ... and at least (each is a git process)
CHUNKS_PER_WORKER = 8  # enough that no core waits long for another's last chunk
GIT_TIMEOUT_S = 1800

# (path, line, kind, fingerprint, hashed_secret): what a commit yielded.
Found = tuple[str, int, str, str, str]


@dataclass
class Notes:
    """What one commit added that the report lists one by one (most commits: nothing)."""

    found: list[Found] = field(default_factory=list)
    oversize: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes added)
    new_paths: list[str] = field(default_factory=list)  # new files the caller notes (.env)

    def to_json(self) -> list[Any]:
        return [self.found, self.oversize, self.new_paths]

    @classmethod
    def from_json(cls, data: list[Any]) -> Notes:
        found, oversize, new_paths = data
        return cls(
            [tuple(f) for f in found], [tuple(o) for o in oversize], list(new_paths)  # type: ignore[misc]
        )  # fmt: skip


@dataclass
class Scanned:
    """Commits scanned, in order, as columns (picklable: it comes back from a worker).

    Columns and a few notes, not an object a commit: for 100,000 commits, objects cost
    more to build, pickle and read back in the parent (1.2 s, measured) than scanning
    what the commits added."""

    shas: list[str] = field(default_factory=list)
    files: list[int] = field(default_factory=list)  # files scanned, each commit
    size: list[int] = field(default_factory=list)  # bytes scanned
    binary: list[int] = field(default_factory=list)  # binary files skipped
    notes: dict[str, Notes] = field(default_factory=dict)  # by commit, where any

    @classmethod
    def zero(cls, shas: Sequence[str]) -> Scanned:
        n = len(shas)
        return cls(list(shas), [0] * n, [0] * n, [0] * n)

    def note(self, sha: str) -> Notes:
        notes = self.notes.get(sha)
        if notes is None:
            notes = self.notes[sha] = Notes()
        return notes

    @classmethod
    def join(cls, parts: Iterable[Scanned], only: Collection[str] | None = None) -> Scanned:
        """``parts`` one after the other; with ``only``, just those commits."""
        out = cls()
        for part in parts:
            if only is None:
                out.shas += part.shas
                out.files += part.files
                out.size += part.size
                out.binary += part.binary
                out.notes.update(part.notes)
                continue
            for i, sha in enumerate(part.shas):
                if sha in only:
                    out.shas.append(sha)
                    out.files.append(part.files[i])
                    out.size.append(part.size[i])
                    out.binary.append(part.binary[i])
                    if sha in part.notes:
                        out.notes[sha] = part.notes[sha]
        return out

    def to_json(self) -> dict[str, Any]:
        notes = {sha: n.to_json() for sha, n in self.notes.items()}
        columns = {"files": self.files, "size": self.size, "binary": self.binary}
        return {"shas": self.shas, **columns, "notes": notes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scanned:
        """Raises ValueError, KeyError or TypeError where ``data`` is not one."""
        shas = [str(s) for s in data["shas"]]
        columns = [[int(v) for v in data[name]] for name in ("files", "size", "binary")]
        if any(len(c) != len(shas) for c in columns):
            raise ValueError("columns of different lengths")
        notes = {str(sha): Notes.from_json(n) for sha, n in data["notes"].items()}
        return cls(shas, *columns, notes)


class ChangeScanner(Protocol):
    """What scans the lines each change added."""

    def scan_bytes(self, data: bytes, path: str) -> list[tuple[int, str, str, str]]:
        """(line, kind, fingerprint, hashed_secret) of each secret in ``data``."""
        ...

    def anchor_ends(self, data: bytes) -> Iterable[int] | None:
        """The end offsets of every match of the rules' anchors in ``data``, or None
        where the rules cannot be screened so. A part of ``data`` between two newlines
        where no match ends holds nothing :meth:`scan_bytes` would find in it alone."""
        ...


_REV_LIST = ("rev-list", "--all", "--topo-order", "--reverse", "--parents")
_listings: dict[str, subprocess.Popen[bytes]] = {}  # started by prefetch_commits


def prefetch_commits(root: Path) -> None:
    """Start listing ``root``'s commits now, for :func:`commits` to take later: the
    CLI calls it before it loads the rules (0.2 s), which the listing outlasts on a long
    history (0.5 s for 100,000 commits). A listing never taken is stopped at exit."""
    key = str(Path(root).resolve())
    if key in _listings:
        return
    try:
        _listings[key] = subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
            git_argv(root, *_REV_LIST), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=git_env(),
        )  # fmt: skip
    except OSError:
        return  # commits() runs git itself, and says why it cannot
    if len(_listings) == 1:
        atexit.register(_stop_listings)


def _stop_listings() -> None:
    while _listings:
        _, proc = _listings.popitem()
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def commits(root: Path) -> dict[str, tuple[str, ...]]:
    """Every commit on any ref and its parents, parents before children."""
    proc = _listings.pop(str(Path(root).resolve()), None)
    if proc is None:
        out = run_git(root, *_REV_LIST)
    else:
        try:
            out, err = proc.communicate(timeout=GIT_TIMEOUT_S)
        finally:
            _stop(proc)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
    return {sha: tuple(parents) for sha, *parents in map(str.split, out.decode().splitlines())}


def boundary(chunk: Sequence[str], parents: Mapping[str, Sequence[str]]) -> list[str]:
    """The parents of ``chunk``'s commits that are not in it. Chunks are runs of the
    topological order, so these and all their ancestors come before: ``git log`` of the
    chunk's commits, stopping at these, walks exactly the chunk."""
    members = set(chunk)
    return sorted({p for sha in chunk for p in parents.get(sha, ()) if p not in members})


def is_shallow(root: Path) -> bool:
    return run_git(root, "rev-parse", "--is-shallow-repository").strip() == b"true"


GIT = shutil.which("git") or "git"


def git_argv(root: Path, *args: str) -> list[str]:
    """``git args`` run in ``root``, paths printed as they are (not octal-quoted)."""
    return [GIT, "-C", str(root), "-c", "core.quotepath=off", *args]


def git_env() -> dict[str, str]:
    """This environment with git's output fully buffered. Into a pipe, git flushes after
    every commit it logs: one write a commit, a third of git's time on a history of
    100,000 small commits (measured: 1.8 s of 4.7 s in the kernel, 0.3 s buffered)."""
    return {**os.environ, "GIT_FLUSH": "0"}


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """git's output; :class:`subprocess.CalledProcessError` if it fails."""
    return subprocess.run(  # noqa: S603 - fixed git argv, no shell
        git_argv(root, *args), input=stdin, capture_output=True, check=True,
        timeout=GIT_TIMEOUT_S, env=git_env(),
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
# commits (measured through this module on 20,000 commits of one file each: listed
# 1.45 s, walked 0.85 s; git alone, since output is buffered: listed 0.70-0.81 s, walked
# 0.68-0.73 s, so either would do now). The bytes as committed: no
# external diff, no textconv filter (a repository's attributes could name any program);
# deleted files left out (they add nothing; git would print every line they had);
# full object names (abbreviating them costs git a lookup each, 4 % of its time).
LOG_ARGS = (
    "log", "--stdin", "-p", "-U0", "--no-renames", "--no-color", "--no-ext-diff",
    "--no-textconv", "--diff-filter=d", "--full-index", "--relative", "--format=%x01%H",
)  # fmt: skip
READ_BYTES = 1 << 20  # git's output is parsed as it comes, about this much at a time


def log_pieces(root: Path, shas: Sequence[str], stop: Sequence[str] = ()) -> Iterator[bytes]:
    """The patches (added lines only, no context) of ``shas`` and the commits between
    them and ``stop`` (:func:`boundary`), while git writes them, in pieces of whole
    commits: git computes the next commits' patches while this process scans the last
    ones (read whole, the two would take turns). Raises
    :class:`subprocess.CalledProcessError` if git fails (objects missing from a partial
    clone), after the pieces it gave."""
    argv = git_argv(root, *LOG_ARGS)
    proc = subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=git_env(),
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    timer = threading.Timer(GIT_TIMEOUT_S, proc.kill)
    timer.daemon = True  # never what keeps the interpreter from exiting
    timer.start()
    revisions = [*shas, *(f"^{sha}" for sha in stop)]
    feeder = threading.Thread(target=_feed, args=(proc.stdin, revisions), daemon=True)
    feeder.start()
    try:
        yield from whole_commits(iter(lambda: proc.stdout.read1(READ_BYTES), b""))
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


@dataclass(slots=True)
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


# The group each of _EVENTS' alternatives ends with (``Match.lastindex``: an int, read
# faster than a group's name, 100,000 times over in a long history).
_HUNK, _COMMIT, _DIFF, _PLUS, _NEW, _BINARY = 2, 3, 4, 5, 6, 7


def parse(log: bytes) -> Iterator[FileChange]:
    """Each file change of each commit in ``log``; a commit that changed no file
    yields one change with no path (so every commit is accounted for)."""
    commit = ""
    change: FileChange | None = None
    touched = False
    for m in _EVENTS.finditer(log):
        event = m.lastindex
        if event == _HUNK:
            if change is not None:
                block = m[2].rstrip(b"\n")
                if block:
                    change.hunks.append((int(m[1]), block[1:].replace(b"\n+", b"\n")))
        elif event == _COMMIT:
            if change is not None:
                yield change
            elif commit and not touched:
                yield FileChange(commit)
            commit, change, touched = m[3].decode(), None, False
        elif event == _DIFF:
            if change is not None:
                yield change
            change, touched = FileChange(commit), True
        elif change is None:
            continue
        elif event == _PLUS:
            name = m[5]
            if name.startswith(b"b/"):
                change.path = name[2:].decode("utf-8", "surrogateescape")
        elif event == _NEW:
            change.new = True
        elif event == _BINARY:
            change.binary = True
            text = m[7]
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
    scanner: ChangeScanner,
    excluded: Callable[[str], bool] | None,
    max_bytes: int,
    noted: Callable[[str], bool] = lambda path: False,
) -> Scanned:
    """Scan what each commit of ``shas`` added (``stop``: their :func:`boundary`), as git
    writes it; new files whose path is ``noted`` are listed in their commit's notes."""
    out = Scanned.zero(shas)
    index = {sha: i for i, sha in enumerate(shas)}
    for piece in log_pieces(root, shas, stop):
        _scan_changes(piece, out, index, scanner, excluded, max_bytes, noted)
    return out


def _scan_changes(
    log: bytes,
    out: Scanned,
    index: Mapping[str, int],
    scanner: ChangeScanner,
    excluded: Callable[[str], bool] | None,
    max_bytes: int,
    noted: Callable[[str], bool],
) -> None:
    """Scan the file changes of ``log`` (whole commits of ``index``) into ``out``."""
    todo: list[tuple[FileChange, str, bytes]] = []
    for change in parse(log):
        i = index.get(change.commit)
        path = change.path
        if i is None or path is None or (excluded is not None and excluded(path)):
            continue
        if change.new and noted(path):
            out.note(change.commit).new_paths.append(path)
        if change.binary:
            out.binary[i] += 1
            continue
        if not change.hunks:
            continue
        data = change.text()
        if len(data) > max_bytes:
            out.note(change.commit).oversize.append((path, len(data)))
            continue
        out.files[i] += 1
        out.size[i] += len(data)
        todo.append((change, path, data))
    for change, path, data in _worth_scanning(todo, scanner):
        for line, kind, fp, hashed in scanner.scan_bytes(data, path):
            out.note(change.commit).found.append((path, change.line_of(line), kind, fp, hashed))


def _worth_scanning(
    todo: list[tuple[FileChange, str, bytes]], scanner: ChangeScanner
) -> list[tuple[FileChange, str, bytes]]:
    """The changes where an anchor of the rules matches: one pass over all of them,
    joined by newlines, instead of one a change (most changes of a history hold none,
    and a call a change costs ten times the pass: 0.16 s against 0.015 s for 100,000)."""
    if len(todo) < 2:
        return todo
    joined = b"\n".join(data for _, _, data in todo)
    ends = scanner.anchor_ends(joined)
    if ends is None:
        return todo
    starts = list(accumulate((len(data) + 1 for _, _, data in todo), initial=0))
    # A match's last byte is in its change, or is the newline after it ($, \n).
    marked = {bisect_right(starts, at) - 1 for end in ends for at in (end - 1, end)}
    return [todo[i] for i in sorted(marked) if 0 <= i < len(todo)]


# --- the cache ------------------------------------------------------------------------


def cache_path(root: Path, settings: str) -> Path | None:
    """Per repository (its git directory) and rule set (``settings``: a digest of the
    rules' source, the excludes and the size limit)."""
    try:
        git_dir = run_git(root, "rev-parse", "--absolute-git-dir").decode().strip()
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (subprocess.CalledProcessError, OSError, RuntimeError):
        return None
    key = hashlib.sha256(f"{git_dir}\0{Path(root).resolve()}\0{settings}".encode()).hexdigest()
    return base / "vault-gate" / "history" / f"{key[:24]}.json"


def load_cache(path: Path | None) -> Scanned:
    """What the last run scanned (nothing where there is no cache or it is unreadable)."""
    if path is None:
        return Scanned()
    try:
        return Scanned.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Scanned()


def save_cache(path: Path | None, scanned: Scanned) -> None:
    """Atomically, private to the user (fingerprints only, still nobody else's business)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(scanned.to_json(), f)
        os.replace(tmp, path)
    except OSError:
        pass

"""Criterion "No secrets in the repository": working tree, untracked files, history, logs.

Moving secrets into Vault is not done while a copy stays behind: in a committed
``.env``, in a compose file's dev root token, in a commit that was "removed" later
(every clone still has it), or in the app's own log. This scans all of those with
our engine (:mod:`compliance.scan.engine`: our rules, and detect-secrets' regex plugins as
a plug-in source of rules), and searches for the values that are known to be live
secrets (from Vault, from the harness) exactly, URL-encoded and base64-encoded.

Findings carry fingerprints, never values. Files that cannot be scanned (over the
size limit, unreadable) are findings too: a check must not pass on what it did not
read. Binary files are skipped, and counted.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import logging
import os
import re
import stat
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import quote, quote_plus

import vault_gate.compliance.scan.dsimport  # noqa: F401 - before detect_secrets

from detect_secrets.__version__ import VERSION as DETECT_SECRETS_VERSION

from vault_gate.compliance.report.sarif import SarifFinding, sarif_log
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.scan import detectors, engine, history, parallel, rules, stream
from vault_gate.compliance.secret import Secret, fingerprint

CRITERION = "no_secrets_in_repo"

WHERE_WORKING_TREE = "working tree"
WHERE_UNTRACKED = "untracked"
WHERE_LOG = "log"
WHERE_IGNORED = "on disk, ignored by git"  # a named path's files that .gitignore hides
HISTORY_PREFIX = "history"
SHORT_SHA_CHARS = 10

KIND_KNOWN = "known secret value"
KIND_KNOWN_URL = "known secret value (URL-encoded)"
KIND_KNOWN_BASE64 = "known secret value (base64)"
KIND_ENV_FILE = "committed .env file"
KIND_OVERSIZE = "not scanned (over size limit)"
KIND_UNREADABLE = "not scanned (unreadable)"
# What no reviewer may wave through: a live secret value, a committed .env file.
UNALLOWABLE = frozenset({KIND_KNOWN, KIND_KNOWN_URL, KIND_KNOWN_BASE64, KIND_ENV_FILE})
NO_FINGERPRINT = "-"  # for findings about a file, not a value

# Larger files are not scanned (a finding, and a skip line): 100 MB, so a 50 MB one-line
# JSON or a big log is read, in overlapping pieces (compliance.scan.stream).
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
MIN_KNOWN_VALUE_CHARS = 8
BINARY_SNIFF_BYTES = 8000  # git's own heuristic: a NUL in the first 8000 bytes
RAW_CONTEXT_LINES = 20  # enough for a 10-share unseal_keys_b64 array
GIT_TIMEOUT_S = 300

ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template"})

# One secret on one line is one finding: the most telling kind wins.
_KIND_PRIORITY = {
    KIND_KNOWN: 0,
    KIND_KNOWN_URL: 1,
    KIND_KNOWN_BASE64: 1,
    **{d.secret_type: 2 + i for i, d in enumerate(detectors.OUR_DETECTORS)},
}
_BUILTIN_PRIORITY = 10
_WHERE_ORDER = {WHERE_WORKING_TREE: 0, WHERE_UNTRACKED: 1, WHERE_IGNORED: 1, WHERE_LOG: 3}

# Why a file was not scanned as text (the summary's keys).
SKIP_BINARY = "binary"
SKIP_OVERSIZE = "over size limit"
SKIP_UNREADABLE = "unreadable"
SKIP_SYMLINK = "symlink (not followed)"
SKIP_SPECIAL = "not a regular file"
SKIP_EXCLUDED = "excluded"


@dataclass(frozen=True)
class RepoFinding:
    """One thing that should not be in the repository, located and fingerprinted."""

    path: str
    line: int  # 0: about the whole file
    kind: str
    fingerprint: str
    where: str  # "working tree", "untracked", "history <short-sha>" or "log"
    # detect-secrets' SHA-1 of the value, to match a baseline entry (pre-commit hook);
    # never printed, not part of a finding's identity.
    hashed_secret: str = field(default="", compare=False, repr=False)
    # Only when asked for (``scan(keep_values=True)``, for ``--verify``): the credential
    # to try (a token; or an AppRole role_id and secret_id), wrapped so that printing a
    # finding prints fingerprints. Not part of a finding's identity, never serialised.
    credentials: tuple[Secret, ...] = field(default=(), compare=False, repr=False)

    def to_json(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "where": self.where,
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} ({self.fingerprint}) [{self.where}]"

    def to_sarif(self) -> SarifFinding:
        """This finding as a SARIF result: the kind is the rule, the text names the
        fingerprint (never the value)."""
        fp = None if self.fingerprint == NO_FINGERPRINT else self.fingerprint
        message = f"{self.kind} ({self.fingerprint}) [{self.where}]"
        return SarifFinding(rule_id(self.kind), message, self.path, self.line, fingerprint=fp)


def hashed_secret(value: str) -> str:
    """detect-secrets' ``hashed_secret`` (SHA-1 of the value), as its baselines key it."""
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def rule_id(kind: str) -> str:
    """A finding kind as a SARIF rule id: "Vault/OpenBao token" -> "vault-openbao-token"."""
    return re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")


def sarif_report(findings: Iterable[RepoFinding]) -> dict[str, object]:
    """A SARIF 2.1.0 log of the scan's findings (see :mod:`vault_gate.compliance.report.sarif`)."""
    findings = list(findings)
    rules = {rule_id(f.kind): f.kind for f in findings}
    return sarif_log([f.to_sarif() for f in findings], rules)


@dataclass
class ScanReport:
    """The findings and what was looked at, so a pass can be told from a scan of nothing."""

    findings: list[RepoFinding] = field(default_factory=list)
    # Text files scanned and binary files skipped, by where ("history" for all commits).
    files: Counter[str] = field(default_factory=Counter)
    binary_skipped: Counter[str] = field(default_factory=Counter)
    commits: int = 0
    not_scanned: list[str] = field(default_factory=list)  # "path (reason) [where]"
    # Bytes of text scanned, by where; files skipped, by reason (see SKIP_*).
    bytes_scanned: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    nul_separated: int = 0  # files with NUL bytes read as NUL-separated text (environ)
    commits_cached: int = 0  # commits whose results came from the history cache

    @property
    def history_blobs(self) -> int:
        return self.files[HISTORY_PREFIX]

    def summary(self) -> dict[str, object]:
        """What was scanned and what was skipped and why: the run's last word.

        A scan that found nothing must be told apart from one that read nothing
        (a hook given no files, a tree that .gitignore hides)."""
        return {
            "files_scanned": dict(sorted(self.files.items())),
            "bytes_scanned": dict(sorted(self.bytes_scanned.items())),
            "commits": self.commits,
            "commits_from_cache": self.commits_cached,
            "skipped": {why: n for why, n in sorted(self.skipped.items()) if n},
            "nul_separated_text": self.nul_separated,
            "findings": len(self.findings),
        }

    def summary_line(self) -> str:
        """The summary in one line, for stderr."""
        files = sum(self.files.values())
        size = sum(self.bytes_scanned.values())
        where = ", ".join(f"{n} {w}" for w, n in sorted(self.files.items())) or "none"
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()) if n) or "none"
        extra = f"; {self.nul_separated} read as NUL-separated text" if self.nul_separated else ""
        if self.commits_cached:
            extra += f"; {self.commits_cached} commits' results from the cache"
        return (
            f"scanned {files} files ({where}), {_size(size)}, {self.commits} commits; "
            f"skipped: {skipped}{extra}; {len(self.findings)} finding(s)"
        )


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def is_committed_env_file(path: str) -> bool:
    """``.env`` and ``.env.*`` hold real values; ``.env.example`` and co. are templates."""
    name = path.rstrip("/").rpartition("/")[2]  # PurePosixPath's name, without its cost
    return (name == ".env" or name.startswith(".env.")) and name not in ENV_TEMPLATES


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    """Whether ``path`` or one of its parent directories matches a glob in ``patterns``."""
    if not patterns:
        return False
    pure = PurePosixPath(path)
    candidates = [str(pure), *(str(p) for p in pure.parents if str(p) != ".")]
    return any(fnmatch.fnmatch(c, pattern) for c in candidates for pattern in patterns)


# --- known values --------------------------------------------------------------------


def _base64_fragments(value: bytes) -> set[bytes]:
    """The part of value's base64 that does not depend on what surrounds it.

    For each of the three alignments a value can have inside a longer base64 stream
    (``Basic base64(user:password)``, a base64'd config file), keep the characters
    computed from the value's bits only. Alignment 0 is a prefix of the value's own
    encoding with and without padding, so those are covered too; both alphabets.
    """
    fragments: set[bytes] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + value).rstrip(b"=")
        start = -(-8 * shift // 6)  # first character made only of value bits
        end = 8 * (shift + len(value)) // 6  # last such character, exclusive
        core = encoded[start:end]
        fragments |= {core, core.replace(b"+", b"-").replace(b"/", b"_")}
    return fragments


def _url_forms(value: str) -> set[bytes]:
    forms = {quote(value, safe=""), quote(value), quote_plus(value), quote_plus(value, safe="/")}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}
    return {f.encode() for f in forms if f != value}


class KnownValues:
    """Finds known secret values in bytes, in the forms they leak in."""

    def __init__(self, values: Sequence[Secret]) -> None:
        self._kinds: dict[bytes, tuple[str, str]] = {}
        for secret in values:
            value = secret.reveal()
            if len(value) < MIN_KNOWN_VALUE_CHARS:
                raise ValueError(
                    f"known value {secret.fingerprint} is shorter than {MIN_KNOWN_VALUE_CHARS} "
                    "characters: searching for it would match ordinary text"
                )
            raw = value.encode()
            for needle in _base64_fragments(raw):
                self._kinds.setdefault(needle, (KIND_KNOWN_BASE64, secret.fingerprint))
            for needle in _url_forms(value):
                self._kinds[needle] = (KIND_KNOWN_URL, secret.fingerprint)
            self._kinds[raw] = (KIND_KNOWN, secret.fingerprint)
        self.empty = not values
        needles = sorted(self._kinds, key=len, reverse=True)
        self._pattern = re.compile(b"|".join(map(re.escape, needles))) if needles else None

    def find(self, data: bytes) -> Iterator[tuple[int, str, str]]:
        """(line, kind, fingerprint) for every occurrence in ``data``."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(data):
            kind, fp = self._kinds[match.group(0)]
            yield data.count(b"\n", 0, match.start()) + 1, kind, fp


# --- git -----------------------------------------------------------------------------

_git = history.run_git


def is_git_work_tree(path: Path) -> bool:
    if not path.is_dir():
        return False
    try:
        return _git(path, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except (subprocess.CalledProcessError, OSError):
        return False


def _ls_files_at_once(root: Path, *queries: Sequence[str]) -> list[list[str]]:
    """``git ls-files -z`` for each of ``queries``, the gits running side by side (in a
    big tree each lists for a tenth of a second, mostly in the kernel)."""
    procs = [
        subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
            history.git_argv(root, "ls-files", "-z", *query),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=history.git_env(),
        )
        for query in queries
    ]
    listings: list[list[str]] = []
    try:
        for proc, query in zip(procs, queries, strict=True):
            out, err = proc.communicate(timeout=GIT_TIMEOUT_S)
            if proc.returncode:
                raise subprocess.CalledProcessError(
                    proc.returncode, ["git", "ls-files", *query], out, err
                )
            listings.append([p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return listings


@dataclass(frozen=True)
class _HistoryBlob:
    sha: str
    commit: str  # the first commit (parents before children) that has it
    path: str


def _history(root: Path) -> tuple[int, list[_HistoryBlob], dict[str, str]]:
    """Commits reachable from any ref, every distinct blob they added, and each path's
    first commit. ``--relative`` keeps a subdirectory scan to that subdirectory."""
    commits = int(_git(root, "rev-list", "--all", "--count").strip() or b"0")
    if not commits:
        return 0, [], {}
    log = _git(
        root,
        "log",
        "--all",
        "--topo-order",
        "--reverse",
        "--no-renames",
        "-m",
        "--raw",
        "-z",
        "--no-abbrev",
        "--relative",
        "--format=%x01%H",
    )
    blobs: dict[str, _HistoryBlob] = {}
    first_commit_of_path: dict[str, str] = {}
    for chunk in log.split(b"\x01")[1:]:
        commit = chunk[:40].decode()
        fields = chunk[40:].lstrip(b"\0\n").split(b"\0")
        for meta, raw_path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.split()
            if len(parts) != 5 or not parts[0].startswith(b":"):
                continue
            new_mode, new_sha, status = parts[1], parts[3].decode(), parts[4]
            if status.startswith(b"D") or new_mode == b"160000" or not new_sha.strip("0"):
                continue  # deletions, submodules
            path = raw_path.decode("utf-8", "surrogateescape")
            first_commit_of_path.setdefault(path, commit)
            blobs.setdefault(new_sha, _HistoryBlob(new_sha, commit, path))
    return commits, list(blobs.values()), first_commit_of_path


def _blob_sizes(root: Path, shas: Sequence[str]) -> dict[str, int | None]:
    """Size of each blob; None when the object is missing (a partial clone)."""
    out = _git(root, "cat-file", "--batch-check", stdin="".join(f"{s}\n" for s in shas).encode())
    sizes: dict[str, int | None] = {}
    for line in out.decode().splitlines():
        parts = line.split()
        sizes[parts[0]] = int(parts[2]) if len(parts) == 3 and parts[1] == "blob" else None
    return sizes


def _read_blobs(root: Path, shas: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Blob contents, streamed from one ``git cat-file --batch``."""
    proc = subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
        history.git_argv(root, "cat-file", "--batch"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=history.git_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{s}\n" for s in shas).encode())  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in shas:
            header = proc.stdout.readline().split()
            if len(header) != 3:
                continue  # "<sha> missing"
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
            yield header[0].decode(), data
    finally:
        proc.stdout.close()
        writer.join(timeout=GIT_TIMEOUT_S)
        proc.kill()
        proc.wait()


# --- scanning ------------------------------------------------------------------------


@contextmanager
def _detect_secrets_quiet() -> Iterator[None]:
    """detect-secrets logs "Skipping <secret value> due to ..." at INFO: keep it above that."""
    logger = logging.getLogger("detect-secrets")
    level = logger.level
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass
class _Outcome:
    """What scanning one file or blob found: applied to the report in scan order."""

    findings: list[RepoFinding] = field(default_factory=list)
    scanned: str | None = None  # the category counted as scanned
    binary: str | None = None  # the category counted as binary, skipped
    not_scanned: list[str] = field(default_factory=list)
    size: int = 0  # bytes scanned
    skipped: str | None = None  # why it was not scanned (SKIP_*)
    nul_separated: bool = False


def _category(where: str) -> str:
    return HISTORY_PREFIX if where.startswith(HISTORY_PREFIX) else where


class _FileScanner:
    """Scans the contents of one file at a time; no report, so it can run in a worker."""

    def __init__(self, known: KnownValues, max_file_bytes: int) -> None:
        self.known = known
        self.max_file_bytes = max_file_bytes
        self._engine: engine.Engine | None = None
        self.keep_values = False  # attach credentials to verifiable findings (--verify)

    def settings_changed(self) -> None:
        """Call on entering other detect-secrets settings: the plugins have changed."""
        self._engine = None

    def file(self, disk_path: str, display: str, where: str) -> _Outcome | None:
        """Scan one file on disk, reported as ``display``; what is not a regular file
        (a symlink, a directory, a FIFO) is counted as skipped, never read. Paths are
        strings here, not ``Path``: building them was a tenth of a tree's scan."""
        try:
            status = os.lstat(disk_path)
        except OSError as exc:
            return _not_scanned(display, KIND_UNREADABLE, type(exc).__name__, where)
        mode = status.st_mode
        if stat.S_ISLNK(mode):
            return _Outcome(skipped=SKIP_SYMLINK)
        if stat.S_ISDIR(mode):
            return None
        if not stat.S_ISREG(mode):
            return _Outcome(skipped=SKIP_SPECIAL)
        try:
            size = status.st_size  # a regular file: lstat is stat
            if size > self.max_file_bytes and _binary_head(disk_path):
                return _Outcome(binary=_category(where), skipped=SKIP_BINARY)  # never text
            if size > self.max_file_bytes:
                reason = f"{size} bytes > --max-file-size {self.max_file_bytes}"
                return _not_scanned(display, KIND_OVERSIZE, reason, where)
            if size > stream.STREAM_MIN_BYTES:
                return self.streamed(disk_path, display, where)
            with open(disk_path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            return _not_scanned(display, KIND_UNREADABLE, type(exc).__name__, where)
        return self.content(data, os.path.basename(disk_path), display, where)

    def content(self, data: bytes, name: str, display: str, where: str) -> _Outcome:
        """Scan ``data``, a file called ``name`` (file-type rules go by it)."""
        nul_separated = False
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            if not is_nul_separated_text(data):
                return _Outcome(binary=_category(where), skipped=SKIP_BINARY)
            nul_separated = True
        found = self._found(data, name, display, where, nul_separated)
        return _Outcome(
            _one_per_secret(found),
            scanned=_category(where),
            size=len(data),
            nul_separated=nul_separated,
        )

    def _found(
        self, data: bytes, name: str, display: str, where: str, nul_separated: bool
    ) -> list[RepoFinding]:
        """Known values and rules on ``data``, at the lines the file shows them on."""
        lines: list[int] | None = None
        if nul_separated:
            # /proc/<pid>/environ, xargs -0 lists: one record per line for the rules,
            # reported on the line the file shows the record on (usually its only one).
            lines = _record_lines(data)
            data = data.replace(b"\0", b"\n")
        found = [RepoFinding(display, n, k, fp, where) for n, k, fp in self.known.find(data)]
        found += self._rules(data, name, display, where)
        if lines is None:
            return found
        return [replace(f, line=lines[f.line - 1]) if f.line else f for f in found]

    def streamed(self, disk_path: str, display: str, where: str) -> _Outcome:
        """A large file in overlapping pieces (:mod:`.stream`): memory stays bounded."""
        with open(disk_path, "rb") as fh:
            head = fh.read(BINARY_SNIFF_BYTES)
        nul_separated = b"\0" in head
        if nul_separated and not is_nul_separated_text(head):
            return _Outcome(binary=_category(where), skipped=SKIP_BINARY)
        found: dict[tuple[int, str, str], RepoFinding] = {}
        name = os.path.basename(disk_path)
        for lines_before, piece in stream.pieces(Path(disk_path)):
            for f in self._found(piece, name, display, where, nul_separated):
                moved = replace(f, line=f.line + lines_before) if f.line else f
                found.setdefault((moved.line, moved.kind, moved.fingerprint), moved)
        return _Outcome(
            _one_per_secret(found.values()),
            scanned=_category(where),
            size=os.stat(disk_path).st_size,
            nul_separated=nul_separated,
        )

    def scan_bytes(self, data: bytes, path: str) -> list[tuple[int, str, str, str]]:
        """(line, kind, fingerprint, hashed_secret) of every secret in ``data``: known
        values and the engine's rules (for history's added lines)."""
        if self._engine is None:
            self._engine = engine.default_engine()
        found = [] if self.known.empty else [(n, k, fp, "") for n, k, fp in self.known.find(data)]
        hits = self._engine.scan(data, path.rsplit("/", 1)[-1])
        if hits:  # most of a history's changes hold none: nothing more to make
            found += [(h.line, h.kind, fingerprint(h.value), hashed_secret(h.value)) for h in hits]
        return found

    def anchor_ends(self, data: bytes) -> Iterable[int] | None:
        """Where the rules' anchors match in ``data`` (see :class:`history.ChangeScanner`);
        None where known values are searched too (they have no anchors)."""
        if not self.known.empty:
            return None
        if self._engine is None:
            self._engine = engine.default_engine()
        return self._engine.anchor_ends(data)

    def _rules(self, data: bytes, name: str, display: str, where: str) -> list[RepoFinding]:
        """Our engine's rules (ours and detect-secrets' regex plugins, see
        :mod:`vault_gate.compliance.scan.engine`) over the file's lines as written."""
        if self._engine is None:
            self._engine = engine.default_engine()
        hits = self._engine.scan(data, name)
        return [
            RepoFinding(
                display, h.line, h.kind, fingerprint(h.value), where, hashed_secret(h.value),
                _credentials(h, data) if self.keep_values else (),
            )
            for h in hits
        ]  # fmt: skip


TOKEN_KINDS = frozenset(
    {detectors.VaultTokenDetector.secret_type, detectors.VaultTokenAssignmentDetector.secret_type}
)
SECRET_ID_KIND = detectors.AppRoleSecretIdDetector.secret_type
_ROLE_ID = re.compile(
    rb"(?i)role[_-]?id(?![a-z0-9_])[\s\"':=>,(\[-]{1,40}?"
    rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def _credentials(hit: engine.Hit, data: bytes) -> tuple[Secret, ...]:
    """What --verify tries for a hit: the token; a secret_id with the role_id nearest
    to it in the same file (a login needs both); nothing for other kinds."""
    if hit.kind in TOKEN_KINDS:
        return (Secret(hit.value),)
    if hit.kind != SECRET_ID_KIND:
        return ()
    best: tuple[int, bytes] | None = None
    for match in _ROLE_ID.finditer(data):
        distance = abs(data.count(b"\n", 0, match.start()) + 1 - hit.line)
        if best is None or distance < best[0]:
            best = (distance, match.group(1))
    if best is None:
        return (Secret(hit.value),)
    return (Secret(best[1].decode()), Secret(hit.value))


def _not_scanned(path: str, kind: str, reason: str, where: str) -> _Outcome:
    why = SKIP_OVERSIZE if kind == KIND_OVERSIZE else SKIP_UNREADABLE
    return _Outcome([RepoFinding(path, 0, kind, NO_FINGERPRINT, where)], not_scanned=[
        f"{path} ({reason}) [{where}]"
    ], skipped=why)  # fmt: skip


def _binary_head(path: str) -> bool:
    """A binary by its first bytes (what :meth:`_FileScanner.content` would skip)."""
    with open(path, "rb") as fh:
        head = fh.read(BINARY_SNIFF_BYTES)
    return b"\0" in head and not is_nul_separated_text(head)


def _record_lines(data: bytes) -> list[int]:
    """For NUL-separated text: the line (1-based, as the file is shown: only ``\\n``
    ends a line) each record starts on, record by record."""
    out, line = [1], 1
    for match in re.finditer(rb"[\n\0]", data):
        if match.group() == b"\n":
            line += 1
        out.append(line)
    return out


NUL_TEXT_MIN_PRINTABLE = 0.95  # of the non-NUL bytes sniffed
NUL_TEXT_MAX_DENSITY = 4  # at most one byte in 4 a NUL (records of 3+ characters)
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D} | frozenset(range(0x80, 0x100))


def is_nul_separated_text(data: bytes) -> bool:
    """Text whose records end in NUL (``/proc/<pid>/environ``, ``find -print0``), not a
    binary file: no two NULs in a row in the sniffed part (binaries pad with runs of NUL,
    UTF-16 puts one after every ASCII character... but never two), and the rest printable."""
    sample = data[:BINARY_SNIFF_BYTES]
    if b"\0\0" in sample.rstrip(b"\0") or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    rest = sample.replace(b"\0", b"")
    if not rest:
        return False
    if sample.count(b"\0") * NUL_TEXT_MAX_DENSITY > len(sample):
        return False  # UTF-16 without a BOM: every other byte a NUL
    printable = sum(1 for byte in rest if byte in _PRINTABLE)
    return printable >= NUL_TEXT_MIN_PRINTABLE * len(rest)


# Parallel workers: big trees only (a worker costs an interpreter and the engine's
# imports), each with its own scanner, in the order of the tasks.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
PARALLEL_MIN_FILES = 64
_worker: _FileScanner | None = None


def _worker_init(known: KnownValues, max_file_bytes: int, keep_values: bool = False) -> None:
    global _worker
    logging.getLogger("detect-secrets").setLevel(logging.WARNING)
    _worker = _FileScanner(known, max_file_bytes)
    _worker.keep_values = keep_values


HistoryTask = tuple[str, list[str], list[str], tuple[str, ...], int]


def _history_task(scanner: _FileScanner, task: HistoryTask) -> history.Scanned:
    """One chunk of commits (here or in a worker); new .env files are noted."""
    root, shas, stop, exclude, max_bytes = task
    return history.scan_chunk(
        Path(root), shas, stop, scanner,
        (lambda p: is_excluded(p, exclude)) if exclude else None, max_bytes,
        noted=is_committed_env_file,
    )  # fmt: skip


def _worker_history(task: HistoryTask) -> history.Scanned:
    assert _worker is not None
    return _history_task(_worker, task)


def _worker_scan(task: tuple[str, str, str]) -> _Outcome | None:
    assert _worker is not None
    disk_path, display, where = task
    return _worker.file(disk_path, display, where)


def default_workers() -> int:
    """Cores this process may use (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Scanner:
    """Scans files and blobs and collects what they hold into a report, in scan order.

    Files are queued and scanned on :meth:`flush`, in parallel workers when there are
    enough of them (``workers``: None for the cores available, 1 for none).
    """

    def __init__(
        self,
        report: ScanReport,
        known: KnownValues,
        exclude: Sequence[str],
        max_file_bytes: int,
        workdir: Path,
        workers: int | None = None,
    ) -> None:
        self.report = report
        self.known = known
        self.exclude = exclude
        self.max_file_bytes = max_file_bytes
        self.workdir = workdir  # where history blobs are written for detect-secrets
        self.workers = workers if workers is not None else default_workers()
        self._files = _FileScanner(known, max_file_bytes)
        self._pending: list[tuple[str, str, str]] = []
        self._blob_count = 0
        self.cache_history = False

    def settings_changed(self) -> None:
        self.flush()
        self._files.settings_changed()

    def _apply(self, outcome: _Outcome | None) -> None:
        if outcome is None:
            return
        self.report.findings += outcome.findings
        self.report.not_scanned += outcome.not_scanned
        if outcome.scanned:
            self.report.files[outcome.scanned] += 1
            self.report.bytes_scanned[outcome.scanned] += outcome.size
        if outcome.binary:
            self.report.binary_skipped[outcome.binary] += 1
        if outcome.skipped:
            self.report.skipped[outcome.skipped] += 1
        self.report.nul_separated += outcome.nul_separated

    def not_scanned(self, path: str, kind: str, reason: str, where: str) -> None:
        self._apply(_not_scanned(path, kind, reason, where))

    def file(self, disk_path: str | Path, display: str, where: str) -> None:
        """Queue one file on disk, reported as ``display``."""
        self._pending.append((os.fspath(disk_path), display, where))

    def flush(self) -> None:
        """Scan the queued files; their results join the report in queue order."""
        tasks, self._pending = self._pending, []
        workers = min(self.workers, len(tasks) // (PARALLEL_MIN_FILES // 4) or 1)
        if workers > 1 and len(tasks) >= PARALLEL_MIN_FILES:
            sizes = _sizes(tasks)
            if sum(sizes) >= PARALLEL_MIN_BYTES:
                for outcome in self._in_workers(tasks, sizes, workers):
                    self._apply(outcome)
                return
        for disk_path, display, where in tasks:
            self._apply(self._files.file(disk_path, display, where))

    def _in_workers(
        self, tasks: list[tuple[str, str, str]], sizes: list[int], workers: int
    ) -> list[_Outcome | None]:
        """The outcomes in queue order; largest files first, so no core is left with
        one big file while the others are idle (an audit log can take as long as a
        thousand small files)."""
        return parallel.run_shared(
            tasks,
            workers=workers,
            local=lambda task: self._files.file(*task),
            fn=_worker_scan,
            initializer=_worker_init,
            initargs=(self.known, self.max_file_bytes, self._files.keep_values),
            order=sorted(range(len(tasks)), key=lambda i: -sizes[i]),
        )

    def history_chunks(
        self, root: Path, shas: list[str], parents: Mapping[str, Sequence[str]]
    ) -> history.Scanned:
        """Scan what each of ``shas`` (topological order) added: in chunks, in workers
        when worth it."""
        size = history.chunk_commits(len(shas), self.workers)
        chunks = [shas[i : i + size] for i in range(0, len(shas), size)]
        exclude = tuple(self.exclude)
        tasks = [
            (str(root), c, history.boundary(c, parents), exclude, self.max_file_bytes)
            for c in chunks
        ]
        if self.workers > 1 and len(chunks) > 1:
            per_chunk = parallel.run_shared(
                tasks,
                workers=min(self.workers, len(chunks)),
                local=lambda task: _history_task(self._files, task),
                fn=_worker_history,
                initializer=_worker_init,
                initargs=(self.known, self.max_file_bytes, self._files.keep_values),
            )
        else:
            per_chunk = [_history_task(self._files, task) for task in tasks]
        return history.Scanned.join(per_chunk)

    def blob(self, data: bytes, display: str, where: str) -> None:
        """Scan a blob from history (the fallback where ``git log -p`` cannot run)."""
        self.flush()
        self._blob_count += 1
        self._apply(self._files.content(data, os.path.basename(display), display, where))


def _sizes(tasks: Sequence[tuple[str, str, str]]) -> list[int]:
    """Each task's file size (0 where it cannot be read: the scan says why)."""
    sizes = []
    for disk_path, _, _ in tasks:
        try:
            sizes.append(os.stat(disk_path).st_size)
        except OSError:
            sizes.append(0)
    return sizes


def _one_per_secret(found: Iterable[RepoFinding]) -> list[RepoFinding]:
    """Collapse findings of one value on one line to the most telling kind."""
    best: dict[tuple[str, int, str, str], RepoFinding] = {}
    for f in found:
        key = (f.path, f.line, f.fingerprint, f.where)
        rank = _KIND_PRIORITY.get(f.kind, _BUILTIN_PRIORITY)
        if key not in best or rank < _KIND_PRIORITY.get(best[key].kind, _BUILTIN_PRIORITY):
            best[key] = f
    return list(best.values())


def _drop_repeats_in_history(findings: list[RepoFinding]) -> list[RepoFinding]:
    """A secret still in the working tree is reported there; one that lived through many
    versions of a file is reported once, at the first commit (findings come in that order)."""
    current = {
        (f.path, f.kind, f.fingerprint) for f in findings if not f.where.startswith(HISTORY_PREFIX)
    }
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for f in findings:
        key = (f.path, f.kind, f.fingerprint)
        if f.where.startswith(HISTORY_PREFIX):
            if key in current or key in seen:
                continue
            seen.add(key)
        kept.append(f)
    return kept


def _sort_key(f: RepoFinding) -> tuple[int, str, str, int, str]:
    return (_WHERE_ORDER.get(f.where, 2), f.where, f.path, f.line, f.kind)


def _scan_git(
    scanner: _Scanner, root: Path, history: bool, ignored: bool = False, tree: bool = True
) -> None:
    if not tree:  # history only: a tracked .env is reported at its first commit
        _scan_history_lines(scanner, root, set())
        return
    queries: list[Sequence[str]] = [("--cached",), ("--others", "--exclude-standard")]
    if ignored:
        queries.append(("--others", "--ignored", "--exclude-standard"))
    tracked, untracked, *ignored_files = _ls_files_at_once(root, *queries)
    excluded = scanner.exclude
    base = os.fspath(root)
    for path in tracked:
        if is_excluded(path, excluded):
            scanner.report.skipped[SKIP_EXCLUDED] += 1
            continue
        if is_committed_env_file(path):
            scanner.report.findings.append(
                RepoFinding(path, 0, KIND_ENV_FILE, NO_FINGERPRINT, WHERE_WORKING_TREE)
            )
        scanner.file(os.path.join(base, path), path, WHERE_WORKING_TREE)
    for path in untracked:
        if not is_excluded(path, excluded):
            scanner.file(os.path.join(base, path), path, WHERE_UNTRACKED)
        else:
            scanner.report.skipped[SKIP_EXCLUDED] += 1
    if ignored:
        # Named on the command line: the user's intent beats .gitignore (a .env is
        # ignored, and exactly where secrets sit on disk). Reported as such.
        for path in ignored_files[0]:
            if is_excluded(path, excluded) or ".git" in path.split("/"):
                scanner.report.skipped[SKIP_EXCLUDED] += 1
                continue
            if is_committed_env_file(path):
                scanner.report.findings.append(
                    RepoFinding(path, 0, KIND_ENV_FILE, NO_FINGERPRINT, WHERE_IGNORED)
                )
            scanner.file(os.path.join(base, path), path, WHERE_IGNORED)
    if history:
        _scan_history_lines(scanner, root, set(tracked))


def _rules_digest(scanner: _Scanner) -> str:
    """What cached history results depend on: the rules' code, detect-secrets' version,
    the settings in force, the excludes and the size limit."""
    sources = b"".join(
        Path(m.__file__).read_bytes()  # type: ignore[arg-type]
        for m in (detectors, engine, rules, history)
    )
    settings = repr(engine.plugin_names(engine.default_engine()))
    extra = f"{DETECT_SECRETS_VERSION}\0{settings}\0{scanner.exclude}\0{scanner.max_file_bytes}"
    return hashlib.sha256(sources + extra.encode()).hexdigest()


def _scan_history_lines(scanner: _Scanner, root: Path, tracked: set[str]) -> None:
    """History as added lines, in parallel, cached (see :mod:`vault_gate.compliance.scan.history`);
    the blob-by-blob scan where ``git log -p`` cannot run (a partial clone)."""
    scanner.flush()
    parents = history.commits(root)
    shas = list(parents)
    use_cache = scanner.known.empty and scanner.cache_history
    cache_file = history.cache_path(root, _rules_digest(scanner)) if use_cache else None
    wanted = set(shas)
    cached = history.Scanned.join([history.load_cache(cache_file)], only=wanted)
    known = set(cached.shas)
    todo = [s for s in shas if s not in known]
    try:
        fresh = scanner.history_chunks(root, todo, parents)
    except subprocess.CalledProcessError:
        _scan_history(scanner, root, tracked)
        scanner.report.not_scanned.append(
            "history read blob by blob (git log -p failed: objects missing from this clone?)"
        )
        return
    results = history.Scanned.join([cached, fresh])
    if use_cache:
        history.save_cache(cache_file, results)
    scanner.report.commits += len(shas)
    scanner.report.commits_cached += len(shas) - len(todo)
    if history.is_shallow(root):
        scanner.report.not_scanned.append(
            f"{root}: a shallow clone; commits before its boundary are not here to scan"
        )
        scanner.report.skipped["history before the shallow boundary"] += 1
    scanner.report.files[HISTORY_PREFIX] += sum(results.files)
    scanner.report.bytes_scanned[HISTORY_PREFIX] += sum(results.size)
    scanner.report.binary_skipped[HISTORY_PREFIX] += sum(results.binary)
    scanner.report.skipped[SKIP_BINARY] += sum(results.binary)
    seen_env: set[str] = set()
    for sha in shas:
        notes = results.notes.get(sha)
        if notes is None:
            continue
        where = f"{HISTORY_PREFIX} {sha[:SHORT_SHA_CHARS]}"
        for path in notes.new_paths:  # .env files
            if path in seen_env or path in tracked:
                continue
            seen_env.add(path)
            scanner.report.findings.append(
                RepoFinding(path, 0, KIND_ENV_FILE, NO_FINGERPRINT, where)
            )
        for path, size in notes.oversize:
            scanner.not_scanned(path, KIND_OVERSIZE, f"{size} bytes added", where)
        if notes.found:
            findings = [
                RepoFinding(path, line, kind, fp, where, hashed)
                for path, line, kind, fp, hashed in notes.found
            ]
            scanner.report.findings += _one_per_secret(findings)


def _scan_history(scanner: _Scanner, root: Path, tracked: set[str]) -> None:
    scanner.flush()  # the working tree's results first, as they were queued
    commits, blobs, first_commit_of_path = _history(root)
    scanner.report.commits += commits
    for path, commit in first_commit_of_path.items():
        if path in tracked or not is_committed_env_file(path):
            continue  # a tracked .env is reported in the working tree
        if not is_excluded(path, scanner.exclude):
            where = f"{HISTORY_PREFIX} {commit[:SHORT_SHA_CHARS]}"
            scanner.report.findings.append(
                RepoFinding(path, 0, KIND_ENV_FILE, NO_FINGERPRINT, where)
            )
    blobs = [b for b in blobs if not is_excluded(b.path, scanner.exclude)]
    sizes = _blob_sizes(root, [b.sha for b in blobs]) if blobs else {}
    readable = []
    for b in blobs:
        where = f"{HISTORY_PREFIX} {b.commit[:SHORT_SHA_CHARS]}"
        size = sizes.get(b.sha)
        if size is None:
            scanner.not_scanned(b.path, KIND_UNREADABLE, "blob missing from clone", where)
        elif size > scanner.max_file_bytes:
            reason = f"{size} bytes > {scanner.max_file_bytes}"
            scanner.not_scanned(b.path, KIND_OVERSIZE, reason, where)
        else:
            readable.append(b)
    by_sha = {b.sha: b for b in readable}
    for sha, data in _read_blobs(root, list(by_sha)):
        b = by_sha[sha]
        scanner.blob(data, b.path, f"{HISTORY_PREFIX} {b.commit[:SHORT_SHA_CHARS]}")


def _walk(directory: str, rel: str) -> Iterator[tuple[str, str]]:
    """(disk path, path relative to the root) of every entry under ``directory`` that is
    not a directory, depth first, names sorted (the order of ``sorted(rglob("*"))``);
    symlinked directories are not followed, ``.git`` is never entered. One ``scandir``
    per directory: a tree of thousands of files is walked in a few milliseconds."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name == ".git":
            continue
        name = f"{rel}{entry.name}"
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(entry.path, name + "/")
        else:
            yield entry.path, name


def _scan_tree(scanner: _Scanner, root: Path) -> None:
    """A directory outside git: every regular file, ``.git`` directories aside."""
    for disk_path, rel in _walk(str(root), ""):
        if is_excluded(rel, scanner.exclude):
            scanner.report.skipped[SKIP_EXCLUDED] += 1
            continue
        scanner.file(disk_path, rel, WHERE_WORKING_TREE)


def scan(
    paths: Sequence[Path],
    *,
    known_values: Sequence[Secret] = (),
    history: bool = False,
    exclude: Sequence[str] = (),
    log_files: Sequence[Path] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    workers: int | None = None,
    tmp_dir: Path | None = None,
    ignored: bool = False,
    working_tree: bool = True,
    history_cache: bool = False,
    keep_values: bool = False,
    named_roots: bool = False,
) -> ScanReport:
    """Scan and say what was scanned; :func:`scan_paths` is the findings alone.

    A path that is a git work tree is scanned as a repository: tracked files,
    untracked files that are not ignored and, with ``history``, every blob any commit
    on any ref ever added (each distinct blob once, at the first commit that has it).
    Other directories are walked; files are scanned as given. ``log_files`` are
    scanned for known values and our plugins and detect-secrets' non-entropy plugins
    (logs are full of random request ids); their findings say "log".

    Big trees are scanned by ``workers`` processes (None: one per available core);
    the report is the same whatever the number. ``tmp_dir``: where the scan's own
    temporary directory goes (the harness passes one its reaper removes).
    ``ignored``: also scan the files git ignores under each path (the command line
    does: a named path is the user's intent), reported "on disk, ignored by git".
    ``working_tree=False`` with ``history``: a repository's history only.
    ``history_cache``: keep what each commit yielded (fingerprints, no values) in the
    user's cache, so the next run scans only new commits (unused with known values).
    ``keep_values``: working-tree findings of tokens and secret_ids carry their
    credentials (wrapped in :class:`Secret`) for ``--verify``.
    ``named_roots``: a directory's files are shown under the directory as it was named
    (``rootA/app/.env``), so findings under two roots never read the same (the command
    line); otherwise relative to it (the sign-off's check scans one repository).
    The report's :meth:`ScanReport.summary` says what was scanned and skipped.
    """
    known = KnownValues(known_values)
    report = ScanReport()
    with (
        tempfile.TemporaryDirectory(prefix="vault-gate-scan-", dir=tmp_dir) as tmp,
        _detect_secrets_quiet(),
    ):
        scanner = _Scanner(report, known, exclude, max_file_bytes, Path(tmp), workers)
        scanner.cache_history = history_cache
        scanner._files.keep_values = keep_values
        for path in paths:
            marks = len(report.findings), len(report.not_scanned)
            if is_git_work_tree(path):
                _scan_git(scanner, path, history, ignored, working_tree or not history)
            elif path.is_dir():
                _scan_tree(scanner, path)
            elif not is_excluded(path.as_posix(), exclude):
                scanner.file(path, path.as_posix(), WHERE_WORKING_TREE)
            if named_roots and path.is_dir():
                scanner.flush()
                _under_root(report, path, *marks)
        scanner.flush()
        for log in log_files:  # the same rules: none of them is an entropy rule
            scanner.file(log, log.as_posix(), WHERE_LOG)
        scanner.flush()
    report.findings = _env_file_lines(_drop_repeats_in_history(report.findings))
    report.findings.sort(key=_sort_key)
    return report


def _under_root(report: ScanReport, root: Path, findings_from: int, not_scanned_from: int) -> None:
    """Show what was found under ``root`` with the root as the user named it."""
    prefix = root.as_posix().rstrip("/") + "/" if root.as_posix() not in (".", "./") else ""
    report.findings[findings_from:] = [
        replace(f, path=prefix + f.path) for f in report.findings[findings_from:]
    ]
    report.not_scanned[not_scanned_from:] = [
        prefix + entry for entry in report.not_scanned[not_scanned_from:]
    ]


def _env_file_lines(findings: list[RepoFinding]) -> list[RepoFinding]:
    """A committed ``.env`` is reported on its first secret's line (a reviewer, and a
    line-level score, sees the secret there); with no secret found in it, at line 0:
    a note about the whole file."""
    first: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.line and f.kind != KIND_ENV_FILE:
            key = (f.path, f.where)
            first[key] = min(first.get(key, f.line), f.line)
    return [
        replace(f, line=first.get((f.path, f.where), 0))
        if f.kind == KIND_ENV_FILE and not f.line
        else f
        for f in findings
    ]


def scan_paths(
    paths: Sequence[Path],
    *,
    known_values: Sequence[Secret] = (),
    history: bool = False,
    exclude: Sequence[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    workers: int | None = None,
) -> list[RepoFinding]:
    """What in ``paths`` should not be there (see :func:`scan`)."""
    return scan(
        paths,
        known_values=known_values,
        history=history,
        exclude=exclude,
        max_file_bytes=max_file_bytes,
        workers=workers,
    ).findings


def scan_hook(paths: Sequence[Path]) -> ScanReport:
    """Files about to be committed (the pre-commit hook): each scanned as a working tree
    file is, and a ``.env`` file refused whatever it holds; with the summary (a hook
    that scanned nothing must be able to say so)."""
    report = scan(paths)
    env_files = [
        RepoFinding(p.as_posix(), 0, KIND_ENV_FILE, NO_FINGERPRINT, WHERE_WORKING_TREE)
        for p in paths
        if is_committed_env_file(p.as_posix())
    ]
    report.findings = sorted(_env_file_lines(env_files + report.findings), key=_sort_key)
    return report


def scan_hook_files(paths: Sequence[Path]) -> list[RepoFinding]:
    """The findings of :func:`scan_hook`."""
    return scan_hook(paths).findings


# --- the check -----------------------------------------------------------------------


def check_no_secrets_in_repo(
    repo: Path,
    environment: str,
    known_values: Sequence[Secret],
    *,
    log_files: Sequence[Path] = (),
    exclude: Sequence[str] = (),
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    allowed: Mapping[str, str] | None = None,
    scanner: Callable[..., ScanReport] | None = None,
) -> CheckResult:
    """No secret in ``repo``'s working tree, untracked files, history or the app's logs.

    ``known_values`` are the live secrets (what Vault now holds): any of them in the
    repository or a log fails the check even where no detector would see a secret.
    ``exclude`` names globs of paths that are meant to hold fakes (known-bad fixtures).
    ``allowed`` maps reviewed fingerprints of false positives to the reviewer's reason
    (see :func:`load_allowlist`); it never allows a known value or a committed .env.
    ``scanner`` stands in for :func:`scan` with its signature (the harness passes one
    that scans once per session, fixtures/run/scan_cache.py).
    """
    evidence: list[Evidence] = []
    findings: list[str] = []
    if not is_git_work_tree(repo):
        findings.append(f"{repo} is not a git work tree: its history cannot be scanned")
    missing_logs = [log for log in log_files if not log.is_file()]
    findings += [f"log file {log} does not exist: it cannot be scanned" for log in missing_logs]
    if findings:
        evidence.append(Evidence(str(repo), "not scanned"))
        return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))
    try:
        report = (scanner or scan)(
            [repo],
            known_values=known_values,
            history=True,
            exclude=exclude,
            log_files=log_files,
            max_file_bytes=max_file_bytes,
        )
    except subprocess.CalledProcessError as exc:
        findings.append(f"git failed ({' '.join(map(str, exc.cmd[5:7]))}): exit {exc.returncode}")
        return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

    allowed = allowed or {}
    waived = [f for f in report.findings if f.fingerprint in allowed and f.kind not in UNALLOWABLE]
    findings += [str(f) for f in report.findings if f not in waived]
    evidence += _evidence(repo, report, known_values, log_files, exclude)
    evidence += [Evidence(f"reviewed false positive {f}", allowed[f.fingerprint]) for f in waived]
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def load_allowlist(path: Path) -> dict[str, str]:
    """Reviewed false positives: ``[[allow]]`` tables of ``fingerprint`` and ``reason``.

    A fingerprint, not a path and line: a false positive in an old commit cannot be
    edited away, and moving the line must not turn the finding back on.
    """
    import tomllib  # only with an allowlist

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot be used as an allowlist ({exc})") from None
    out: dict[str, str] = {}
    for i, entry in enumerate(data.get("allow", []), 1):
        fp, reason = entry.get("fingerprint"), entry.get("reason")
        if not isinstance(fp, str) or not fp.startswith("sha256:"):
            raise ValueError(f"{path}: allow #{i}: fingerprint must be a sha256:… fingerprint")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{path}: allow #{i}: a reason is required")
        out[fp] = reason.strip()
    return out


def detectors_names() -> set[str]:
    return {d.__name__ for d in detectors.OUR_DETECTORS}


def _evidence(
    repo: Path,
    report: ScanReport,
    known_values: Sequence[Secret],
    log_files: Sequence[Path],
    exclude: Sequence[str],
) -> list[Evidence]:
    files, binary = report.files, report.binary_skipped
    evidence = [
        Evidence(
            f"{repo} working tree",
            f"{files[WHERE_WORKING_TREE]} tracked and {files[WHERE_UNTRACKED]} untracked "
            f"files scanned, {binary[WHERE_WORKING_TREE] + binary[WHERE_UNTRACKED]} binary "
            "files skipped, "
            f"excluded: {', '.join(exclude) or 'nothing'}",
        ),
        Evidence(
            f"{repo} history",
            f"{report.commits} commits on all refs, {report.history_blobs} distinct blobs "
            f"scanned, {binary[HISTORY_PREFIX]} binary blobs skipped",
        ),
        Evidence(
            "log files",
            f"{files[WHERE_LOG]} scanned: {', '.join(map(str, log_files))}"
            if log_files
            else "none given",
        ),
        Evidence(
            "detectors",
            f"vault-gate rules {', '.join(d.__name__ for d in rules.ENGINE_DETECTORS)} + "
            f"detect-secrets {DETECT_SECRETS_VERSION} regex plugins (not "
            f"{', '.join(sorted(engine.REPLACED_PLUGINS - detectors_names()))}); "
            f"{len(known_values)} known values "
            f"({', '.join(s.fingerprint for s in known_values) or 'none'}) searched exactly, "
            "URL-encoded and base64-encoded",
        ),
    ]
    if report.not_scanned:
        evidence.append(Evidence("not scanned", "; ".join(report.not_scanned)))
    return evidence


def check_no_secrets_in_logs(
    log_files: Sequence[Path], environment: str, known_values: Sequence[Secret]
) -> CheckResult:
    """No secret in the application's own logs: its live values (plain, URL- and
    base64-encoded) and what our detectors recognise, without the entropy plugins."""
    missing = [log for log in log_files if not log.is_file()]
    if missing or not log_files:
        findings = tuple(f"log file {log} does not exist: it cannot be scanned" for log in missing)
        return CheckResult(
            CRITERION, environment, (Evidence("log files", "none scanned"),),
            findings or ("no log file given",),
        )  # fmt: skip
    report = scan([], known_values=known_values, log_files=log_files)
    evidence = (
        Evidence("log files", f"{len(log_files)} scanned: " + ", ".join(map(str, log_files))),
        Evidence("known values", f"{len(known_values)} searched (plain, URL, base64)"),
    )
    return CheckResult(CRITERION, environment, evidence, tuple(str(f) for f in report.findings))

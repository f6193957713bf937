"""The secret-scanning engine: one prefilter pass over a file's bytes, rules on the lines it marks.

Every rule (our detectors in :mod:`vault_gate.compliance.scan.detectors`, and detect-secrets' regex
plugins as a plug-in source of rules) has *anchors*: regular expressions that match
on every line the rule can report on (its ``denylist``). All anchors of all rules are
compiled into one Hyperscan database in prefilter mode (Hyperscan may report more
than the exact pattern matches, never less), scanned over the whole file at once; a
line no anchor marks is never looked at again. On a marked line only the rules that
marked it run, in Python, with their context and entropy conditions, and then the
suppressions every finding passes (placeholders, integrity hashes, HMACs, encrypted
CI blobs, minified code, the allowlist pragma).

Without Hyperscan (a platform without its wheel) the same anchors run with ``re``,
one pass per anchor: the same findings, slower. docs/scanner.md has the measurements
behind the choice (Hyperscan over RE2 and over ``re``).

Lines are split at ``\\n`` (a ``\\r`` before it is dropped). Very long lines (minified
code, a 50 MB one-line JSON) are not decoded whole: a rule sees a window of
:data:`WINDOW` characters around each anchor match, so time stays linear.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import vault_gate.compliance.scan.dsimport  # noqa: F401 - before detect_secrets

from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.plugins.base import RegexBasedDetector

from vault_gate.compliance.scan import detectors, fastscan, rules

try:  # the fast path; the ``re`` fallback gives the same findings
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    hyperscan = None

LONG_LINE = 4096  # longer lines are looked at through windows around anchor matches
WINDOW = 512  # characters each side of an anchor match in a long line
CONTEXT_LINES = 20  # lines before and after, for rules that look around (key arrays, PEM)
MINIFIED_LINE = 1000  # longer lines are code, not config: only prefix-specific kinds count

# detect-secrets plugins replaced by our rules or left out as noise (see docs/scanner.md):
# the keyword and entropy plugins (our assignment rule), BasicAuth (our DSN rule),
# AWS and PrivateKey (sharper versions here), Artifactory ("AP" + 8 hex-ish characters
# is everywhere), IBM/SoftLayer/Cloudant (keyword + hex: hashes in lock files), public
# IPs (not secrets). Any other regex plugin in the settings in force is a rule here.
REPLACED_PLUGINS = frozenset(
    {
        "KeywordDetector",
        "Base64HighEntropyString",
        "HexHighEntropyString",
        "BasicAuthDetector",
        "AWSKeyDetector",
        "PrivateKeyDetector",
        "ArtifactoryDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
        "CloudantDetector",
        "IPPublicDetector",
    }
    | {d.__name__ for d in detectors.OUR_DETECTORS}
)
# Kinds found by a name and an assignment, not by the value's own shape: in minified
# code (long lines) these are member chains and option objects, not configuration.
_CONTEXT_KINDS = frozenset(
    {
        detectors.VaultTokenAssignmentDetector.secret_type,
        rules.SecretAssignmentDetector.secret_type,
        rules.SecretAssignmentDetector.KIND_FLASK,
        rules.SecretAssignmentDetector.KIND_JWT,
    }
)
_CONTEXT_RULES = (
    detectors.VaultTokenAssignmentDetector,
    rules.SecretAssignmentDetector,
    rules.ArgumentSecretDetector,
    rules.ConfigDirectiveDetector,
)

# Values that are known not to be secrets, by what precedes them on the line.
_INTEGRITY = re.compile(r"(?:sha(?:1|256|384|512)-|hmac-sha\d+:|h1:|sha256:|md5:)$", re.IGNORECASE)
_TRAVIS_SECURE = re.compile(r"""(?:^|[\s{,"'])secure["']?\s*:\s*["']?$""")


@dataclass(frozen=True)
class Hit:
    """One secret on one line: 1-based line number, kind, value (never printed)."""

    line: int
    kind: str
    value: str


class _Context:
    """detect-secrets' CodeSnippet shape (``lines``, ``target_index``), built lazily:
    most rules never look around."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self._data, self._start, self._end = data, start, end
        self._lines: list[str] | None = None
        self._target = 0

    def _build(self) -> None:
        data, begin = self._data, self._start
        for _ in range(CONTEXT_LINES):
            if begin <= 0:
                break
            begin = data.rfind(b"\n", 0, begin - 1) + 1
        finish = self._end
        for _ in range(CONTEXT_LINES):
            if finish >= len(data):
                break
            nxt = data.find(b"\n", finish + 1)
            finish = len(data) if nxt < 0 else nxt
        before = _decode(data[begin : self._start]).split("\n")[:-1] if begin < self._start else []
        rest = _decode(data[self._start : finish]).split("\n")
        self._lines = [line.rstrip("\r") for line in before + rest]
        self._target = len(before)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._build()
        assert self._lines is not None
        return self._lines

    @property
    def target_index(self) -> int:
        if self._lines is None:
            self._build()
        return self._target

    @property
    def target_line(self) -> str:
        return self.lines[self.target_index]

    @property
    def previous_line(self) -> str:
        return self.lines[self.target_index - 1] if self.target_index else ""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class _Rule:
    """A detector of ours (``find``) or a detect-secrets plugin (``analyze_line``)."""

    plugin: Any
    ours: bool

    def run(self, line: str, filename: str, context: _Context) -> Iterator[tuple[str, str]]:
        if self.ours:
            find_kinds = getattr(self.plugin, "find_kinds", None)
            if find_kinds is not None:  # rules that report more than one kind
                yield from find_kinds(line, filename, context)
                return
            for value in self.plugin.find(line, filename, context):
                yield self.plugin.secret_type, value
            return
        for secret in self.plugin.analyze_line(filename=filename, line=line, line_number=0):
            if secret.secret_value:
                yield secret.type, secret.secret_value


def _anchors(plugin: Any) -> list[re.Pattern[str]]:
    """Our detectors' anchors; for a detect-secrets plugin, the literals every match of
    its denylist holds (fastscan works them out from the parse tree: one report per
    literal, where the pattern's open-ended repeats would report at every end), or
    the denylist itself where a pattern has no usable literal."""
    own = getattr(plugin, "anchors", ())
    if own:
        return list(own)
    denylist = list(getattr(plugin, "denylist", ()))
    if isinstance(plugin, detectors._Detector):
        return denylist
    out: list[re.Pattern[str]] = []
    for pattern in denylist:
        needle = fastscan._needle(pattern.pattern, pattern.flags)  # cached on disk
        if needle.literals:
            flags = re.IGNORECASE if needle.ignorecase else 0
            out.append(re.compile("|".join(map(re.escape, sorted(needle.literals))), flags))
        else:
            out.append(pattern)
    return out


class Engine:
    """Compiled rules: :meth:`scan` finds the secrets in one file's bytes."""

    def __init__(self, plugins: Iterable[Any]) -> None:
        self.rules: list[_Rule] = []
        expressions: list[tuple[int, re.Pattern[str]]] = []
        self._always: list[int] = []  # rules whose anchors cannot be compiled: every line
        for plugin in plugins:
            index = len(self.rules)
            self.rules.append(_Rule(plugin, isinstance(plugin, detectors._Detector)))
            anchors = _anchors(plugin)
            if not anchors:
                self._always.append(index)
            expressions += [(index, a) for a in anchors]
        self._hs = _hyperscan_db(tuple((i, a.pattern, a.flags) for i, a in expressions))
        buffer_anchored = re.compile(r"(?<!\\)(?:\\\\)*\\[AZz]")
        self._screens = self._hs is not None and not any(
            buffer_anchored.search(a.pattern) for _, a in expressions
        )
        self._re: list[tuple[int, re.Pattern[bytes] | None]] = []
        if self._hs is None:
            for index, anchor in expressions:
                try:
                    flags = (anchor.flags & ~re.UNICODE) | re.MULTILINE  # as Hyperscan's
                    self._re.append((index, re.compile(anchor.pattern.encode(), flags)))
                except (re.error, ValueError, UnicodeEncodeError):
                    self._always.append(index)

    @property
    def uses_hyperscan(self) -> bool:
        return self._hs is not None

    def anchor_ends(self, data: bytes) -> Iterable[int] | None:
        """The end offset of every anchor match in ``data``; None where that does not
        screen the rules: some run on every line, or the anchors are matched by
        ``re``, which reports non-overlapping matches only (Hyperscan reports every
        end), or an anchor holds only at the buffer's ends (``\\A``, ``\\Z``)."""
        if self._always or not self._screens:
            return None
        return self._marks(data).keys()

    def _marks(self, data: bytes) -> dict[int, set[int]]:
        """Anchor match end offset -> rule indexes, for every anchor match."""
        marks: dict[int, set[int]] = {}
        if self._hs is not None:
            db, ids = self._hs

            def on_match(expr: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
                marks.setdefault(end, set()).add(ids[expr])

            db.scan(data, match_event_handler=on_match)
        else:
            for index, regex in self._re:
                assert regex is not None
                for match in regex.finditer(data):
                    marks.setdefault(match.end(), set()).add(index)
        return marks

    def scan(self, data: bytes, filename: str) -> list[Hit]:
        """The secrets in ``data`` (a file's bytes; its name decides file-type rules)."""
        marks = self._marks(data)
        if not marks and not self._always:
            return []  # most files and history changes: no anchor, no rule to run
        if self._always and data:
            pos = 0
            while pos <= len(data):
                nxt = data.find(b"\n", pos)
                end = len(data) if nxt < 0 else nxt
                marks.setdefault(end, set()).update(self._always)
                pos = end + 1
        # Group by line (its start offset): rules and the match offsets in it.
        lines: dict[int, tuple[int, set[int], list[int]]] = {}
        start, searched = 0, 0
        for offset in sorted(marks):
            # The line holding the match's last byte (a match ending in "\n" belongs
            # to the line that newline ends). Offsets come in order: each byte is
            # searched once (a 50 MB line has thousands of matches and no newline).
            limit = max(0, offset - 1)
            if limit > searched:
                newline = data.rfind(b"\n", searched, limit)
                if newline >= 0:
                    start = newline + 1
                searched = limit
            entry = lines.get(start)
            if entry is None:
                end = data.find(b"\n", start)
                entry = lines[start] = (len(data) if end < 0 else end, set(), [])
            entry[1].update(marks[offset])
            entry[2].append(offset)
        hits: list[Hit] = []
        line_number, counted_to = 1, 0
        for start in sorted(lines):
            end, rule_indexes, offsets = lines[start]
            found = self._line(data, start, end, rule_indexes, offsets, filename)
            if not found:
                continue
            line_number += data.count(b"\n", counted_to, start)
            counted_to = start
            hits += [Hit(line_number, kind, value) for kind, value in found]
        return hits

    def _line(
        self,
        data: bytes,
        start: int,
        end: int,
        rule_indexes: set[int],
        offsets: list[int],
        filename: str,
    ) -> list[tuple[str, str]]:
        long_line = end - start > LONG_LINE
        if long_line:
            pieces = _windows(data, start, end, offsets)
        else:
            pieces = [_decode(data[start:end]).rstrip("\r")]
        context = _Context(data, start, end)
        found: dict[tuple[str, str], None] = {}
        for text in pieces:
            minified = long_line or len(text) > MINIFIED_LINE
            for index in sorted(rule_indexes):
                rule = self.rules[index]
                if minified and isinstance(rule.plugin, _CONTEXT_RULES):
                    continue  # its kinds are not findings in minified code
                for kind, value in rule.run(text, filename, context):
                    if _suppressed(text, value, kind, long_line):
                        continue
                    found[(kind, value)] = None
        if found and not long_line and is_line_allowlisted(filename, pieces[0], context):  # type: ignore[arg-type]
            return []
        return list(found)


def _windows(data: bytes, start: int, end: int, offsets: Sequence[int]) -> list[str]:
    """Pieces of a long line around its anchor matches (merged where they overlap)."""
    spans: list[list[int]] = []
    for offset in sorted(offsets):
        lo, hi = max(start, offset - WINDOW), min(end, offset + WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [_decode(data[lo:hi]) for lo, hi in spans]


def _suppressed(line: str, value: str, kind: str, long_line: bool) -> bool:
    """Known not to be a secret: a placeholder, a hash or HMAC by its prefix, a Travis
    ``secure:`` blob, a keyword-style value in minified code."""
    if detectors.is_placeholder(value) and kind in _CONTEXT_KINDS:
        return True
    if detectors.is_mask(value):  # ACxxxxxxxx…, AKIAXXXXXXXXXXXXXXXX: a shape's example
        return True
    at = line.find(value)
    if at >= 0:
        before = line[max(0, at - 16) : at]
        if _INTEGRITY.search(before) or _TRAVIS_SECURE.search(line[:at]):
            return True
    return (long_line or len(line) > MINIFIED_LINE) and kind in _CONTEXT_KINDS


# --- building the engine -------------------------------------------------------------


def _hs_flags(flags: int) -> int:
    assert hyperscan is not None
    out = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
    if flags & re.IGNORECASE:
        out |= hyperscan.HS_FLAG_CASELESS
    out |= hyperscan.HS_FLAG_MULTILINE  # rules see one line: ^ and $ hold at line ends
    if flags & re.DOTALL:
        out |= hyperscan.HS_FLAG_DOTALL
    return out


_HS_CACHE: dict[tuple[tuple[int, str, int], ...], Any] = {}


def _hyperscan_db(
    expressions: tuple[tuple[int, str, int], ...],
) -> tuple[Any, list[int]] | None:
    """One block-mode database of every anchor; None without Hyperscan or when an
    anchor does not compile (the ``re`` path then runs them all, for one behaviour)."""
    if hyperscan is None or not expressions or os.environ.get("VAULT_GATE_NO_HYPERSCAN"):
        return None
    cached = _HS_CACHE.get(expressions)
    if cached is not None:
        return cached
    ids = [index for index, _, _ in expressions]
    db = _load_db(expressions)
    if db is None:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            db.compile(
                expressions=[_hs_pattern(p) for _, p, _ in expressions],
                ids=list(range(len(expressions))),
                flags=[_hs_flags(f) for _, _, f in expressions],
            )
        except hyperscan.error:  # type: ignore[attr-defined]
            return None
        _save_db(expressions, db)
    _HS_CACHE[expressions] = (db, ids)
    return db, ids


def _db_path(expressions: tuple[tuple[int, str, int], ...]) -> Path | None:
    """Where the compiled database is kept between processes (a pre-commit hook starts
    many times; compiling costs ~40 ms, loading ~1). Keyed by the patterns, their
    flags and Hyperscan's version; only patterns are in it, never scanned text."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:
        return None
    key = repr((expressions, getattr(hyperscan, "__version__", "")))
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return base / "vault-gate" / f"hyperscan-{digest}.db"


def _load_db(expressions: tuple[tuple[int, str, int], ...]) -> Any:
    path = _db_path(expressions)
    if path is None:
        return None
    try:
        db = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)  # compile() allocates it; loadb() does not
        return db
    except (OSError, hyperscan.error, TypeError, ValueError):  # type: ignore[attr-defined]
        return None


def _save_db(expressions: tuple[tuple[int, str, int], ...], db: Any) -> None:
    """Atomically, or not at all where the cache is not writable."""
    path = _db_path(expressions)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(hyperscan.dumpb(db))
        os.replace(tmp, path)
    except (OSError, hyperscan.error):  # type: ignore[attr-defined]
        pass


def _hs_pattern(pattern: str) -> bytes:
    # Python's named groups and (?P=name) back-references are spelled differently.
    pattern = re.sub(r"\(\?P<(\w+)>", "(", pattern)
    pattern = re.sub(r"\(\?P=\w+\)", r"[^<]*", pattern)
    return pattern.encode()


def engine_plugins(builtin: Iterable[Any] = ()) -> list[Any]:
    """Our rules, then the detect-secrets regex plugins not replaced by ours."""
    ours: list[Any] = [d() for d in rules.ENGINE_DETECTORS]
    theirs = [
        p
        for p in builtin
        if isinstance(p, RegexBasedDetector)
        and type(p).__name__ not in REPLACED_PLUGINS
        and getattr(p, "secret_type", None) not in detectors.OUR_SECRET_TYPES
    ]
    return ours + theirs


# detect-secrets' plugin modules whose plugins are all replaced (REPLACED_PLUGINS):
# not even imported (two of them evaluate ``requests`` annotations at import time).
_REPLACED_MODULES = frozenset(
    {
        "base", "keyword", "high_entropy_strings", "basic_auth", "aws", "private_key",
        "artifactory", "ibm_cloud_iam", "ibm_cos_hmac", "softlayer", "cloudant", "ip_public",
    }
)  # fmt: skip


def builtin_regex_plugins() -> list[Any]:
    """detect-secrets' own regex plugins that are rules here, with their defaults,
    found by walking its plugins package (a new plugin in a new version joins)."""
    import importlib
    import pkgutil

    import detect_secrets.plugins as package

    out: list[Any] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _REPLACED_MODULES:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in sorted(vars(module).values(), key=lambda v: getattr(v, "__name__", "")):
            if (
                isinstance(value, type)
                and issubclass(value, RegexBasedDetector)
                and value.__module__ == module.__name__
                and value.__name__ not in REPLACED_PLUGINS
                and getattr(value, "secret_type", None)
            ):
                out.append(value())
    return out


@lru_cache(maxsize=4)
def _engine_for(names: tuple[str, ...]) -> Engine:
    if not names:
        built = Engine(engine_plugins(builtin_regex_plugins()))
    else:
        from detect_secrets.settings import get_plugins

        built = Engine(engine_plugins(get_plugins()))
    fastscan.save_disk_cache()  # the plugins' literal anchors, for the next process
    return built


def default_engine() -> Engine:
    """Our rules and detect-secrets' default regex plugins (what every scan uses)."""
    return _engine_for(())


def current_engine() -> Engine:
    """Our rules and detect-secrets' regex plugins: its defaults, or the plugins of the
    detect-secrets settings in force when some are (a user's custom plugins)."""
    from detect_secrets.settings import get_settings

    names = tuple(sorted(get_settings().plugins))
    return _engine_for(names)


def plugin_names(eng: Engine) -> list[str]:
    """The engine's rules by class name (what a cached result depends on)."""
    return [type(rule.plugin).__name__ for rule in eng.rules]


def scan_file(path: Path, engine: Engine | None = None) -> list[Hit]:
    """The secrets in one file (a convenience for tools; the repository scan reads
    bytes itself, to sniff binaries and count what it read)."""
    return (engine or current_engine()).scan(path.read_bytes(), str(path))

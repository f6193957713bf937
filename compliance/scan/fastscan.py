"""detect-secrets' ``scan_file``, made fast by a prefilter that loses nothing.

(The repository scan now runs on :mod:`vault_gate.compliance.scan.engine`, whose rules replace
detect-secrets' keyword and entropy plugins; this module remains the exact
detect-secrets path, and its parse-tree walk gives the engine the literals that anchor
detect-secrets' regex plugins.)

Plain detect-secrets runs every plugin on every line, each call through its argument
injection, with its filters: about 1 MB/s. Almost no line can match anything. Each
plugin here gets a *necessary condition*: regular expressions that match somewhere on
every line the plugin could report a secret on (its own denylist for regex plugins;
a keyword for ``KeywordDetector``; a quoted run long enough to pass the entropy limit
for the high-entropy plugins). They run over the whole file at once (C speed); only
the lines they mark go through detect-secrets' own machinery, with only the plugins
that marked them. The rest of :func:`scan_file` is detect-secrets' code path (file
filters, transformers, the eager retry when nothing was found, line and secret
filters), so the output is the same list of secrets in the same order.

Why a whole-file search finds every line a per-line search would: the patterns are
compiled with ``re.MULTILINE`` over the lines joined by ``\\n``, so ``^``/``$`` hold at
line ends as they do on a single line, and the only lookarounds at line edges in these
patterns exclude ``\\n`` or accept it. A match may run over several lines (``\\s*``
crosses newlines); every line it spans is marked, so a match that swallows the start
of the next line's match still marks that line. tests/test_fastscan.py compares this
with plain ``scan_file`` on a generated corpus and on random lines. Plugins this module
does not know (a user's custom plugin) are run on every line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from re import Pattern
from re import _compiler as sre_compiler
from re import _constants as sre_c
from re import _parser as sre_parse
from typing import Any

import vault_gate.compliance.scan.dsimport  # noqa: F401 - before detect_secrets

from detect_secrets.core import scan as ds_scan
from detect_secrets.core.log import log
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.settings import get_plugins
from detect_secrets.util.code_snippet import get_code_snippet
from detect_secrets.util.filetype import FileType, determine_file_type

from vault_gate.compliance.scan.detectors import OUR_SECRET_TYPES

ALL = None  # a plugin whose necessary condition is unknown: every line is a candidate

# The keyword every KeywordDetector pattern starts from, case-insensitively (some of
# its patterns are case-sensitive: a case-insensitive keyword is still necessary).
KEYWORD_PATTERN = "|".join(ds_keyword.DENYLIST)

MAX_EXACT = 64  # strings kept when expanding a pattern's finite set of matches


# --- what a pattern needs: literals from its parse tree ------------------------------


@dataclass(frozen=True)
class _Info:
    exact: frozenset[str] | None  # every string the expression can match, if few
    required: frozenset[str] | None  # every match contains one of these, if known


_UNKNOWN = _Info(None, None)
_EMPTY = _Info(frozenset({""}), None)


def _usable(strings: frozenset[str] | None) -> frozenset[str] | None:
    return strings if strings and "" not in strings else None


def _best(candidates: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """The most selective requirement: longest shortest string, then fewest strings."""
    usable = [c for c in map(_usable, candidates) if c]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


class _Literals:
    """Walks ``re``'s parse tree (``re._parser``) for the literals a match must contain.

    Sound by construction: an unknown construct contributes nothing (it neither
    requires nor provides a literal); zero-width assertions match the empty string.
    """

    def __init__(self) -> None:
        self.ignorecase = False

    def sequence(self, items: Iterable[tuple[Any, Any]]) -> _Info:
        product: frozenset[str] | None = frozenset({""})
        candidates: list[frozenset[str] | None] = []
        complete = True
        for op, av in items:
            info = self.item(op, av)
            fits = info.exact is not None and product is not None
            if fits and len(product) * len(info.exact) <= MAX_EXACT:  # type: ignore[arg-type]
                product = frozenset(a + b for a in product for b in info.exact)  # type: ignore[union-attr]
                continue
            complete = False
            candidates += [product, info.required]
            product = info.exact if info.exact is not None else frozenset({""})
        candidates.append(product)
        exact = product if complete else None
        return _Info(exact, _best([*candidates, exact]))

    def item(self, op: Any, av: Any) -> _Info:
        c = sre_c
        if op is c.LITERAL:
            return _Info(frozenset({chr(av)}), frozenset({chr(av)}))
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            return _EMPTY  # zero-width: ^ $ \b and lookarounds add no characters
        if op is c.IN:
            if len(av) <= 8 and all(o is c.LITERAL for o, _ in av):
                chars = frozenset(chr(v) for _, v in av)
                return _Info(chars, chars)
            return _UNKNOWN
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if add_flags & re.IGNORECASE:
                self.ignorecase = True
            return self.sequence(sub)
        if op is getattr(c, "ATOMIC_GROUP", None):
            return self.sequence(av)
        if op is c.BRANCH:
            alternatives = [self.sequence(alt) for alt in av[1]]
            exact = None
            if all(a.exact is not None for a in alternatives):
                union = frozenset().union(*(a.exact for a in alternatives))  # type: ignore[misc]
                exact = union if len(union) <= MAX_EXACT else None
            needs = [_usable(a.exact) or a.required for a in alternatives]
            required = None if any(n is None for n in needs) else frozenset().union(*needs)  # type: ignore[misc]
            return _Info(exact, required)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            info = self.sequence(sub)
            if high == 1 and info.exact is not None:
                exact = info.exact | {""} if low == 0 else info.exact
                return _Info(exact, None if low == 0 else _usable(info.exact))
            if low >= 1:
                return _Info(None, _usable(info.exact) or info.required)
            return _UNKNOWN
        return _UNKNOWN


# --- what a pattern needs: a run of characters from a class -------------------------

_SINGLE_CHAR_OPS = frozenset(
    {sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY, sre_c.CATEGORY}
)
_REPEATS = frozenset(
    op
    for op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))
    if op
)
_ASCII_ONLY_IN = frozenset({sre_c.LITERAL, sre_c.RANGE})


_CLASSES: dict[str, tuple[frozenset[int], bool]] = {}  # one-character items, by flags


@dataclass(frozen=True)
class Run:
    """Every match has ``length`` consecutive characters from a class: as a byte table
    mapping those characters (in UTF-8; every non-ASCII byte when the class may hold
    non-ASCII characters) to ``a`` and all other bytes to a space."""

    table: bytes
    length: int


class _Runs:
    """The longest guaranteed run of class characters in a pattern's matches."""

    def __init__(self, state: Any, flags: int, breaks: frozenset[int] = frozenset()) -> None:
        self.state = state
        self.flags = flags
        self.breaks = breaks  # characters that end a run (for YAML: see below)
        self._items: dict[int, tuple[Any, tuple[frozenset[int], bool, int] | None]] = {}

    def _char_class(self, op: Any, av: Any) -> tuple[frozenset[int], bool]:
        """(ASCII code points the one-character item matches, may it match non-ASCII)."""
        key = f"{self.flags} {op} {av!r}"
        if key not in _CLASSES:
            _CLASSES[key] = self._compute_class(op, av)
        return _CLASSES[key]

    def _compute_class(self, op: Any, av: Any) -> tuple[frozenset[int], bool]:
        sub = sre_parse.SubPattern(self.state, [(op, av)])
        compiled = sre_compiler.compile(sub, self.flags & ~re.MULTILINE)
        members = frozenset(c for c in range(128) if compiled.fullmatch(chr(c)))
        ascii_only = not (self.flags & re.IGNORECASE) and (
            (op is sre_c.LITERAL and av < 128)
            or (op is sre_c.IN and all(o in _ASCII_ONLY_IN for o, _ in av)
                and all((v if o is sre_c.LITERAL else v[1]) < 128 for o, v in av))
        )  # fmt: skip
        return members, not ascii_only

    def whole(self, items: Iterable[tuple[Any, Any]]) -> tuple[frozenset[int], bool, int] | None:
        """If every character a sequence matches is from one class: (class, non-ASCII,
        minimum length); else None."""
        members: frozenset[int] = frozenset()
        nonascii = False
        length = 0
        for op, av in items:
            got = self.item(op, av)
            if got is None:
                return None
            members, nonascii, length = members | got[0], nonascii or got[1], length + got[2]
        return members, nonascii, length

    def item(self, op: Any, av: Any) -> tuple[frozenset[int], bool, int] | None:
        memo = self._items.get(id(av))
        if memo is not None and memo[0] is av:
            return memo[1]
        result = self._item(op, av)
        self._items[id(av)] = (av, result)
        return result

    def _item(self, op: Any, av: Any) -> tuple[frozenset[int], bool, int] | None:
        if op in _SINGLE_CHAR_OPS:
            members, nonascii = self._char_class(op, av)
            return members, nonascii, 1
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            return frozenset(), False, 0
        if op is sre_c.SUBPATTERN:
            return self.whole(av[3])
        if op in _REPEATS:
            low, _high, sub = av
            inner = self.whole(sub)
            return None if inner is None else (inner[0], inner[1], low * inner[2])
        if op is sre_c.BRANCH:
            alternatives = [self.whole(alt) for alt in av[1]]
            if any(a is None for a in alternatives):
                return None
            return (
                frozenset().union(*(a[0] for a in alternatives)),  # type: ignore[index]
                any(a[1] for a in alternatives),  # type: ignore[index]
                min(a[2] for a in alternatives),  # type: ignore[index]
            )
        return None

    def best(self, items: Sequence[tuple[Any, Any]]) -> Run | None:
        """The longest run over maximal stretches of class items (nested sequences of a
        single group are looked into), or None if too short or too broad to help."""
        found: list[tuple[frozenset[int], bool, int]] = []
        current: tuple[frozenset[int], bool, int] | None = None
        for op, av in items:
            got = self.item(op, av)
            if got is not None and got[0] & self.breaks:
                got = None
            if got is None:
                if op is sre_c.SUBPATTERN:
                    found += self._inner(av[3])
                if current:
                    found.append(current)
                current = None
                continue
            current = got if current is None else (
                current[0] | got[0], current[1] or got[1], current[2] + got[2]
            )  # fmt: skip
        if current:
            found.append(current)
        useful = [f for f in found if f[2] >= MIN_RUN and len(f[0]) <= MAX_RUN_CLASS]
        if not useful:
            return None
        members, nonascii, length = max(useful, key=lambda f: (f[2], -len(f[0])))
        table = bytes(
            ord("a") if (c in members or (c >= 128 and nonascii)) else ord(" ") for c in range(256)
        )
        return Run(table, length)

    def _inner(self, items: Sequence[tuple[Any, Any]]) -> list[tuple[frozenset[int], bool, int]]:
        run = self.best(items)
        return [] if run is None else [self._unpack(run)]

    @staticmethod
    def _unpack(run: Run) -> tuple[frozenset[int], bool, int]:
        members = frozenset(c for c in range(128) if run.table[c] == ord("a"))
        return members, run.table[200] == ord("a"), run.length


MIN_RUN = 6  # shorter runs are everywhere: not worth a pass
MAX_RUN_CLASS = 100  # of 128 ASCII characters


# --- one file's text, as the plugins see it ------------------------------------------


class _Text:
    """The lines of one file and what the needles share: joined text, lowered text,
    byte translations per class, the lines holding each literal."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.text = "\n".join(lines)
        self.lowered = self.text.lower() if self.text.isascii() else None
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        self.starts = starts
        self._bytes: bytes | None = None
        self._runs: dict[bytes, bytes] = {}
        self._literal_lines: dict[tuple[str, bool], set[int]] = {}
        self._present: dict[tuple[str, bool], bool] = {}

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def has_run(self, run: Run) -> bool:
        translated = self._runs.get(run.table)
        if translated is None:
            if self._bytes is None:
                self._bytes = self.text.encode("utf-8", "surrogatepass")
            translated = self._runs[run.table] = self._bytes.translate(run.table)
        return b"a" * run.length in translated

    def has(self, literal: str, ignorecase: bool) -> bool:
        key = (literal, ignorecase)
        known = self._present.get(key)
        if known is None:
            hay = self.lowered if ignorecase else self.text
            known = self._present[key] = literal in hay  # type: ignore[operator]
        return known

    def lines_with(self, literal: str, ignorecase: bool) -> set[int]:
        key = (literal, ignorecase)
        found = self._literal_lines.get(key)
        if found is None and not self.has(literal, ignorecase):
            found = self._literal_lines[key] = set()
        if found is None:
            hay = self.lowered if ignorecase else self.text
            assert hay is not None
            found = set()
            at = hay.find(literal)
            while at >= 0:
                line = self.line_of(at)
                found.add(line)
                # the next occurrence on a later line: one per line is enough
                next_line = self.starts[line + 1] if line + 1 < len(self.starts) else len(hay)
                at = hay.find(literal, max(at + 1, next_line))
            self._literal_lines[key] = found
        return found


# --- YAML: the transformed lines hold only what the raw text holds -------------------
#
# detect-secrets scans a YAML file as lines ``key: "value"comment`` it builds from the
# parsed document. Without escapes (no backslash), tags (no "!") and complex keys, every
# key and value is text of the file, whose line breaks and indentation may become one
# space or newline: a string without whitespace, quotes, colon, "#" or backslash that
# appears in such a line appears in the raw text, and so does a run of characters from
# a class without those. That proves a YAML file clean without parsing it.

_YAML_UNSAFE = re.compile(r"""[\s:"'#\\]+""")
_YAML_NOT_PLAIN = re.compile(r"""[\\!]|(?:^|[\s\[{,])\?(?:[ \t]|$)|[\]}][ \t]*:""", re.MULTILINE)


def _yaml_safe(literals: frozenset[str] | None) -> frozenset[str] | None:
    """Each literal's longest piece without an unsafe character (a match holding the
    literal holds the piece), or None if one has none."""
    if literals is None:
        return None
    pieces = set()
    for literal in literals:
        piece = max(_YAML_UNSAFE.split(literal), key=len)
        if not piece:
            return None
        pieces.add(piece)
    return frozenset(a for a in pieces if not any(b != a and b in a for b in pieces))


_YAML_BREAKS = frozenset(c for c in range(128) if chr(c).isspace() or chr(c) in ":\"'#\\")


def _yaml_safe_run(run: Run) -> bool:
    """Whether the run's class excludes whitespace, quotes, colon, "#" and backslash.

    Non-ASCII members are allowed: the classes of these plugins that may hold them
    (``\\w``, ``\\d``, negated sets) hold ASCII whitespace whenever they hold non-ASCII
    whitespace, which is what YAML folds.
    """
    return all(run.table[c] != ord("a") for c in _YAML_BREAKS)


def _common_substring(strings: frozenset[str]) -> str | None:
    """The longest string (of two characters or more) inside every one of ``strings``."""
    shortest = min(strings, key=len)
    for size in range(len(shortest), 1, -1):
        for start in range(len(shortest) - size + 1):
            piece = shortest[start : start + size]
            if all(piece in s for s in strings):
                return piece
    return None


@dataclass(frozen=True)
class Needle:
    """One necessary pattern and the cheap tests that narrow where it is tried.

    ``run``: a match holds this run of class characters (else the pattern cannot match
    anywhere in the file). ``literals``: a match holds one of these, so only lines
    holding one are tried, each with the pattern itself, as the plugin does per line.
    ``exact``: the pattern matches exactly these strings, so a line holding one is a
    match. Literals are lowercase when ``ignorecase`` (used on ASCII text only).
    ``accept``: a further test a match must pass (the entropy limit).
    """

    regex: Pattern[str]  # as the plugin has it: tried on one line
    literals: frozenset[str] | None
    exact: frozenset[str] | None
    ignorecase: bool
    run: Run | None
    accept: Callable[[re.Match[str]], bool] | None = None
    # Matches on one line only, and on every line the pattern may match: those lines
    # are then tried with the pattern itself.
    line_gate: Pattern[str] | None = None
    # The same tests on a YAML file's raw text (see Prefilter.may_find_in_yaml).
    yaml_literals: frozenset[str] | None = None
    yaml_run: Run | None = None
    gate: str | None = None  # a substring of every literal: tested first, once

    @cached_property
    def multiline(self) -> Pattern[str]:
        """The pattern with re.MULTILINE, tried on the joined lines (compiled on use)."""
        return re.compile(self.regex.pattern, self.regex.flags | re.MULTILINE)

    def __post_init__(self) -> None:
        if self.literals and len(self.literals) > 1:
            object.__setattr__(self, "gate", _common_substring(self.literals))

    @classmethod
    def of(
        cls,
        regex: Pattern[str],
        accept: Callable[[re.Match[str]], bool] | None = None,
        line_gate: Pattern[str] | None = None,
        run: Run | None = None,
        yaml_run: Run | None = None,
    ) -> Needle:
        try:
            parsed = sre_parse.parse(regex.pattern, regex.flags)
        except Exception:  # an unparseable pattern is simply not narrowed
            return cls(regex, None, None, False, run, accept, line_gate, None, yaml_run)
        walker = _Literals()
        info = walker.sequence(parsed.data)
        ignorecase = walker.ignorecase or bool(parsed.state.flags & re.IGNORECASE)
        if run is None:
            try:
                run = _Runs(parsed.state, parsed.state.flags).best(parsed.data)
            except Exception:  # a construct the compiler will not take alone: no run test
                run = None

        def norm(strings: frozenset[str] | None) -> frozenset[str] | None:
            strings = _usable(strings)
            if strings is None or any("\n" in s for s in strings):
                return None
            return frozenset(s.lower() for s in strings) if ignorecase else strings

        literals = norm(info.required)
        if literals is not None:
            # A literal holding another is redundant: lines with it hold the other.
            literals = frozenset(
                a for a in literals if not any(b != a and b in a for b in literals)
            )
            if min(map(len, literals)) < 2:
                literals = None  # one character: on most lines, the joined text is cheaper
        exact = None if accept or literals is None else norm(info.exact)
        if yaml_run is None and run is not None and _yaml_safe_run(run):
            yaml_run = run
        if yaml_run is None:
            try:
                yaml_run = _Runs(parsed.state, parsed.state.flags, _YAML_BREAKS).best(parsed.data)
            except Exception:
                yaml_run = None
        return cls(
            regex, literals, exact, ignorecase, run, accept, line_gate,
            _yaml_safe(norm(info.required)), yaml_run,
        )  # fmt: skip

    def lines(self, text: _Text) -> set[int]:
        """Indexes of the lines this pattern may match (a superset, never fewer)."""
        if self.literals is not None and (not self.ignorecase or text.lowered is not None):
            if self.gate is not None and not text.has(self.gate, self.ignorecase):
                return set()
            if not any(text.has(literal, self.ignorecase) for literal in self.literals):
                return set()
            holding: set[int] = set()
            for literal in self.literals:
                holding |= text.lines_with(literal, self.ignorecase)
            if self.exact is not None:
                return holding
            return {i for i in holding if self._on_line(text.lines[i])}
        if self.run is not None and not text.has_run(self.run):
            return set()
        marked: set[int] = set()
        if self.line_gate is not None:
            for match in self.line_gate.finditer(text.text):
                marked.add(text.line_of(match.start()))
            return {i for i in marked if self._on_line(text.lines[i])}
        for match in self.multiline.finditer(text.text):
            if self.accept is None or self.accept(match):
                first = text.line_of(match.start())
                last = text.line_of(max(match.end() - 1, match.start()))
                marked.update(range(first, last + 1))
        return marked

    def _on_line(self, line: str) -> bool:
        if self.accept is None:
            return self.regex.search(line) is not None
        return any(self.accept(m) for m in self.regex.finditer(line))


def _denylist_is_necessary(cls: type) -> bool:
    """A regex plugin whose secrets all come from ``findall`` of its denylist: it keeps
    RegexBasedDetector's ``analyze_string``/``analyze_line``, or only filters them (JWT),
    or it is one of ours (each ``find`` yields only denylist matches)."""
    if not issubclass(cls, RegexBasedDetector):
        return False
    if getattr(cls, "secret_type", None) in OUR_SECRET_TYPES and hasattr(cls, "find"):
        # compliance.scan.detectors, imported or loaded from its file by detect-secrets
        return True
    if issubclass(cls, JwtTokenDetector):
        return True
    return (
        cls.analyze_string is RegexBasedDetector.analyze_string
        and cls.analyze_line is BasePlugin.analyze_line
    )


def _entropy_needle(plugin: HighEntropyStringsPlugin) -> Needle:
    """The plugin's own quoted-string regex (its matches, per line, are exactly the ones
    it finds), accepting a match only if the plugin's entropy limit can be passed."""
    min_chars = int(2**plugin.entropy_limit) + 1  # entropy over n chars <= log2(n)
    limit = plugin.entropy_limit

    def accept(match: re.Match[str]) -> bool:
        value = match.group(2)
        return (
            len(value) >= min_chars
            and len(set(value)) >= min_chars
            and plugin.calculate_shannon_entropy(value) > limit
        )

    # Where the plugin's regex finds a quoted value of min_chars or more, this finds a
    # match on the same line (at the same opening quote): the lines worth trying.
    charset = re.escape(plugin.charset)
    line_gate = re.compile(rf"""(['"])[{charset}]{{{min_chars},}}\1""")
    table = bytes(
        ord("a") if c < 128 and chr(c) in plugin.charset else ord(" ") for c in range(256)
    )
    # In YAML the transformer escapes a quote inside a value with a backslash, which the
    # base64 charset holds: a run may gain that one character.
    yaml_table = bytes(ord(" ") if c in _YAML_BREAKS else table[c] for c in range(256))
    yaml_run = Run(yaml_table, min_chars - 1)
    return Needle.of(plugin.regex, accept, line_gate, Run(table, min_chars), yaml_run)


def necessary_needles(plugin: Any) -> list[Needle] | None:
    """Needles at least one of which matches every line ``plugin`` can report on;
    ``None`` when not known (the plugin then sees every line)."""
    if isinstance(plugin, HighEntropyStringsPlugin) and type(plugin).analyze_string is (
        HighEntropyStringsPlugin.analyze_string
    ):
        return [_entropy_needle(plugin)]
    patterns = necessary_patterns(plugin)
    return None if patterns is None else [_needle(p.pattern, p.flags) for p in patterns]


@lru_cache(maxsize=512)
def _needle(pattern: str, flags: int) -> Needle:
    """Needles depend on the pattern only: built once per process, and their derived
    data kept on disk between processes (a pre-commit hook starts many times)."""
    regex = re.compile(pattern, flags)
    key = f"{flags}:{pattern}"
    stored = _disk_cache().get(key)
    if stored is not None:
        try:
            return _needle_from_json(regex, stored)
        except (KeyError, TypeError, ValueError):
            pass
    needle = Needle.of(regex)
    _disk_cache()[key] = _needle_to_json(needle)
    _DISK_DIRTY.add(key)
    return needle


# --- the disk cache of derived needles ------------------------------------------------
#
# Keyed by this file's content, detect-secrets' version and Python's (the parse tree
# and the compiler decide the literals), so an upgrade never reads a stale entry. Only
# derived data is stored (literals, character classes), never text that was scanned.

_DISK: dict[str, dict[str, Any]] | None = None
_DISK_DIRTY: set[str] = set()


def _disk_cache_path() -> Path | None:
    try:
        from detect_secrets.__version__ import VERSION

        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        digest = hashlib.sha256(
            Path(__file__).read_bytes() + f"{VERSION} {sys.version}".encode()
        ).hexdigest()[:16]
    except (OSError, RuntimeError):
        return None
    return base / "vault-gate" / f"prefilter-{digest}.json"


def _disk_cache() -> dict[str, dict[str, Any]]:
    global _DISK
    if _DISK is None:
        _DISK = {}
        path = _disk_cache_path()
        if path is not None:
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    _DISK = loaded
            except (OSError, ValueError):
                pass
    return _DISK


def save_disk_cache() -> None:
    """Write new entries (atomically; silently not at all where the cache is not writable)."""
    path = _disk_cache_path()
    if not _DISK_DIRTY or path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(_disk_cache()), encoding="utf-8")
        os.replace(tmp, path)
        _DISK_DIRTY.clear()
    except OSError:
        pass


def _run_to_json(run: Run | None) -> dict[str, Any] | None:
    return None if run is None else {"table": run.table.hex(), "length": run.length}


def _run_from_json(data: dict[str, Any] | None) -> Run | None:
    return None if data is None else Run(bytes.fromhex(data["table"]), int(data["length"]))


def _strings(values: frozenset[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)


def _frozen(values: list[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _needle_to_json(needle: Needle) -> dict[str, Any]:
    return {
        "literals": _strings(needle.literals),
        "exact": _strings(needle.exact),
        "ignorecase": needle.ignorecase,
        "run": _run_to_json(needle.run),
        "yaml_literals": _strings(needle.yaml_literals),
        "yaml_run": _run_to_json(needle.yaml_run),
    }


def _needle_from_json(regex: Pattern[str], data: dict[str, Any]) -> Needle:
    return Needle(
        regex,
        _frozen(data["literals"]),
        _frozen(data["exact"]),
        bool(data["ignorecase"]),
        _run_from_json(data["run"]),
        yaml_literals=_frozen(data["yaml_literals"]),
        yaml_run=_run_from_json(data["yaml_run"]),
    )


def necessary_patterns(plugin: Any) -> list[Pattern[str]] | None:
    """Patterns at least one of which matches every line ``plugin`` can report on;
    ``None`` when not known (the plugin then sees every line)."""
    cls = type(plugin)
    if cls is ds_keyword.KeywordDetector or (
        isinstance(plugin, ds_keyword.KeywordDetector)
        and cls.analyze_line is ds_keyword.KeywordDetector.analyze_line
        and cls.analyze_string is ds_keyword.KeywordDetector.analyze_string
    ):
        # It reports only where one of its regexes (for the file's type) matches.
        by_type = [
            *ds_keyword.REGEX_BY_FILETYPE.values(),
            ds_keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
        ]
        return list(dict.fromkeys(r for table in by_type for r in table))
    if isinstance(plugin, HighEntropyStringsPlugin):
        return [plugin.regex]
    if _denylist_is_necessary(cls):
        return list(plugin.denylist)
    return ALL


@dataclass(frozen=True)
class Prefilter:
    """The plugins (in detect-secrets' order) and, per plugin, its necessary patterns."""

    plugins: tuple[Any, ...]
    needles: tuple[tuple[Needle, ...] | None, ...]

    @classmethod
    def for_plugins(cls, plugins: Iterable[Any]) -> Prefilter:
        plugins = tuple(plugins)
        needles = []
        for plugin in plugins:
            found = necessary_needles(plugin)
            needles.append(None if found is None else tuple(found))
        save_disk_cache()
        return cls(plugins, tuple(needles))

    def candidates(self, lines: Sequence[str]) -> dict[int, list[Any]]:
        """Line index (0-based) -> the plugins, in order, that could report on that line.

        Lines must be as the plugins will see them (one per element, no newline).
        """
        if not lines:
            return {}
        text = _Text(lines)
        marked: dict[int, set[int]] = {}
        for index, needles in enumerate(self.needles):
            if needles is None:
                line_indexes: Iterable[int] = range(len(lines))
            else:
                line_indexes = set().union(*(n.lines(text) for n in needles))
            for line_index in line_indexes:
                marked.setdefault(line_index, set()).add(index)
        return {
            i: [self.plugins[p] for p in sorted(plugin_indexes)]
            for i, plugin_indexes in sorted(marked.items())
        }


# KeywordDetector on a YAML file uses its four "config" patterns only. On a line
# ``key: "value"comment`` they need: the keyword (and word characters, closing quotes)
# before ":" or "=" -- a key's own colon, possibly after spaces, or one in the text --,
# or "==", "!=" before it, or ";" after a quote. All of these are in the raw text.
_KEYWORD_IN_YAML = re.compile(
    rf"""(?:{KEYWORD_PATTERN})\w*[\]'"]{{0,2}}\s*[:=!]|[!=]{{2,3}}\s*\w*(?:{KEYWORD_PATTERN})|;""",
    re.IGNORECASE,
)


def _is_plain_keyword_detector(plugin: Any) -> bool:
    cls = type(plugin)
    return (
        isinstance(plugin, ds_keyword.KeywordDetector)
        and cls.analyze_line is ds_keyword.KeywordDetector.analyze_line
        and cls.analyze_string is ds_keyword.KeywordDetector.analyze_string
        and set(ds_keyword.REGEX_BY_FILETYPE[FileType.YAML])
        == set(ds_keyword.CONFIG_DENYLIST_REGEX_TO_GROUP)
        and len(ds_keyword.CONFIG_DENYLIST_REGEX_TO_GROUP) == KEYWORD_YAML_PATTERNS
    )


KEYWORD_YAML_PATTERNS = 4  # the reasoning above is about these four; a change disables it


def _may_find_in_yaml(prefilter: Prefilter, raw: str) -> bool:
    """False only if no plugin can report on any line detect-secrets' YAML transformer
    could make of ``raw`` (see the YAML notes above); True whenever unsure."""
    if _YAML_NOT_PLAIN.search(raw):
        return True
    text = _Text([raw])
    for plugin, needles in zip(prefilter.plugins, prefilter.needles, strict=True):
        if needles is None:
            return True
        if _is_plain_keyword_detector(plugin):
            if _KEYWORD_IN_YAML.search(raw):
                return True
            continue
        for needle in needles:
            literals = needle.yaml_literals
            if literals is not None and needle.ignorecase and text.lowered is None:
                literals = None  # non-ASCII text: no case-insensitive literal test
            if literals is None and needle.yaml_run is None:
                return True
            if literals is not None and not any(
                text.has(lit, needle.ignorecase) for lit in literals
            ):
                continue
            if needle.yaml_run is not None and not text.has_run(needle.yaml_run):
                continue
            return True
    return False


def _yaml_is_clean(filename: str, prefilter: Prefilter) -> bool:
    """A YAML file on which plain ``scan_file`` would find nothing, proven without
    parsing: neither its transformed lines (above) nor, if it does not parse, its raw
    lines (the prefilter) can hold a finding."""
    if determine_file_type(filename) is not FileType.YAML:
        return False
    try:
        with open(filename) as f:  # as detect-secrets opens it
            raw = f.read()
    except (OSError, UnicodeDecodeError):
        return False
    if _may_find_in_yaml(prefilter, raw):
        return False
    return not prefilter.candidates([line.rstrip() for line in raw.split("\n")])


def current_prefilter() -> Prefilter:
    """The prefilter for the plugins of the detect-secrets settings in force."""
    return Prefilter.for_plugins(get_plugins())


def scan_file(filename: str, prefilter: Prefilter | None = None) -> Iterator[PotentialSecret]:
    """What ``detect_secrets.core.scan.scan_file(filename)`` yields, in the same order."""
    prefilter = prefilter or current_prefilter()
    if not prefilter.plugins:
        return
    if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=filename):
        return
    if _yaml_is_clean(filename, prefilter):
        return
    try:
        has_secret = False
        for lines in ds_scan._get_lines_from_file(filename):
            for secret in scan_lines(lines, filename, prefilter):
                has_secret = True
                yield secret
            if has_secret:
                break
    except OSError:
        log.warning(f"Unable to open file: {filename}")
        return


def scan_lines(
    lines: Sequence[str], filename: str, prefilter: Prefilter
) -> Iterator[PotentialSecret]:
    """``_process_line_based_plugins`` over lines 1..n, on the prefilter's candidates only."""
    stripped = [line.rstrip() for line in lines]
    line_content = list(lines)
    for index, plugins in prefilter.candidates(stripped).items():
        line_number = index + 1
        line = stripped[index]
        code_snippet = get_code_snippet(lines=line_content, line_number=line_number)
        if ds_scan._is_filtered_out(
            required_filter_parameters=["line"],
            filename=filename,
            line=line,
            context=code_snippet,
        ):
            continue
        for plugin in plugins:
            for secret in ds_scan._scan_line(
                plugin=plugin,
                filename=filename,
                line=line,
                line_number=line_number,
                context=code_snippet,
            ):
                if not ds_scan._is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=code_snippet,
                ):
                    yield secret

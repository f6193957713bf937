"""Read one source file of any language the gate knows: what it reads from the environment,
and which values read from Vault it keeps for ever.

One judgement for every language: each language gives its query set
(compliance/code/queries/), and this module runs the queries and decides. A file the
gate cannot read says why ("not read": another language, binary, too large, grammar not
installed); a file that does not parse in its language says where ("not parsed", with
its first bad line): both are "not judged", never passed.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from vault_gate.compliance.code.languages import GrammarMissing, Language, language_of, parser
from vault_gate.compliance.code.queries import Rules

if TYPE_CHECKING:
    import tree_sitter

READ, NOT_READ, NOT_PARSED = "read", "not read", "not parsed"
MAX_BYTES = 2_000_000  # source files past this are generated or data: skipped, with the reason
HEAD_BYTES = 8192
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A call that talks to Vault or OpenBao, judged from the callee's words (``vault.read``,
# ``client.secrets.kv.v2.read_secret_version``, ``readSecret``, ``kvGet``) or a request to
# its HTTP API (``fetch(`${addr}/v1/...`)``).
_VAULT_CALLEE = re.compile(
    r"(?i:vault|openbao|secret)|(?<![A-Za-z])(bao|Bao|BAO|kv|KV|Kv)(?![a-z])"
)
_VAULT_API = re.compile(r"/v1/")
# A call that makes an object (a client, a map) rather than reading a value.
_CONSTRUCTS = re.compile(r"(^new\b|\.new$|(?i:client|config(ure)?|options|connect)$)")
# An empty value: writing it to a holder clears it (the next use reads Vault again).
_EMPTY = re.compile(
    r"\{\}|\[\]|None|null|nil|undefined|dict\(\)|new (Map|WeakMap|Object)\(\)|"
    r"new \w*Map(<[^>]*>)?\(\)|make\(map\[.*\].*\)|map\[.*\]\w+\{\}|\"\"|''"
)
# Options of a memoiser that bound how long it keeps a value.
_BOUNDED = re.compile(r"(?i)max_?age|ttl|expir|timeout|WithExpiration")


@dataclass(frozen=True)
class EnvRead:
    """A read of one environment variable: its name, line and the expression read."""

    name: str
    line: int
    expression: str


@dataclass(frozen=True)
class KeptSecret:
    """A value read from Vault that the code keeps for ever: where, what, how (``kind``:
    "memoised", "initialised" once at load, or "held" in a long-lived variable), and why
    (a phrase that follows the name: "get_secret is memoised by ...")."""

    line: int
    name: str
    why: str
    kind: str = "held"


@dataclass(frozen=True)
class Reading:
    """What the gate read in one file, or why it did not."""

    path: Path
    language: str  # "" when the file is in no language the gate reads
    status: str  # READ, NOT_READ or NOT_PARSED
    reason: str = ""
    line: int = 0  # the first line that does not parse (NOT_PARSED)
    env_reads: tuple[EnvRead, ...] = ()
    kept: tuple[KeptSecret, ...] = ()

    @property
    def judged(self) -> bool:
        return self.status == READ

    def reads(self) -> dict[str, int]:
        """Each variable read, with the first line that reads it."""
        out: dict[str, int] = {}
        for r in sorted(self.env_reads, key=lambda r: r.line):
            out.setdefault(r.name, r.line)
        return out

    def describe(self) -> str:
        """One line for evidence: how the file was read, or why not."""
        if self.status == READ:
            return f"read as {self.language}"
        if self.status == NOT_PARSED:
            return f"not judged: does not parse as {self.language} (line {self.line})"
        return f"not read: {self.reason}"


def read_code(path: Path) -> Reading:
    """Read ``path`` (cached while the file is unchanged)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        return Reading(path, "", NOT_READ, f"cannot be read ({exc.strerror})")
    return _read(path.resolve(), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4096)
def _read(path: Path, _mtime: int, size: int) -> Reading:
    if not path.is_file():
        return Reading(path, "", NOT_READ, "not a regular file")
    if size > MAX_BYTES:
        return Reading(path, "", NOT_READ, f"{size} bytes, over the {MAX_BYTES}-byte limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Reading(path, "", NOT_READ, f"cannot be read ({exc.strerror})")
    if b"\0" in data[:HEAD_BYTES]:
        return Reading(path, "", NOT_READ, "binary (a NUL byte in its first 8 KiB)")
    lang = language_of(path, data[:HEAD_BYTES])
    if lang is None:
        kind = path.suffix or "no suffix"
        return Reading(path, "", NOT_READ, f"in no language the gate reads ({kind})")
    return read_source(data, lang, path)


def read_source(data: bytes, lang: Language, path: Path = Path("<source>")) -> Reading:
    """Read ``data`` as ``lang``: the judgement itself, on bytes (for tests and tools)."""
    try:
        tree = parser(lang).parse(data)
    except GrammarMissing as exc:
        return Reading(path, lang.name, NOT_READ, str(exc))
    root = tree.root_node
    if root.has_error:
        return Reading(path, lang.name, NOT_PARSED, "syntax error", _first_error_line(root))
    rules = _rules(lang)
    return Reading(
        path,
        lang.name,
        READ,
        env_reads=tuple(_env_reads(lang, rules, root)),
        kept=tuple(_kept(lang, rules, root)),
    )


# ---------------------------------------------------------------------- queries


@cache
def _rules(lang: Language) -> Rules:
    return importlib.import_module(f"vault_gate.compliance.code.queries.{lang.rules}").RULES


@cache
def _query(lang: Language, source: str) -> tree_sitter.Query:
    import tree_sitter

    from vault_gate.compliance.code.languages import grammar

    return tree_sitter.Query(grammar(lang), source)


def _matches(
    lang: Language, source: str, root: tree_sitter.Node
) -> list[dict[str, tree_sitter.Node]]:
    """Each match of ``source`` under ``root``, as capture name -> its first node."""
    if not source.strip():
        return []
    import tree_sitter

    cursor = tree_sitter.QueryCursor(_query(lang, source))
    return [{k: v[0] for k, v in caps.items() if v} for _, caps in cursor.matches(root)]


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _literal(node: tree_sitter.Node) -> str | None:
    """The text a string literal or identifier stands for; None when it is built at run
    time (interpolation) or is not a plain variable name."""
    if "string" in node.type:
        if any("interpolation" in c.type or "substitution" in c.type for c in node.children):
            return None
        parts = [
            _text(c) for c in node.named_children if "content" in c.type or "fragment" in c.type
        ]
        value = "".join(parts) if parts else _text(node).strip("'\"`")
    else:
        value = _text(node)
    return value if _NAME.fullmatch(value) else None


def _first_error_line(root: tree_sitter.Node) -> int:
    """The line of the first syntax error (an ERROR or a MISSING node)."""
    node = root
    while True:
        if node.is_error or node.is_missing:
            return _line(node)
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            return _line(node)
        node = child


# ---------------------------------------------------------------------- environment reads


def _env_reads(lang: Language, rules: Rules, root: tree_sitter.Node) -> list[EnvRead]:
    aliases: set[str] = set()
    bindings = [(_text(m["alias"]), m["env"]) for m in _matches(lang, rules.aliases, root)]
    for _ in range(3):  # aliases of aliases (const e = process.env; const f = e)
        aliases |= {alias for alias, env in bindings if _is_env(rules, env, aliases)}
    out: list[EnvRead] = []
    seen: set[tuple[str, int, int]] = set()
    for m in _matches(lang, rules.reads, root):
        if "env" in m and not _is_env(rules, m["env"], aliases):
            continue
        name = _literal(m["name"])
        if name is None:
            continue
        key = (name, m["name"].start_byte, m["name"].end_byte)
        if key in seen:
            continue
        seen.add(key)
        nodes = list(m.values())
        start = min(n.start_byte for n in nodes)
        end = max(n.end_byte for n in nodes)
        expression = (root.text or b"")[start:end].decode("utf-8", "replace")
        out.append(EnvRead(name, _line(m["name"]), " ".join(expression.split())[:80]))
    return out


def _is_env(rules: Rules, node: tree_sitter.Node, aliases: set[str]) -> bool:
    text = _norm(_text(node))
    return text in aliases or rules.env_mapping.fullmatch(text) is not None


# ---------------------------------------------------------------------- kept for ever


def _kept(lang: Language, rules: Rules, root: tree_sitter.Node) -> list[KeptSecret]:
    found: dict[tuple[int, str], KeptSecret] = {}
    for m in _matches(lang, rules.memoised, root):
        memo, body = m["memo"], m["body"]
        words = _text(memo)
        if not rules.memoisers.search(words) or _BOUNDED.search(_text(memo.parent or memo)):
            continue
        if body.type in rules.identifiers:
            body = _function_named(rules, root, _text(body)) or body
        if _reads_vault(rules, body):
            name = _label(rules, memo) or _text(body)[:40]
            owner = body.parent if body.parent is not None else memo
            line = _line(owner) if owner.type in rules.functions else _line(memo)
            found.setdefault(
                (line, name),
                KeptSecret(line, name,
                           f"is memoised by {words.strip()} without expiry: a rotated secret is "
                           "never seen", "memoised"),
            )  # fmt: skip

    holders: dict[str, tuple[tree_sitter.Node, tree_sitter.Node | None]] = {}
    for m in _matches(lang, rules.holders, root):
        holders.setdefault(_text(m["holder"]), (m["holder"], m.get("init")))
    if not holders:
        return sorted(found.values(), key=lambda k: k.line)
    writes = _matches(lang, rules.writes, root)
    cleared = {_text(m["target"]) for m in _matches(lang, rules.clears, root)}
    for name, (holder, init) in holders.items():
        if init is not None and _is_vault_value(rules, init):
            found.setdefault(
                (_line(holder), name),
                KeptSecret(_line(holder), name,
                           "is initialised from a Vault read once, when the code loads, and "
                           "never read again: a rotated secret is never seen", "initialised"),
            )  # fmt: skip
            continue
        mine = [w for w in writes if _text(w["target"]) == name]
        filled = []
        for w in mine:
            value = w.get("value")
            fn = _enclosing_function(rules, w["target"])
            if fn is None or value is None:
                continue
            if _EMPTY.fullmatch(_norm(_text(value))):
                cleared.add(name)  # emptied in a function: the next use reads Vault again
            elif value.type in rules.functions:  # computeIfAbsent(k, k -> vault.read(k))
                if _reads_vault(rules, value):
                    filled.append(w["target"])
            elif not _constructs(rules, value) and _reads_vault(rules, fn):
                filled.append(w["target"])
        if not filled or name in cleared:
            continue
        users = {_enclosing_function(rules, n) for n in _identifiers(rules, root, name)}
        if any(fn is not None and rules.clock.search(_text(fn)) for fn in users):
            continue  # kept with a time: an expiry, a refresh timer
        line = _line(filled[0])
        found.setdefault(
            (line, name),
            KeptSecret(line, name,
                       f"(declared at line {_line(holder)}) keeps what a Vault read returned "
                       "and is never refreshed: no expiry, nothing clears it", "held"),
        )  # fmt: skip
    return sorted(found.values(), key=lambda k: k.line)


def _calls(rules: Rules, node: tree_sitter.Node) -> list[tree_sitter.Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type in rules.calls:
            out.append(n)
        stack.extend(n.named_children)
    return out


def _callee(node: tree_sitter.Node) -> str:
    args = node.child_by_field_name("arguments")
    if args is None:
        return _text(node)
    return (node.text or b"")[: args.start_byte - node.start_byte].decode("utf-8", "replace")


def _constructs(rules: Rules, node: tree_sitter.Node) -> bool:
    """A value that is a new object (a client, a map), not a value read."""
    node = _unwrap(rules, node)
    if node.type in rules.functions:
        return True
    if node.type not in rules.calls:
        return False
    return node.type.startswith(("new", "object_creation")) or bool(
        _CONSTRUCTS.search(_norm(_callee(node)))
    )


def _is_vault_call(rules: Rules, node: tree_sitter.Node) -> bool:
    if _constructs(rules, node):
        return False
    return bool(_VAULT_CALLEE.search(_callee(node)) or _VAULT_API.search(_text(node)))


def _reads_vault(rules: Rules, node: tree_sitter.Node) -> bool:
    return any(_is_vault_call(rules, c) for c in _calls(rules, node))


def _unwrap(rules: Rules, node: tree_sitter.Node) -> tree_sitter.Node:
    """The call inside ``await x()``, ``x()["data"]``, ``x().field``: what a value is made by."""
    for _ in range(8):
        if node.type in rules.calls or node.type in rules.functions or not node.named_children:
            return node
        node = node.named_children[0]
    return node


def _is_vault_value(rules: Rules, init: tree_sitter.Node) -> bool:
    """An initial value that is itself the result of a Vault read (not a function, a client
    or a wrapper that reads later)."""
    call = _unwrap(rules, init)
    return (
        call.type in rules.calls
        and _is_vault_call(rules, call)
        and not rules.memoisers.search(_callee(call).split(".")[-1])
    )


def _enclosing_function(rules: Rules, node: tree_sitter.Node) -> tree_sitter.Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in rules.functions:
            return parent
        parent = parent.parent
    return None


def _identifiers(rules: Rules, root: tree_sitter.Node, name: str) -> list[tree_sitter.Node]:
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        if n.type in rules.identifiers and _text(n) == name:
            out.append(n)
        stack.extend(n.named_children)
    return out


def _function_named(rules: Rules, root: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The function declared as ``name`` in this file (what a memoiser wraps by name)."""
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type in rules.functions:
            for f in rules.names:
                label = n.child_by_field_name(f)
                if label is not None and _text(label) == name:
                    return n
        if n.type == "variable_declarator":
            label, value = n.child_by_field_name("name"), n.child_by_field_name("value")
            if label is not None and value is not None and _text(label) == name:
                return value
        stack.extend(n.named_children)
    return None


def _label(rules: Rules, node: tree_sitter.Node) -> str:
    """The name of what ``node`` belongs to: the decorated function, the variable bound."""
    if node.type.endswith("_variable"):  # Ruby's @key ||= ...: the variable is the name
        return _text(node)
    parent: tree_sitter.Node | None = node
    for _ in range(6):
        if parent is None:
            break
        for f in ("definition", "declarator"):
            inner = parent.child_by_field_name(f)
            if inner is not None and inner.child_by_field_name("name") is not None:
                return _text(inner.child_by_field_name("name"))  # type: ignore[arg-type]
        label = parent.child_by_field_name("name")
        if label is not None and parent != node and label != node:
            return _text(label)
        parent = parent.parent
    return ""

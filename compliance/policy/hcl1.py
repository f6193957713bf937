"""HCL version 1, read the way Vault and OpenBao read a policy: into an abstract syntax tree.

Vault and OpenBao parse ACL policies with HashiCorp's HCL v1 library (hashicorp/hcl at
``v1.0.1-vault-7``: ``hcl/scanner``, ``hcl/parser``, ``json/parser``), then walk the tree
themselves (``internal/vault/policy/policy.go``). What they accept and refuse, and how
repeated blocks combine, depends on that tree, not on a dictionary: two ``path "a"``
blocks are two rules that the server later merges, a ``path "a" "b"`` block is a rule for
``a``, a dangling ``name =`` at the end of the file is dropped silently. Dictionary-building
parsers (pyhcl, python-hcl2) lose those facts, so this module follows the library's
parser rule by rule (its scanner is :mod:`compliance.policy.hcl1_scanner`) and keeps the tree:
items with their keys, values and line numbers.

Errors are :class:`HclError`: a line, a column and the library's reason, never the text
that was read (a policy file may hold a pasted secret).

One deliberate difference: nesting deeper than :data:`MAX_DEPTH` is refused here
("nested too deeply"), where the server's Go stack would go on; no real policy nests
more than a few levels, and an unbounded recursion is a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Re-exported: the tree's users need no second module.
from vault_gate.compliance.policy.hcl1_scanner import (
    HclError,
    Scanner,
    Token,
    go_parse_float,
    go_parse_int,
)

__all__ = [
    "MAX_DEPTH", "HclError", "Item", "ListNode", "Literal", "Node", "ObjectList",
    "ObjectNode", "Token", "go_parse_float", "go_parse_int", "is_json", "parse",
]  # fmt: skip

MAX_DEPTH = 200


@dataclass(slots=True)
class Literal:
    token: Token

    @property
    def line(self) -> int:
        return self.token.line


@dataclass(slots=True)
class ListNode:
    items: list[Node]
    line: int


@dataclass(slots=True)
class Item:
    """``keys... = value`` or ``keys... { ... }``: an ``ast.ObjectItem``."""

    keys: list[Token]
    val: Node | None
    assign: bool = False
    line: int = 0

    def key(self) -> str:
        return self.keys[0].value()


@dataclass(slots=True)
class ObjectList:
    items: list[Item] = field(default_factory=list)
    line: int = 0

    def filter(self, name: str) -> ObjectList:
        """``ObjectList.Filter``: items whose first key is ``name`` (case-insensitively),
        with that key stripped."""
        out = ObjectList(line=self.line)
        for item in self.items:
            if not item.keys:
                continue
            key = item.keys[0].value()
            if key == name or key.casefold() == name.casefold():
                out.items.append(Item(item.keys[1:], item.val, item.assign, item.line))
        return out


@dataclass(slots=True)
class ObjectNode:
    """``{ ... }``: an ``ast.ObjectType``."""

    list: ObjectList
    line: int


Node = Literal | ListNode | ObjectNode | ObjectList


# --------------------------------------------------------------------------- parsing


class _EofToken(Exception):
    """The parser's ``errEofToken``: end of input where an item could start."""


class _Parser:
    """``hcl/parser``: objectList, objectItem, objectKey, object, objectType, listType."""

    def __init__(self, src: str) -> None:
        self.sc = Scanner(src)
        self.tok = Token("ILLEGAL", "", 0, 0)
        self.buffered = False
        self.depth = 0

    def scan(self) -> Token:
        if self.buffered:
            self.buffered = False
            return self.tok
        self.tok = self.sc.scan()
        while self.tok.type == "COMMENT":
            self.tok = self.sc.scan()
        return self.tok

    def unscan(self) -> None:
        self.buffered = True

    def fail(self, reason: str, tok: Token | None = None) -> HclError:
        tok = tok or self.tok
        return HclError(reason, tok.line, tok.column)

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("nested too deeply")

    def parse(self) -> ObjectList:
        try:
            node = self.object_list(obj=False)
        except HclError:
            if self.sc.error is not None:
                raise self.sc.error from None
            raise
        if self.sc.error is not None:
            raise self.sc.error
        return node

    def object_list(self, *, obj: bool) -> ObjectList:
        node = ObjectList(line=self.tok.line)
        while True:
            if obj:
                tok = self.scan()
                self.unscan()
                if tok.type == "RBRACE":
                    break
            try:
                item = self.object_item()
            except _EofToken:
                break
            node.items.append(item)
            if self.scan().type != "COMMA":
                self.unscan()
        return node

    def object_item(self) -> Item:
        keys, error = self.object_key()
        if keys and isinstance(error, _EofToken):
            error = None
        if keys and error is not None and self.tok.type == "RBRACE":
            error = None
            self.tok = Token("EOF", self.tok.text, self.tok.line, self.tok.column)
        if error is not None:
            raise error
        if self.tok.type == "ASSIGN":
            line = self.tok.line
            val = self.object()  # raises _EofToken at the end: the item is dropped
            return Item(keys, val, True, keys[0].line if keys else line)
        if self.tok.type == "LBRACE":
            return Item(keys, self.object_type(), False, keys[0].line if keys else self.tok.line)
        shown = " ".join(k.text for k in keys)
        reason = "expected start of object ('{') or assignment ('=')"
        raise self.fail(f"key {_brief(shown)} {reason}")

    def object_key(self) -> tuple[list[Token], Exception | None]:
        keys: list[Token] = []
        while True:
            tok = self.scan()
            if tok.type == "EOF":
                return keys, _EofToken()
            if tok.type == "ASSIGN":
                if len(keys) > 1:
                    return [], self.fail("nested object expected: LBRACE got: ASSIGN")
                if not keys:
                    return [], self.fail("no object keys found!")
                return keys, None
            if tok.type == "LBRACE":
                if not keys:
                    return keys, self.fail("expected: IDENT | STRING got: LBRACE")
                return keys, None
            if tok.type in ("IDENT", "STRING"):
                keys.append(tok)
                continue
            if tok.type == "ILLEGAL":
                return keys, self.fail("illegal character")
            return keys, self.fail(f"expected: IDENT | STRING | ASSIGN | LBRACE got: {tok.type}")

    def object(self) -> Node:
        tok = self.scan()
        if tok.type in ("NUMBER", "FLOAT", "BOOL", "STRING", "HEREDOC"):
            return Literal(tok)
        if tok.type == "LBRACE":
            return self.object_type()
        if tok.type == "LBRACK":
            return self.list_type()
        if tok.type == "EOF":
            raise _EofToken()
        raise self.fail(f"unknown token: {tok.type}", tok)

    def object_type(self) -> ObjectNode:
        self._deeper()
        line = self.tok.line
        body = self.object_list(obj=True)
        tok = self.scan()
        if tok.type != "RBRACE":
            raise self.fail(f"object expected closing RBRACE got: {tok.type}", tok)
        self.depth -= 1
        return ObjectNode(body, line)

    def list_type(self) -> ListNode:
        self._deeper()
        node = ListNode([], self.tok.line)
        need_comma = False
        while True:
            tok = self.scan()
            if need_comma and tok.type not in ("COMMA", "RBRACK"):
                raise self.fail(f"error parsing list, expected comma or list end, got: {tok.type}")
            if tok.type in ("BOOL", "NUMBER", "FLOAT", "STRING", "HEREDOC"):
                node.items.append(Literal(tok))
                need_comma = True
            elif tok.type == "COMMA":
                need_comma = False
            elif tok.type == "LBRACE":
                node.items.append(self.object_type())
                need_comma = True
            elif tok.type == "LBRACK":
                node.items.append(self.list_type())
            elif tok.type == "RBRACK":
                self.depth -= 1
                return node
            else:
                raise self.fail(f"unexpected token while parsing list: {tok.type}", tok)


class _JsonParser:
    """``json/parser``: HCL's lenient JSON reader, and its flattening of nested objects."""

    def __init__(self, src: str) -> None:
        self.sc = Scanner(src, json=True)
        self.tok = Token("ILLEGAL", "", 0, 0, True)
        self.buffered = False
        self.depth = 0

    def scan(self) -> Token:
        if self.buffered:
            self.buffered = False
            return self.tok
        self.tok = self.sc.scan()
        return self.tok

    def fail(self, reason: str) -> HclError:
        return HclError(reason, self.tok.line, self.tok.column)

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("nested too deeply")

    def parse(self) -> ObjectList:
        try:
            tok = self.scan()
            if tok.type == "LBRACE":
                top = self.object_type()
            elif tok.type == "EOF":
                raise _EofToken()
            else:
                raise self.fail(f"expected object, got unknown token: {tok.type}")
        except _EofToken:
            if self.sc.error is not None:
                raise self.sc.error from None
            raise HclError("EOF token found") from None
        except HclError:
            if self.sc.error is not None:
                raise self.sc.error from None
            raise
        if self.sc.error is not None:
            raise self.sc.error
        _flatten(top.list)
        return top.list

    def object_list(self) -> tuple[ObjectList, HclError | None]:
        """The items up to the first non-comma; an error comes back with the items so far
        (a trailing comma before ``}`` is such an error, which the caller forgives)."""
        node = ObjectList(line=self.tok.line)
        while True:
            try:
                item = self.object_item()
            except _EofToken:
                break
            except HclError as exc:
                return node, exc
            node.items.append(item)
            if self.scan().type != "COMMA":
                break
        return node, None

    def object_item(self) -> Item:
        keys: list[Token] = []
        while True:
            tok = self.scan()
            if tok.type == "EOF":
                raise _EofToken()
            if tok.type == "STRING":
                keys.append(_json_token(tok))
            elif tok.type == "COLON":
                if not keys:
                    raise self.fail("expected: STRING got: COLON")
                break
            elif tok.type == "ILLEGAL":
                raise self.fail("illegal")
            else:
                raise self.fail(f"expected: STRING got: {tok.type}")
        return Item(keys, self.object_value(), True, keys[0].line)

    def object_value(self) -> Node:
        tok = self.scan()
        if tok.type in ("NUMBER", "FLOAT", "BOOL", "NULL", "STRING"):
            return Literal(_json_token(tok))
        if tok.type == "LBRACE":
            return self.object_type()
        if tok.type == "LBRACK":
            return self.list_type()
        if tok.type == "EOF":
            raise _EofToken()
        raise self.fail(f"expected object value, got unknown token: {tok.type}")

    def object_type(self) -> ObjectNode:
        self._deeper()
        line = self.tok.line
        body, error = self.object_list()
        if error is not None and self.tok.type != "RBRACE":
            raise error
        self.depth -= 1
        return ObjectNode(body, line)

    def list_type(self) -> ListNode:
        self._deeper()
        node = ListNode([], self.tok.line)
        while True:
            tok = self.scan()
            if tok.type in ("NUMBER", "FLOAT", "STRING"):
                node.items.append(Literal(_json_token(tok)))
            elif tok.type == "LBRACE":
                node.items.append(self.object_type())
            elif tok.type in ("COMMA", "BOOL", "LBRACK"):
                continue  # the library skips booleans and nested list openings here
            elif tok.type == "RBRACK":
                self.depth -= 1
                return node
            else:
                raise self.fail(f"unexpected token while parsing list: {tok.type}")


def _json_token(tok: Token) -> Token:
    """``json/token.HCLToken``: null becomes an empty STRING; strings keep JSON quoting."""
    if tok.type == "NULL":
        return Token("STRING", "", tok.line, tok.column, True)
    return Token(tok.type, tok.text, tok.line, tok.column, tok.type == "STRING")


def _flatten(top: ObjectList) -> None:
    """``flattenObjects``: ``{"path": {"a": {...}}}`` becomes the item ``path "a" {...}``."""
    stack: list[ObjectList] = [top]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        items: list[Item] = []
        frontier = list(node.items)
        while frontier:
            item = frontier.pop()
            val = item.val
            if isinstance(val, ObjectNode):
                subs = val.list.items
                if not subs or any(not isinstance(s.val, ObjectNode) for s in subs):
                    items.append(item)
                else:
                    frontier += [
                        Item(item.keys + s.keys, s.val, item.assign, item.line) for s in subs
                    ]
            elif isinstance(val, ListNode):
                if not val.items or any(not isinstance(e, ObjectNode) for e in val.items):
                    items.append(item)
                else:
                    frontier += [Item(item.keys, e, item.assign, item.line) for e in val.items]
            else:
                items.append(item)
        items.reverse()
        node.items = items
        stack += _object_lists_below(node)


def _object_lists_below(node: ObjectList) -> list[ObjectList]:
    """The object lists that ``ast.Walk`` visits next (inside items' values)."""
    found: list[ObjectList] = []
    pending: list[Node | None] = [i.val for i in node.items]
    while pending:
        val = pending.pop()
        if isinstance(val, ObjectNode):
            found.append(val.list)
        elif isinstance(val, ListNode):
            pending += val.items
        elif isinstance(val, ObjectList):
            found.append(val)
    return found


def _brief(text: str) -> str:
    """A key for a message: short names as they are, anything long by its length only."""
    return repr(text) if len(text) <= 20 and text.isprintable() else f"of {len(text)} characters"


# Go's unicode.IsSpace, which strings.TrimSpace strips.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
_GO_SPACE += "\u2028\u2029\u202f\u205f\u3000"


def is_json(text: str) -> bool:
    """``hclutil.ParseConfig``'s test: the text starts with ``{`` after white space."""
    return text.strip(_GO_SPACE).startswith("{")


def parse(text: str) -> ObjectList:
    """The tree ``hclutil.ParseConfig`` builds: JSON when the text starts with ``{``, else
    HCL (CRLF line ends normalised first). Raises HclError."""
    if is_json(text):
        return _JsonParser(text).parse()
    return _Parser(text.replace("\r\n", "\n")).parse()

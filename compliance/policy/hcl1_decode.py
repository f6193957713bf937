"""Values out of an HCL1 tree as the server's Go code takes them: ``hcl.DecodeObject`` into
typed fields, and the ``parseutil`` readers of durations and times.

The server decodes a path block into a Go struct (``PathRules``) and the library's
decoder is lenient in ways a policy author meets: a number where a string belongs is
taken as its text (``policy = 1`` is the policy "1"), ``capabilities = {}`` is an empty
list, a key given twice appends to a list and overwrites a string, an interface field
(``min_wrapping_ttl``) keeps the type of its first value. :func:`decode` follows
``decoder.go`` for the field types policies use; :func:`parse_duration_second` and
:func:`parse_absolute_time` follow ``go-secure-stdlib/parseutil`` v0.2.0 and Go's
``time.ParseDuration``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from vault_gate.compliance.policy.hcl1 import (
    HclError,
    Item,
    ListNode,
    Literal,
    Node,
    ObjectList,
    ObjectNode,
    go_parse_float,
    go_parse_int,
)

# Field types: "str", "int", "bool", "any", ("list", T), ("map", T), Struct.
FieldType = Any


@dataclass(frozen=True)
class Struct:
    """A Go struct's decodable fields: (key the decoder looks for, field type), in order."""

    fields: tuple[tuple[str, FieldType], ...]


class DecodeError(ValueError):
    def __init__(self, reason: str, line: int | None) -> None:
        self.reason, self.line = reason, line
        super().__init__(reason)


def _line(node: Node | Item | None) -> int | None:
    if node is None:
        return None
    line = getattr(node, "line", None)
    return line or None


class _Decoder:
    def __init__(self) -> None:
        self.stack: list[str] = []

    def decode(self, name: str, node: Node | Item, kind: FieldType, current: Any) -> Any:
        if kind == "any" and current is not None:
            kind = _kind_of(current)
        if kind == "any":
            return self._interface(name, node)
        self.stack.append(_stack_kind(kind))
        try:
            if kind == "str":
                return self._string(name, node)
            if kind == "int":
                return self._int(name, node)
            if kind == "float":
                return self._float(name, node)
            if kind == "bool":
                return self._bool(name, node)
            if isinstance(kind, Struct):
                return self._struct(name, node, kind, current)
            if kind[0] == "list":
                return self._slice(name, node, kind[1], current)
            return self._map(name, node, kind[1], current)
        finally:
            self.stack.pop()

    def _string(self, name: str, node: Node | Item) -> str:
        if isinstance(node, Literal):
            if node.token.type == "NUMBER":
                return node.token.text
            if node.token.type in ("STRING", "HEREDOC"):
                return _value(node)
        raise DecodeError(f"{name}: expected a string, got {_what(node)}", _line(node))

    def _int(self, name: str, node: Node | Item) -> int:
        if isinstance(node, Literal):
            if node.token.type == "NUMBER":
                return _go_int(node.token.text, name, node)
            if node.token.type == "STRING":
                return _go_int(_value(node), name, node)
        raise DecodeError(f"{name}: expected an integer, got {_what(node)}", _line(node))

    def _float(self, name: str, node: Node | Item) -> float:
        if isinstance(node, Literal) and node.token.type in ("FLOAT", "NUMBER"):
            try:
                return go_parse_float(node.token.text)
            except HclError:
                raise DecodeError(f"{name}: not a number", _line(node)) from None
        raise DecodeError(f"{name}: expected a number, got {_what(node)}", _line(node))

    def _bool(self, name: str, node: Node | Item) -> bool:
        if isinstance(node, Literal) and node.token.type == "BOOL":
            return node.token.text == "true"
        raise DecodeError(f"{name}: expected true or false, got {_what(node)}", _line(node))

    def _interface(self, name: str, node: Node | Item) -> Any:
        test = node.list if isinstance(node, ObjectNode) else node
        if isinstance(test, ObjectList):
            if not self.stack or self.stack[-1] == "slice":
                return self.decode(name, node, ("map", "any"), None)
            return self.decode(name, node, ("list", ("map", "any")), None)
        if isinstance(test, ListNode):
            return self.decode(name, node, ("list", "any"), None)
        if isinstance(test, Literal):
            kind = {
                "BOOL": "bool",
                "FLOAT": "float",
                "NUMBER": "int",
                "STRING": "str",
                "HEREDOC": "str",
            }.get(test.token.type)
            if kind is not None:
                return self.decode(name, node, kind, None)
        raise DecodeError(f"{name}: cannot decode {_what(node)}", _line(node))

    def _map(self, name: str, node: Node | Item, elem: FieldType, current: Any) -> dict[str, Any]:
        if isinstance(node, Item):
            node = ObjectList([node], node.line)
        if isinstance(node, ObjectNode):
            node = node.list
        if not isinstance(node, ObjectList):
            raise DecodeError(f"{name}: expected an object, got {_what(node)}", _line(node))
        result: dict[str, Any] = dict(current) if current else {}
        done: set[str] = set()
        for item in node.items:
            if item.val is None:
                continue
            if not item.keys:
                raise DecodeError(f"{name}: map must have string keys", _line(item))
            key = _key(item)
            if key in done:
                continue
            value: Node = item.val
            if len(item.keys) > 1:
                value = node.filter(key)
                done.add(key)
            shown = key if len(key) <= 20 and key.isprintable() else f"<{len(key)} characters>"
            result[key] = self.decode(f"{name}.{shown}", value, elem, result.get(key))
        return result

    def _slice(self, name: str, node: Node | Item, elem: FieldType, current: Any) -> list[Any]:
        items: list[Node | Item]
        if isinstance(node, ObjectList):
            items = list(node.items)
        elif isinstance(node, ObjectNode):
            items = [node]
        elif isinstance(node, ListNode):
            items = list(node.items)
        else:
            raise DecodeError(f"{name}: expected a list, got {_what(node)}", _line(node))
        result = list(current or [])
        for i, item in enumerate(items):
            result.append(self.decode(f"{name}[{i}]", item, elem, None))
        return result

    def _struct(self, name: str, node: Node | Item, kind: Struct, current: Any) -> dict[str, Any]:
        item = None
        if isinstance(node, Item):
            item, node = node, node.val  # type: ignore[assignment]
        if isinstance(node, ObjectNode):
            node = node.list
        if isinstance(node, Literal) and item is not None:
            node = ObjectList([item], item.line)
        if not isinstance(node, ObjectList):
            raise DecodeError(f"{name}: expected an object, got {_what(node)}", _line(node))
        result: dict[str, Any] = dict(current) if current else {}
        # ObjectList.Filter for every field, in one pass: items by their first key,
        # case-folded (Go's EqualFold), that key stripped.
        by_key: dict[str, list[Item]] = {}
        for it in node.items:
            if it.keys:
                folded = _key(it).casefold()
                by_key.setdefault(folded, []).append(Item(it.keys[1:], it.val, it.assign, it.line))
        for key, field_type in kind.fields:
            matched = by_key.get(key.casefold(), [])
            children = [i for i in matched if i.keys]
            elements = [i for i in matched if not i.keys]
            if not children and not elements:
                continue
            where = f"{name}.{key}"
            if children:
                result[key] = self.decode(
                    where, ObjectList(children, children[0].line), field_type, result.get(key)
                )
            for match in elements:
                value = match.val
                if isinstance(value, ObjectNode):
                    value = ObjectList(list(value.list.items), value.line)
                assert value is not None
                result[key] = self.decode(where, value, field_type, result.get(key))
        return result


def _kind_of(value: Any) -> FieldType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return ("list", "any")
    return ("map", "any")


def _stack_kind(kind: FieldType) -> str:
    if isinstance(kind, Struct):
        return "struct"
    if isinstance(kind, tuple):
        return "slice" if kind[0] == "list" else "map"
    return kind


def _value(node: Literal) -> Any:
    try:
        return node.token.value()
    except HclError as exc:
        raise DecodeError(exc.reason, node.line) from None


def _key(item: Item) -> str:
    try:
        return item.key()
    except HclError as exc:
        raise DecodeError(exc.reason, item.line) from None


def _go_int(text: str, name: str, node: Node) -> int:
    try:
        return go_parse_int(text, base0=True)
    except HclError:
        raise DecodeError(f"{name}: not an integer", _line(node)) from None


def _what(node: Node | Item | None) -> str:
    if isinstance(node, Literal):
        return {"BOOL": "a boolean", "FLOAT": "a number", "NUMBER": "a number"}.get(
            node.token.type, "a string"
        )
    if isinstance(node, ListNode):
        return "a list"
    if isinstance(node, ObjectNode | ObjectList):
        return "an object"
    return "a block"


def decode(name: str, node: Node | Item, kind: FieldType) -> Any:
    """``hcl.DecodeObject`` of ``node`` into a fresh value of ``kind``; DecodeError if the
    library refuses."""
    return _Decoder().decode(name, node, kind, None)


# --------------------------------------------------------------------------- parseutil

_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000}
_NS |= {"s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_MAX = 1 << 63


class ValueError_(ValueError):
    """A value the server's parseutil refuses."""


def go_parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration``, in nanoseconds."""
    s = text
    neg = False
    if s and s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError_(f"invalid duration of {len(text)} characters")
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise ValueError_("invalid duration")
        m = re.match(r"[0-9]*", s)
        assert m is not None
        whole, s = m.group(), s[m.end() :]
        frac = ""
        if s.startswith("."):
            m2 = re.match(r"[0-9]*", s[1:])
            assert m2 is not None
            frac, s = m2.group(), s[1 + m2.end() :]
            if not whole and not frac:
                raise ValueError_("invalid duration")
        elif not whole:
            raise ValueError_("invalid duration")
        m3 = re.match(r"[^0-9.]*", s)
        assert m3 is not None
        unit, s = m3.group(), s[m3.end() :]
        if not unit:
            raise ValueError_("missing unit in duration")
        if unit not in _NS:
            raise ValueError_("unknown unit in duration")
        scale = _NS[unit]
        v = int(whole or "0")
        if v > _MAX // scale:
            raise ValueError_("invalid duration (overflow)")
        v *= scale
        if frac:
            # Go keeps at most the digits that fit; the float product is truncated.
            digits = frac
            f, fscale = 0, 1
            for d in digits:
                if f > (_MAX - 1) // 10:
                    break
                f, fscale = f * 10 + int(d), fscale * 10
            v += int(float(f) * (float(scale) / fscale))
            if v > _MAX:
                raise ValueError_("invalid duration (overflow)")
        total += v
        if total > _MAX:
            raise ValueError_("invalid duration (overflow)")
    if not neg and total > _MAX - 1:
        raise ValueError_("invalid duration (overflow)")
    return -total if neg else total


def _seconds(value: int) -> int:
    ns = value * 10**9
    if not -_MAX <= ns < _MAX:
        raise ValueError_("duration overflow")
    return ns


def parse_duration_second(value: Any) -> int:
    """``parseutil.ParseDurationSecond``: nanoseconds from a duration string, a number of
    seconds, ``"<n>d"`` days; anything else refused."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError_("could not parse duration from input")
    if isinstance(value, int):
        return _seconds(value)
    if isinstance(value, float):
        if value != value or abs(value) >= 2**63:
            raise ValueError_("duration overflow")
        return _seconds(int(value))
    if isinstance(value, str):
        if value == "":
            return 0
        try:
            return _seconds(go_parse_int(value, base0=False))
        except (HclError, ValueError_):
            pass
        if value.endswith("d"):
            try:
                days = go_parse_int(value[:-1], base0=False)
            except HclError:
                raise ValueError_("invalid number of days") from None
            ns = days * 86400 * 10**9
            if not -_MAX <= ns < _MAX:
                raise ValueError_("duration overflow")
            return ns
        return go_parse_duration(value)
    raise ValueError_("could not parse duration from input")


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z"
)


def parse_absolute_time(value: str) -> datetime:
    """``parseutil.ParseAbsoluteTime`` of a string: RFC 3339 (with or without fractions)
    or whole seconds since the epoch."""
    m = _RFC3339.match(value)
    if m:
        year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
        zone = m.group(8)
        if zone == "Z":
            tz = UTC
        else:
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 24 or minutes > 59:
                raise ValueError_("could not parse string as date and time")
            sign = -1 if zone[0] == "-" else 1
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError_("could not parse string as date and time")
        try:
            when = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        except ValueError:
            raise ValueError_("could not parse string as date and time") from None
        fraction = m.group(7)
        if fraction:
            when += timedelta(microseconds=int((fraction[1:] + "000000")[:6]))
        return when
    try:
        seconds = go_parse_int(value, base0=False)
    except HclError:
        raise ValueError_("could not parse string as date and time") from None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        # Beyond Python's calendar; Go keeps it: far past or far future.
        return datetime.max.replace(tzinfo=UTC) if seconds > 0 else datetime.min.replace(tzinfo=UTC)

"""HCL version 1's scanner (hashicorp/hcl ``v1.0.1-vault-7``: ``hcl/scanner``,
``json/scanner``, ``hcl/strconv``, ``token.Value``), rune by rune as the library reads, with
fast paths for the runs it would consume unchanged (white space, names, plain strings,
comments, heredoc lines) so that megabytes parse in bounded time.

Errors are :class:`HclError`: a line, a column and the library's reason, never the text
that was read (a policy file may hold a pasted secret).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

# Fast paths of the scanner: stretches the rune-by-rune rules would consume unchanged.
_WHITE = re.compile(r"[ \t\n\r]+")
_IDENT = re.compile(r"[A-Za-z0-9_.\-]+")
_JSON_IDENT = re.compile(r"[A-Za-z0-9_\-]+")
_RESERVED = re.compile("[\x00\ue123]")
_LINE_REST = re.compile(r"[^\n\x00\ue123]+")
_PLAIN_STRING = re.compile(r'[^"\\\n$\x00\ue123]*"')
_EOF = ""  # the scanner's end-of-input rune (Go uses rune(0), which is also refused)


class HclError(ValueError):
    """Malformed HCL or JSON, as the server's parser refuses it: where, and why."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        self.reason, self.line, self.column = reason, line, column
        at = f"line {line}, column {column}: " if line else ""
        super().__init__(f"{at}{reason}")


@dataclass(slots=True)
class Token:
    """One token: its type (IDENT, STRING, NUMBER, ...), its source text and position."""

    type: str
    text: str
    line: int
    column: int
    json: bool = False
    unquoted: str | None = None  # a STRING's value, once computed

    def value(self) -> Any:
        """The token's value as ``token.Value()`` gives it (the library panics where this
        raises: the server then refuses the request)."""
        if self.type == "STRING":
            if self.unquoted is None:
                # "" is JSON null
                self.unquoted = (
                    unquote(self.text, json=self.json, line=self.line) if self.text else ""
                )
            return self.unquoted
        if self.type == "BOOL":
            return self.text == "true"
        if self.type == "FLOAT":
            return go_parse_float(self.text, self.line)
        if self.type == "NUMBER":
            return go_parse_int(self.text, base0=True, where=self.line)
        if self.type == "IDENT":
            return self.text
        if self.type == "HEREDOC":
            return unindent_heredoc(self.text)
        raise HclError(f"no value for a {self.type} token", self.line, self.column)


# --------------------------------------------------------------------------- scanning


def _is_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or (ch >= "\x80" and ch.isalpha())


def _is_digit(ch: str) -> bool:
    return ("0" <= ch <= "9") or (ch >= "\x80" and ch.isdigit())


def _is_decimal(ch: str) -> bool:
    return "0" <= ch <= "9" and ch != ""


def _is_hex(ch: str) -> bool:
    return ch != "" and ch in "0123456789abcdefABCDEF"


def _digit_val(ch: str) -> int:
    if ch and "0" <= ch <= "9":
        return ord(ch) - 48
    if ch and "a" <= ch <= "f":
        return ord(ch) - 87
    if ch and "A" <= ch <= "F":
        return ord(ch) - 55
    return 16


class Scanner:
    """``hcl/scanner`` (and, with ``json=True``, ``json/scanner``), rune by rune."""

    def __init__(self, src: str, *, json: bool = False) -> None:
        self.src = src
        self.json = json
        self.pos = 0  # index of the next rune
        self.line = 1
        self.column = 0
        self.last_line_len = 0
        self.prev: tuple[int, int, int, int] = (0, 1, 0, 0)
        self.last_len = 0
        self.error: HclError | None = None

    def _err(self, msg: str) -> None:
        line, column = self.line, self.column
        if column == 0:
            line, column = (line - 1, self.last_line_len) if self.last_line_len else (1, 1)
        # The parser reports the last scanner error.
        self.error = HclError(msg, line, column)

    def next(self) -> str:
        if self.pos >= len(self.src):
            self.column += 1
            self.last_len = 0
            return _EOF
        self.prev = (self.pos, self.line, self.column, self.last_line_len)
        ch = self.src[self.pos]
        self.pos += 1
        self.last_len = 1
        self.column += 1
        if ch == "\n":
            self.line += 1
            self.last_line_len = self.column
            self.column = 0
        if ch == "\x00":
            self._err("unexpected null character (0x00)")
            return _EOF
        if ch == "\ue123" and not self.json:
            self._err("unicode code point U+E123 reserved for internal use")
            return "\ufffd"
        return ch

    def unread(self) -> None:
        self.pos, self.line, self.column, self.last_line_len = self.prev

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else _EOF

    def _skip_white(self) -> None:
        """Runs of white space in one step (the rune-by-rune loop below is the rule)."""
        m = _WHITE.match(self.src, self.pos)
        if m is not None:
            self._advance_to(m.end())

    def _advance_to(self, end: int) -> None:
        """Consume ``src[pos:end]`` (holding no NUL and no U+E123) as ``next`` would."""
        begin = self.pos
        if end <= begin:
            return
        newlines = self.src.count("\n", begin, end)
        if newlines:
            last = self.src.rfind("\n", begin, end)
            if newlines == 1:
                line_start = begin - self.column
            else:
                line_start = self.src.rfind("\n", begin, last) + 1
            self.last_line_len = last - line_start + 1
            self.line += newlines
            self.column = end - last - 1
        else:
            self.column += end - begin
        self.pos, self.last_len = end, 1

    def _take(self, pattern: re.Pattern[str]) -> None:
        """Consume what ``pattern`` matches here (never a newline)."""
        m = pattern.match(self.src, self.pos)
        if m is not None and m.end() > self.pos:
            self.column += m.end() - self.pos
            self.pos, self.last_len = m.end(), 1

    def scan(self) -> Token:
        self._skip_white()
        ch = self.next()
        while ch in (" ", "\t", "\n", "\r") and ch != _EOF:
            ch = self.next()
        start = self.pos - self.last_len
        if self.column > 0:
            line, column = self.line, self.column
        else:
            line, column = self.line - 1, self.last_line_len
        kind = "ILLEGAL"
        if _is_letter(ch):
            literal = self._scan_identifier(start)
            if literal in ("true", "false"):
                kind = "BOOL"
            elif not self.json:
                kind = "IDENT"
            elif literal == "null":
                kind = "NULL"
            else:
                self._err("illegal char")
        elif _is_decimal(ch):
            kind = self._scan_number(ch)
        elif ch == _EOF:
            kind = "EOF"
        elif ch == '"':
            kind = "STRING"
            self._scan_string()
        elif ch in ("#", "/") and not self.json:
            kind = "COMMENT"
            self._scan_comment(ch)
        elif ch == ".":
            kind = "PERIOD"
            if _is_decimal(self.peek()):
                kind = "FLOAT"
                ch = self._scan_mantissa(self.peek())
                self._scan_exponent(ch)
        elif ch == "<" and not self.json:
            kind = "HEREDOC"
            self._scan_heredoc()
        elif ch in "[]{},=+:" and ch:
            kind = {
                "[": "LBRACK",
                "]": "RBRACK",
                "{": "LBRACE",
                "}": "RBRACE",
                ",": "COMMA",
                "=": "ASSIGN",
                "+": "ADD",
                ":": "COLON",
            }[ch]
            if (self.json and ch in "=+") or (not self.json and ch == ":"):
                kind = "ILLEGAL"
                self._err("illegal char")
        elif ch == "-":
            if _is_decimal(self.peek()):
                kind = self._scan_number(self.next())
            elif self.json:
                self._err("illegal char")
            else:
                kind = "SUB"
        else:
            self._err("illegal char")
        return Token(kind, self.src[start : self.pos], line, column, self.json)

    def _scan_identifier(self, start: int) -> str:
        self._take(_JSON_IDENT if self.json else _IDENT)
        ch = self.next()
        extra = "-" if self.json else "-."
        while ch != _EOF and (_is_letter(ch) or _is_digit(ch) or ch in extra):
            ch = self.next()
        if ch != _EOF:
            self.unread()
        return self.src[start : self.pos]

    def _scan_comment(self, ch: str) -> None:
        if ch == "#" or (ch == "/" and self.peek() != "*"):
            if ch == "/" and self.peek() != "/":
                self._err("expected '/' for comment")
                return
            self._take(_LINE_REST)
            ch = self.next()
            while ch not in ("\n", _EOF):
                ch = self.next()
            if ch != _EOF:
                self.unread()
            return
        self.next()
        close = self.src.find("*/", self.pos)
        if close != -1 and not _RESERVED.search(self.src, self.pos, close):
            self._advance_to(close + 2)  # the same as the loop below, in one step
            return
        ch = self.next()
        while True:
            if ch == _EOF:
                self._err("comment not terminated")
                break
            ch0, ch = ch, self.next()
            if ch0 == "*" and ch == "/":
                break

    def _scan_number(self, ch: str) -> str:
        if self.json:
            return self._scan_json_number(ch)
        if ch == "0":
            ch = self.next()
            if ch in ("x", "X"):
                ch = self.next()
                found = False
                while _is_hex(ch):
                    ch = self.next()
                    found = True
                if not found:
                    self._err("illegal hexadecimal number")
                if ch != _EOF:
                    self.unread()
                return "NUMBER"
            illegal_octal = False
            while _is_decimal(ch):
                ch = self.next()
                if ch in ("8", "9"):
                    illegal_octal = True
            if ch in ("e", "E"):
                self._scan_exponent(ch)
                return "FLOAT"
            if ch == ".":
                ch = self._scan_fraction(ch)
                if ch in ("e", "E"):
                    ch = self.next()
                    self._scan_exponent(ch)
                return "FLOAT"
            if illegal_octal:
                self._err("illegal octal number")
            if ch != _EOF:
                self.unread()
            return "NUMBER"
        self._scan_mantissa(ch)
        ch = self.next()
        if ch in ("e", "E"):
            self._scan_exponent(ch)
            return "FLOAT"
        if ch == ".":
            ch = self._scan_fraction(ch)
            if ch in ("e", "E"):
                ch = self.next()
                self._scan_exponent(ch)
            return "FLOAT"
        if ch != _EOF:
            self.unread()
        return "NUMBER"

    def _scan_json_number(self, ch: str) -> str:
        zero = ch == "0"
        before = (self.pos, self.line, self.column)
        self._scan_mantissa(ch)
        ch = self.next()
        if ch in ("e", "E"):
            self._scan_exponent(ch)
            return "FLOAT"
        if ch == ".":
            ch = self._scan_fraction(ch)
            if ch in ("e", "E"):
                ch = self.next()
                self._scan_exponent(ch)
            return "FLOAT"
        if ch != _EOF:
            self.unread()
        if zero and before != (self.pos, self.line, self.column):
            self._err("numbers cannot start with 0")
        return "NUMBER"

    def _scan_mantissa(self, ch: str) -> str:
        scanned = False
        while _is_decimal(ch):
            ch = self.next()
            scanned = True
        if scanned and ch != _EOF:
            self.unread()
        return ch

    def _scan_fraction(self, ch: str) -> str:
        if ch == ".":
            ch = self.peek()
            ch = self._scan_mantissa(ch)
        return ch

    def _scan_exponent(self, ch: str) -> str:
        if ch in ("e", "E"):
            ch = self.next()
            if ch in ("-", "+"):
                ch = self.next()
            ch = self._scan_mantissa(ch)
        return ch

    def _scan_heredoc(self) -> None:
        if self.next() != "<":
            self._err("heredoc expected second '<', didn't see it")
            return
        offs = self.pos
        ch = self.next()
        if ch == "-":
            ch = self.next()
        while ch != _EOF and (_is_letter(ch) or _is_digit(ch)):
            ch = self.next()
        if ch == _EOF:
            self._err("heredoc not terminated")
            return
        if ch == "\r" and self.peek() == "\n":
            ch = self.next()
        if ch != "\n":
            self._err("invalid characters in heredoc anchor")
            return
        ident = self.src[offs : self.pos - 1]
        if ident in ("", "-"):
            self._err("zero-length heredoc anchor")
            return
        anchor = ident[1:] if ident[0] == "-" else ident
        line_start = self.pos
        while True:
            newline = self.src.find("\n", self.pos)
            if newline > self.pos and not _RESERVED.search(self.src, self.pos, newline):
                self._advance_to(newline)  # the line's runes, in one step
            ch = self.next()
            if ch == "\n":
                line = self.src[line_start : self.pos - 1]
                if len(line) >= len(ident) and _heredoc_end(line, anchor):
                    break
                line_start = self.pos
            if ch == _EOF:
                self._err("heredoc not terminated")
                return

    def _scan_string(self) -> None:
        m = _PLAIN_STRING.match(self.src, self.pos)
        if m is not None:  # no escape, no ${, no newline: straight to the closing quote
            self.column += m.end() - self.pos
            self.pos, self.last_len = m.end(), 1
            return
        braces = 0
        while True:
            ch = self.next()
            if (ch == "\n" and (braces == 0 or self.json)) or ch == _EOF:
                self._err("literal not terminated")
                return
            if ch == '"' and (braces == 0 or self.json):
                break
            if braces == 0 and ch == "$" and self.peek() == "{":
                braces += 1
                self.next()
            elif braces > 0 and ch == "{":
                braces += 1
            if braces > 0 and ch == "}":
                braces -= 1
            if ch == "\\":
                self._scan_escape()

    def _scan_escape(self) -> None:
        ch = self.next()
        if ch and ch in 'abfnrtv\\"':
            return
        if ch and ch in "01234567":
            self._scan_digits(ch, 8, 3)
        elif ch == "x":
            self._scan_digits(self.next(), 16, 2)
        elif ch == "u":
            self._scan_digits(self.next(), 16, 4)
        elif ch == "U":
            self._scan_digits(self.next(), 16, 8)
        else:
            self._err("illegal char escape")

    def _scan_digits(self, ch: str, base: int, n: int) -> None:
        start = n
        while n > 0 and _digit_val(ch) < base:
            ch = self.next()
            if ch == _EOF and not self.json:
                break
            n -= 1
        if n > 0:
            self._err("illegal char escape")
        if self.json or (n != start and ch != _EOF):
            self.unread()


def _heredoc_end(line: str, anchor: str) -> bool:
    """``^[[:space:]]*ANCHOR\\r*\\z`` (the scanner's regular expression)."""
    stripped = line.rstrip("\r").lstrip(" \t\n\v\f\r")
    return stripped == anchor


# --------------------------------------------------------------------------- values


def unquote(text: str, *, json: bool = False, line: int | None = None) -> str:
    """``hcl/strconv.Unquote`` (HCL) or Go's ``strconv.Unquote`` (JSON strings)."""
    bad = HclError("invalid string literal (bad escape or newline)", line)
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise bad
    s = text[1:-1]
    if not json and "$" not in s and "{" not in s and "\n" in s:
        raise bad
    if json and "\n" in s:
        raise bad
    if "\\" not in s and '"' not in s and "$" not in s:
        return s
    out = bytearray()
    i = 0
    while i < len(s):
        if not json and s.startswith("${", i):
            start = i
            i += 2
            braces = 1
            while i < len(s) and braces > 0:
                braces += (s[i] == "{") - (s[i] == "}")
                i += 1
            if braces != 0:
                raise bad
            out += s[start:i].encode()
            continue
        ch = s[i]
        if ch == "\n" or ch == '"':
            raise bad
        if ch != "\\":
            out += ch.encode()
            i += 1
            continue
        if i + 1 >= len(s):
            raise bad
        c = s[i + 1]
        i += 2
        if c in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[c]
        elif c in ("\\", '"'):
            out += c.encode()
        elif c in ("x", "u", "U"):
            n = {"x": 2, "u": 4, "U": 8}[c]
            digits = s[i : i + n]
            if len(digits) < n or not all(_is_hex(d) for d in digits):
                raise bad
            v = int(digits, 16)
            i += n
            if c == "x":
                out.append(v)  # a byte, not a character
                continue
            if v > 0x10FFFF or (json and 0xD800 <= v <= 0xDFFF):
                raise bad
            # utf8.EncodeRune writes U+FFFD for a surrogate.
            out += ("\ufffd" if 0xD800 <= v <= 0xDFFF else chr(v)).encode()
        elif c in "01234567":
            digits = s[i - 1 : i + 2]
            if len(digits) < 3 or not all(d in "01234567" for d in digits):
                raise bad
            v = int(digits, 8)
            i += 2
            if v > 255:
                raise bad
            out.append(v)
        else:
            raise bad
    return out.decode("utf-8", _STRAY_BYTES)


_SIMPLE_ESCAPES = {
    "a": b"\a", "b": b"\b", "f": b"\f", "n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v"
}  # fmt: skip
_STRAY_BYTES = "vault-gate-stray-bytes"


def _stray_bytes(error: UnicodeError) -> tuple[str, int]:
    """Bytes that make no UTF-8 (``"\\x80"``): the server keeps them raw in the path, where
    no request (valid UTF-8) can match them. Each becomes a private-use character
    (U+F780..U+F7FF), which no real request holds either."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(chr(0xF700 + b) for b in bad), error.end


codecs.register_error(_STRAY_BYTES, _stray_bytes)


def unindent_heredoc(text: str) -> str:
    """``unindentHeredoc``: the heredoc's body, its hanging indent removed for ``<<-``."""
    idx = text.index("\n")
    if text[2] != "-":
        return text[idx + 1 : len(text) - idx + 1]
    lines = text[idx + 1 : len(text) - idx + 2].split("\n")
    prefix = lines[-1]
    if not all(v.startswith(prefix) for v in lines):
        return text[idx + 1 : len(text) - idx + 1].rstrip(" \t")
    return "\n".join([v[len(prefix) :] for v in lines[:-1]] + [""])


_INT64 = 1 << 63


def go_parse_int(text: str, *, base0: bool, where: int | None = None) -> int:
    """Go's ``strconv.ParseInt(text, 0 or 10, 64)``: prefixes, octal ``0``, ``_``, range."""
    bad = HclError("invalid integer", where)
    s = text
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        raise bad
    base = 10
    if base0:
        lower = s.lower()
        if lower.startswith("0x"):
            base, s = 16, s[2:]
        elif lower.startswith("0o"):
            base, s = 8, s[2:]
        elif lower.startswith("0b"):
            base, s = 2, s[2:]
        elif s.startswith("0") and len(s) > 1:
            base, s = 8, s[1:]
        underscores_ok = True
    else:
        underscores_ok = False
    if "_" in s:
        # Go allows '_' only between digits (or after a base prefix), and only for base 0.
        if not underscores_ok or (s.startswith("_") and base == 10) or s.endswith("_") or "__" in s:
            raise bad
        s = s.replace("_", "")
    digits = "0123456789abcdef"[:base]
    if not s or not all(c.lower() in digits for c in s):
        raise bad
    value = sign * int(s, base)
    if not -_INT64 <= value < _INT64:
        raise HclError("integer out of range", where)
    return value


def go_parse_float(text: str, where: int | None = None) -> float:
    try:
        return float(text)
    except ValueError:
        raise HclError("invalid number", where) from None

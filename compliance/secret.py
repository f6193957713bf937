"""A wrapper that keeps secret values out of logs, exceptions, reports and pytest output.

Anything the harness generates or reads that is a secret travels as :class:`Secret`.
Its ``str`` and ``repr`` are a short fingerprint, so an accidental f-string, a
logging call or pytest's assertion rewriting shows ``Secret(sha256:1a2b3c4d5e6f)``
and never the value. Code that really needs the value (an hvac call, a database
connection) says so explicitly with :meth:`Secret.reveal`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

FINGERPRINT_HEX_CHARS = 12


def fingerprint(value: str | bytes) -> str:
    """A short, stable identifier for a value, safe to print.

    Truncated SHA-256: stable across runs so reports can be compared, and far too
    short to be useful against the random, high-entropy values the harness handles.
    """
    data = value.encode() if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:FINGERPRINT_HEX_CHARS]


class Secret:
    """A secret value whose text form is its fingerprint."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret holds a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The value itself: call only where it is handed to a server or a client."""
        return self._value

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.fingerprint})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> None:  # pragma: no cover - defensive
        raise TypeError("a Secret is not pickled: it would write the value out")


def leaks(text: str, secrets: Iterable[Secret]) -> list[str]:
    """Fingerprints of the secrets whose value appears in ``text``."""
    return [s.fingerprint for s in secrets if s.reveal() and s.reveal() in text]


def assert_no_leak(text: str, secrets: Iterable[Secret], where: str) -> None:
    """Fail naming fingerprints only. A plain ``assert value not in text`` would have
    pytest print the value (and the text holding it) in its failure report."""
    found = leaks(text, secrets)
    if found:
        raise AssertionError(f"secret value(s) {', '.join(found)} appear in {where}")

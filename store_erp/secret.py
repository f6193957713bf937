"""store-erp's own wrapper for secret values: its text form is a fingerprint, so a log
line, an exception or a traceback shows ``Secret(sha256:...)`` and never the value.
The app's own (it imports nothing of the harness that judges it)."""

from __future__ import annotations

import hashlib


def fingerprint(value: str | bytes) -> str:
    """A short, stable identifier for a value, safe to log (truncated SHA-256)."""
    data = value.encode() if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]


class Secret:
    """A secret value; :meth:`reveal` where it is handed to a server or a client."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret holds a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
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
        # Any secret wrapper with the same value (a caller's own type included).
        reveal = getattr(other, "reveal", None)
        return callable(reveal) and reveal() == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> None:  # pragma: no cover - defensive
        raise TypeError("a Secret is not pickled: it would write the value out")

"""What every bad-input suite (tests/test_bad_input_*.py) promises, in one place.

Each bad input gets a clear error of an expected type, or a finding; never another
exception, never a hang, never a secret value in the message. The suites generate
inputs with hypothesis, plant secret-looking values in them (:func:`secret_values`),
and check each call with :func:`outcome`.

Examples per test: ``$VAULT_GATE_HYPOTHESIS_EXAMPLES`` (default 60; tests against the
real servers use a fraction of it). The profile is registered here, not loaded
globally, so other test modules keep their own settings.
"""

from __future__ import annotations

import contextlib
import os
import signal
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from vault_gate.compliance.secret import Secret, leaks

T = TypeVar("T")
EXAMPLES = int(os.environ.get("VAULT_GATE_HYPOTHESIS_EXAMPLES", "60"))
# Per call: generous, a machine shared with servers is slow; a hang is minutes.
CALL_BOUND_S = 10

settings.register_profile(
    "bad-input",
    max_examples=EXAMPLES,
    deadline=None,  # the per-call bound below is a real one (a deadline only times returns)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "bad-input-servers",
    parent=settings.get_profile("bad-input"),
    max_examples=max(5, EXAMPLES // 4),
)
BAD_INPUT = settings.get_profile("bad-input")
BAD_INPUT_SERVERS = settings.get_profile("bad-input-servers")

_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"


def secret_values() -> st.SearchStrategy[Secret]:
    """Values like the ones the harness generates (token_urlsafe(32)) or a person pastes:
    long enough that finding one in a message cannot be a coincidence."""
    return st.builds(
        Secret,
        st.text(_SECRET_ALPHABET, min_size=24, max_size=48).map(lambda v: "S3cr3t" + v),
    )


class Hang(BaseException):
    """A call did not return within its bound (a BaseException: no `except Exception`
    in the code under test may turn it into an ordinary error)."""


@contextlib.contextmanager
def bounded(seconds: float = CALL_BOUND_S) -> Iterator[None]:
    """Fail a call that runs longer than ``seconds`` (SIGALRM: main thread, Python code).

    pytest-timeout arms the same timer for the whole test: it is put back afterwards,
    less the time spent here, and left alone if it would fire first anyway.
    """

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_delay and outer_delay <= seconds:
        yield
        return
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            left = max(outer_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def outcome(
    call: Callable[[], T],
    expected: type[BaseException] | tuple[type[BaseException], ...],
    secrets: Sequence[Secret] = (),
    *,
    bound_s: float = CALL_BOUND_S,
) -> Outcome:
    """Run ``call`` within ``bound_s``; it returns, or raises one of ``expected`` whose
    message is non-empty and holds none of ``secrets``. Anything else fails the test,
    naming the exception type (and fingerprints, never values)."""
    try:
        with bounded(bound_s):
            return Outcome(value=call())
    except Hang:
        raise AssertionError(f"no answer within {bound_s:g} s") from None
    except expected as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} with an empty message"
        found = leaks(message, secrets)
        assert not found, f"{type(exc).__name__} message holds secret value(s) {found}"
        return Outcome(error=exc)
    except Exception as exc:
        # Never show the exception's text: it is the thing that may hold a value.
        raise AssertionError(
            f"unexpected {type(exc).__name__} (expected {_names(expected)}); "
            f"leaks: {leaks(str(exc), secrets)}"
        ) from None


def _names(expected: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return ", ".join(t.__name__ for t in types)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value, including the awkward ones: huge ints, unicode, empties, nesting."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=2**63, max_value=2**80)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=30)
        | st.just("")
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )

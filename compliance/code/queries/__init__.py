"""One small query set per language: what an environment read, a long-lived holder, a
write to it, an invalidation and a memoiser look like in that language's syntax tree.

The queries are tree-sitter queries (S-expressions over the grammar's node types), so a
rule is read off the language's own syntax, not guessed from text: ``process.env.X``
inside a string or a comment is not a read, and ``const { X } = process.env`` is one.
What the captures mean is the same in every language; compliance/code/reader.py runs
them and holds the one judgement that uses them. Capture names:

``reads``       ``@name`` the variable's name (a string literal or an identifier);
                ``@env`` (when captured) the object read from, which must be the
                environment mapping (``env_mapping``) or an alias of it.
``aliases``     ``@alias`` a name bound to ``@env`` (``const env = process.env``).
``holders``     ``@holder`` a module-level or static variable, ``@init`` its initial value.
``writes``      ``@target`` a name written to (assigned, indexed, ``put``/``set``),
                ``@value`` what is written.
``clears``      ``@target`` a name emptied or one of its entries removed.
``memoised``    ``@memo`` a memoiser (decorator, wrapper call, annotation), ``@body``
                what it memoises (a function, or a name of one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rules:
    """A language's query set, and the few words of its syntax the judgement needs."""

    reads: str
    env_mapping: re.Pattern[str]  # fullmatch on an @env text with whitespace removed
    functions: frozenset[str]  # node types of a function, method or lambda
    calls: frozenset[str]  # node types of a call (their "arguments" field is the argument list)
    clock: re.Pattern[str]  # a clock read or a timer: a value kept with it can expire
    memoisers: re.Pattern[str]  # an @memo text that keeps a result for ever
    aliases: str = ""
    holders: str = ""
    writes: str = ""
    clears: str = ""
    memoised: str = ""
    identifiers: frozenset[str] = field(default_factory=lambda: frozenset({"identifier"}))
    names: tuple[str, ...] = ("name",)  # the field naming a function (to resolve @body names)

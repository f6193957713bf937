"""The languages the gate reads, how a file is recognised as one, and where its grammar is.

Each language's grammar is the tree-sitter project's own wheel (``tree-sitter-python``,
``tree-sitter-javascript``, ...): prebuilt, a few MB each, nothing fetched at run time.
A grammar that is not installed makes that language's files "not read" with the reason
(the package to install), never a pass and never a crash.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tree_sitter


@dataclass(frozen=True)
class Language:
    """A language the gate can read: its name in evidence, the file suffixes that are
    written in it, and the wheel and function that give its grammar."""

    name: str
    suffixes: tuple[str, ...]
    package: str  # the distribution that brings the grammar
    module: str
    function: str = "language"
    rules: str = ""  # the module of compliance.code.queries holding its query set


LANGUAGES: tuple[Language, ...] = (
    Language("Python", (".py", ".pyw"), "tree-sitter-python", "tree_sitter_python",
             rules="python"),
    Language("JavaScript", (".js", ".mjs", ".cjs", ".jsx"), "tree-sitter-javascript",
             "tree_sitter_javascript", rules="javascript"),
    Language("TypeScript", (".ts", ".mts", ".cts"), "tree-sitter-typescript",
             "tree_sitter_typescript", "language_typescript", rules="javascript"),
    Language("TSX", (".tsx",), "tree-sitter-typescript", "tree_sitter_typescript",
             "language_tsx", rules="javascript"),
    Language("Go", (".go",), "tree-sitter-go", "tree_sitter_go", rules="go"),
    Language("Java", (".java",), "tree-sitter-java", "tree_sitter_java", rules="java"),
    Language("Ruby", (".rb", ".rake"), "tree-sitter-ruby", "tree_sitter_ruby", rules="ruby"),
    Language("C#", (".cs",), "tree-sitter-c-sharp", "tree_sitter_c_sharp", rules="csharp"),
)  # fmt: skip
_BY_SUFFIX = {s: lang for lang in LANGUAGES for s in lang.suffixes}
# Interpreters named on a shebang line, for scripts without a suffix (bin/server).
_BY_INTERPRETER = {"python": "Python", "python3": "Python", "node": "JavaScript",
                   "ruby": "Ruby"}  # fmt: skip

# Files that are code or script but in no language the gate parses: named "not read"
# in the evidence (their text is still searched where a check only needs words, as
# docs_complete does).
SCRIPT_SUFFIXES = (
    ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".rs", ".kt", ".kts", ".scala",
    ".php", ".pl", ".pm", ".lua", ".ex", ".exs", ".erl", ".swift", ".c", ".cc", ".cpp", ".h",
    ".hpp", ".fs", ".clj", ".groovy", ".r", ".jl", ".dart", ".vb",
)  # fmt: skip


class GrammarMissing(RuntimeError):
    """The language's grammar wheel is not installed; the message names the package."""


def language_of(path: Path, head: bytes = b"") -> Language | None:
    """The language ``path`` is written in, by its suffix, else by its shebang line
    (``head``: the file's first bytes); None for a language the gate does not read."""
    lang = _BY_SUFFIX.get(path.suffix.lower())
    if lang is not None or not head.startswith(b"#!"):
        return lang
    words = head.split(b"\n", 1)[0][2:].decode("ascii", "replace").split()
    if not words:
        return None
    program = words[1] if Path(words[0]).name == "env" and len(words) > 1 else words[0]
    name = _BY_INTERPRETER.get(Path(program).name.rstrip("0123456789.") or program)
    name = name or _BY_INTERPRETER.get(Path(program).name)
    return next((lang for lang in LANGUAGES if lang.name == name), None)


def is_script(path: Path, head: bytes = b"") -> bool:
    """Code or script of any language (read or not): what a guide may point an operator to."""
    return (
        language_of(path, head) is not None
        or path.suffix.lower() in SCRIPT_SUFFIXES
        or head.startswith(b"#!")
    )


@cache
def grammar(lang: Language) -> tree_sitter.Language:
    """The tree-sitter grammar of ``lang``, loaded once."""
    try:
        import tree_sitter
    except ImportError:
        raise GrammarMissing("tree-sitter is not installed (pip install tree-sitter)") from None
    try:
        module = importlib.import_module(lang.module)
    except ImportError:
        raise GrammarMissing(
            f"the {lang.name} grammar is not installed (pip install {lang.package})"
        ) from None
    return tree_sitter.Language(getattr(module, lang.function)())


_LOCAL = threading.local()


def parser(lang: Language) -> tree_sitter.Parser:
    """A parser of ``lang`` for this thread (a parser is not safe to share between threads;
    the sign-off's experiments run beside each other)."""
    import tree_sitter

    parsers: dict[str, tree_sitter.Parser] = _LOCAL.__dict__.setdefault("parsers", {})
    if lang.name not in parsers:
        parsers[lang.name] = tree_sitter.Parser(grammar(lang))
    return parsers[lang.name]

"""Reading an application's code, in any language the gate has a grammar for.

Every check that reads code (secrets_migrated, rotation_works' static half,
docs_complete) goes through :func:`read_code`: one parser interface (tree-sitter), one
query set per language (compliance/code/queries/), one judgement (reader.py). Why
tree-sitter rather than semgrep or regular expressions: docs/code-reading.md.
"""

from __future__ import annotations

from vault_gate.compliance.code.files import code_files
from vault_gate.compliance.code.languages import LANGUAGES, Language, language_of
from vault_gate.compliance.code.names import secret_kind
from vault_gate.compliance.code.reader import (
    NOT_PARSED,
    NOT_READ,
    READ,
    EnvRead,
    KeptSecret,
    Reading,
    read_code,
    read_source,
)

__all__ = [
    "LANGUAGES", "NOT_PARSED", "NOT_READ", "READ", "EnvRead", "KeptSecret", "Language", "Reading",
    "code_files", "language_of", "read_code", "read_source", "secret_kind",
]  # fmt: skip

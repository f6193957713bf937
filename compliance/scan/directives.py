"""Secrets in configuration directives that are not ``name = value`` assignments.

Redis reads ``requirepass <password>`` and ``masterauth <password>`` (redis.conf),
``sentinel auth-pass <master> <password>`` (sentinel.conf) and ACL users ``user <name>
on >password``; libpq reads ``host:port:database:user:password`` lines from a
``.pgpass`` file. None of these has an ``=`` or a ``:`` after the secret's name, so the
assignment rule (:mod:`vault_gate.compliance.scan.rules`) never sees them. A directive's value is a
password whatever it looks like (four characters or more, not a reference); in a
commented-out line (``# requirepass foobared``, the shipped redis.conf's own example)
and in documentation only a random-looking one counts. A ``.pgpass``-shaped line in a
file not named for it (a README's example, a provisioning script) must hold a
password-like value: eight characters, two character classes, not a placeholder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from detect_secrets.util.code_snippet import CodeSnippet

from vault_gate.compliance.scan.arguments import KEYWORD, _classes, _password, _reference
from vault_gate.compliance.scan.detectors import (
    DsnPasswordDetector,
    _KindsDetector,
    _looks_random,
    _suffix,
)

KIND_DSN = DsnPasswordDetector.secret_type

_COMMENT = re.compile(r"^\s*[#;]+\s*")
_REDIS = re.compile(
    r"""^\s*(?:[#;]+\s*)?(?:requirepass|masterauth|sentinel[ \t]+auth-pass[ \t]+\S+)"""
    r"""[ \t]+(?P<q>["']?)(?P<value>[^\s"']+)(?P=q)\s*$"""
)
_REDIS_ACL = re.compile(r"""^\s*user[ \t]+\S+[ \t][^\n]*?(?<=\s)>(?P<value>\S+)""")
# host:port:database:username:password (a field may be "*"; "\:" escapes a colon)
_PGPASS = re.compile(
    r"""^\s*(?P<host>[A-Za-z0-9._*\[\]-]+):(?P<port>\d{1,5}|\*):(?:[^:\s\\]|\\.)+:"""
    r"""(?:[^:\s\\]|\\.)+:(?P<value>(?:[^:\s\\]|\\.)+)\s*$"""
)
_PGPASS_FILE = re.compile(r"(?i)^\.?pgpass(?:\.conf)?$")
MIN_PGPASS_CHARS = 8


class ConfigDirectiveDetector(_KindsDetector):
    """Redis's and Sentinel's password directives, Redis ACL passwords, ``.pgpass`` lines."""

    secret_type = KEYWORD
    denylist = (_REDIS, _REDIS_ACL, _PGPASS)
    anchors = (
        re.compile(r"(?i)requirepass|masterauth|auth-pass"),
        re.compile(r"^[ \t]*user[ \t][^\n]*[ \t]>"),
        re.compile(r"^[ \t]*[A-Za-z0-9._*\[\]-]+:(?:[0-9]{1,5}|\*):[^:\s]+:[^:\s]+:[^\s]"),
    )

    def find_kinds(
        self, line: str, filename: str, context: CodeSnippet | None
    ) -> Iterator[tuple[str, str]]:
        doc = _suffix(filename) in {".md", ".markdown", ".rst", ".txt", ".adoc", ".html"}
        commented = bool(_COMMENT.match(line)) and not line.lstrip().startswith(("#!",))
        for regex in (_REDIS, _REDIS_ACL):
            match = regex.match(line)
            if match is None:
                continue
            value = match.group("value")
            if commented or doc:
                if _looks_random(value) and not _reference(value):
                    yield KEYWORD, value
            elif _password(value, doc=False):
                yield KEYWORD, value
        match = _PGPASS.match(line)
        if match is not None:
            value = match.group("value")
            if value == "*" or _reference(value):
                return
            if _PGPASS_FILE.match(os.path.basename(filename)):
                if _password(value, doc=False):
                    yield KIND_DSN, value
            elif len(value) >= MIN_PGPASS_CHARS and _classes(value) > 1:
                yield KIND_DSN, value

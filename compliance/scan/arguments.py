"""Secrets given as arguments: on a command line, to a call, in an HTTP header.

A secret is often not assigned to a name at all but passed where a program takes one:
``redis-server --requirepass …`` (also as a compose ``command:`` list, inline or one item
per line), ``mysql -p'…'``, ``redis-cli -a …``, ``aws configure set
aws_secret_access_key …``, ``bao login …``, ``hvac.Client(token='…')``,
``jwt.encode(payload, '…')``, ``{"X-API-Key": "…"}``, ``curl -H 'Authorization: Token …'``.
The position says what the value is; these rules read the position, then ask of the
value what the assignment rule asks (:mod:`vault_gate.compliance.scan.rules`): a literal, not a
reference, template or placeholder, and for kinds whose values are generated (API keys,
tokens in headers) a random-looking one. A password flag takes any literal of four
characters or more: a weak password passed on a command line is the worse finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from detect_secrets.util.code_snippet import CodeSnippet

from vault_gate.compliance.scan.detectors import (
    _CODE_SUFFIXES,
    _DOC_SUFFIXES,
    VaultTokenAssignmentDetector,
    _KindsDetector,
    _looks_random,
    _suffix,
    is_placeholder,
    shannon_entropy,
)

KEYWORD = "Secret Keyword"  # detect-secrets' label  # pragma: allowlist secret
KIND_TOKEN = VaultTokenAssignmentDetector.secret_type
KIND_JWT = "JWT signing key"
KIND_CLOUD = "AWS Access Key"

_VALUE = r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"'`;|&)]+))"""


def _value(match: re.Match[str]) -> tuple[str, bool]:
    """The value a :data:`_VALUE` matched, and whether it was quoted."""
    bare = match.group("bare")
    if bare is not None:
        return bare.rstrip(".,:;"), False  # "vault auth enable, ...": prose punctuation
    return (match.group("dq") if match.group("dq") is not None else match.group("sq")), True


# --- command lines ------------------------------------------------------------------

# Flags whose argument is a password (any literal counts) ...
_PASSWORD_FLAG = re.compile(
    r"""(?i)(?<![A-Za-z0-9_-])--?(?:requirepass|masterauth|(?:db-|admin-|root-)?password|"""
    r"""passwd|pass)["']?(?:[ \t]*,[ \t]*|[ \t]+|=)""" + _VALUE
)
# ... and flags whose argument is a generated credential (random-looking values only).
_TOKEN_FLAG = re.compile(
    r"""(?i)(?<![A-Za-z0-9_-])--(?:token|api-key|apikey|secret|access-token|auth-token)"""
    r"""["']?(?:[ \t]*,[ \t]*|[ \t]+|=)""" + _VALUE
)
# mysql -p'secret' (no space: -p alone prompts), redis-cli -a secret, sshpass -p secret
_MYSQL_P = re.compile(
    r"""(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n]*?[ \t]-p""" + _VALUE
)
_SHORT_FLAG = re.compile(r"""\b(?:redis-cli\b[^\n]*?[ \t]-a|sshpass[ \t]+-p)[ \t]+""" + _VALUE)
# A compose/Kubernetes list with one item per line: the flag's item, then the value's.
_LIST_FLAG = re.compile(r"""(?i)^\s*-\s*["']?--(?:requirepass|masterauth|password)["']?\s*$""")
_LIST_ITEM = re.compile(r"""^\s*-\s*""" + _VALUE + r"""\s*$""")
_AWS_CONFIGURE = re.compile(
    r"""\baws\s+configure\s+set\s+(?:[\w.-]+\.)?"""
    r"""(?:aws_secret_access_key|aws_session_token)[ \t]+""" + _VALUE
)
# vault/bao login with a token as its argument (``token=`` or bare), after any flags.
# The command as typed (lower case: "Vault login failed" is a message, not a command).
_LOGIN = re.compile(
    r"""\b(?:vault|bao)[ \t]+(?:login|auth)\b(?P<args>(?:[ \t]+-[\w-]+(?:=\S+)?)*)"""
    r"""[ \t]+(?:token=)?""" + _VALUE
)

# --- calls ----------------------------------------------------------------------------

# jwt.encode(payload, 'key', ...), jwt.decode(token, key='key'), jwt.sign(p, 'key'),
# JWT.encode(payload, 'key', 'HS256') (Ruby): the key argument as a literal.
_JWT_CALL = re.compile(
    r"""(?i)\bjwt\.(?:encode|decode|sign|verify)\s*\((?:[^,()]|\([^()]*\))+,\s*"""
    r"""(?:key\s*=\s*)?(?P<q>b?["'])(?P<value>[^"'\n]+)["']"""
)
# token='...' given to a Vault client (hvac.Client(...), a client's token attribute):
# the call may span lines, so the Vault context is looked for on the lines before.
_TOKEN_KWARG = re.compile(r"""(?<![A-Za-z0-9_])token\s*=\s*(?P<q>["'])(?P<value>[^"'\n]*)["']""")
_VAULT_CLIENT = re.compile(r"(?i)hvac\.|vault|openbao|\bbao\b|:8200\b")
_CALL_CONTEXT_LINES = 6

# --- HTTP headers ---------------------------------------------------------------------

_HEADER_NAMES = (
    r"x-api-key|api-key|apikey|x-apikey|x-auth-token|x-access-token|private-token|"
    r"x-gitlab-token|x-api-token|x-auth-key|authorization|proxy-authorization"
)
_SCHEME = r"(?:(?:token|bearer|basic|apikey|api-key|key|sso-key)[ \t]+(?:token=)?)?"
# "X-API-Key: value" (curl -H, raw HTTP, a log), the value up to the quote or line end.
_HEADER_COLON = re.compile(
    r"""(?i)(?<![\w-])(?P<name>"""
    + _HEADER_NAMES
    + r""")[ \t]*:[ \t]*"""
    + _SCHEME
    + r"""(?P<value>[^\s"'`,;}]+)"""
)
# {"X-API-Key": "value"}, .Set("X-API-Key", "value"), headers["X-API-Key"] = "value"
_HEADER_PAIR = re.compile(
    r"""(?i)["'](?P<name>"""
    + _HEADER_NAMES
    + r""")["']\]?\s*(?:[:,]|=(?!=))\s*[fb]?["']"""
    + _SCHEME
    + r"""(?P<value>[^"'\n]+)["']"""
)

# Another header's name, a word list (["Cookie", "Authorization", "Proxy-Authorization"]):
# words and dashes; a generated key has a digit (32 base62 characters lack one 0.4 % of
# the time).
_HEADER_WORDS = re.compile(r"^[A-Za-z]+(?:[-_ ][A-Za-z]+)*$")

MIN_PASSWORD_CHARS = 4
MIN_ONE_CLASS_CHARS = 6  # "123456" is a password; "abc" next to -p may be a flag bundle
MIN_KEY_CHARS, MIN_KEY_ENTROPY = 8, 2.5
MIN_TOKEN_CHARS = 3  # a token handed to a Vault client: "root" is a dev server's token


def _classes(value: str) -> int:
    return sum(
        any(test(c) for c in value)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )


def _reference(value: str) -> bool:
    return (
        value.startswith(("$", "%", "@", "<", "{", "`"))
        or "${" in value
        or "{{" in value
        or "$(" in value
        or is_placeholder(value)
    )


def _argument(match: re.Match[str], code: bool) -> str | None:
    """The flag's literal argument: quoted in code (a bare word there is a name), never
    another flag or a ``key=value`` (``"--password", help="..."``)."""
    value, quoted = _value(match)
    if code and not quoted:
        return None
    if value.startswith("-") or (not quoted and "=" in value):
        return None
    return value


def _password(value: str | None, doc: bool) -> bool:
    """A literal given to a password flag: four characters or more (six for a single
    character class); in documentation only random-looking ones."""
    if value is None or _reference(value) or len(value) < MIN_PASSWORD_CHARS:
        return False
    if doc:
        return _looks_random(value)
    return _classes(value) > 1 or len(value) >= MIN_ONE_CLASS_CHARS


def _generated(value: str) -> bool:
    """A credential a system issued: long, mixed and varied."""
    return not _reference(value) and _looks_random(value, min_chars=16, min_entropy=3.0)


class ArgumentSecretDetector(_KindsDetector):
    """Secrets in an argument's place: command-line flags, ``aws configure set``,
    ``vault``/``bao login``, a JWT library's key argument, a Vault client's ``token=``,
    HTTP headers (``X-API-Key``, ``Authorization: Token …``)."""

    secret_type = KEYWORD
    denylist = (
        _PASSWORD_FLAG,
        _TOKEN_FLAG,
        _MYSQL_P,
        _SHORT_FLAG,
        _AWS_CONFIGURE,
        _LOGIN,
        _JWT_CALL,
        _TOKEN_KWARG,
        _HEADER_COLON,
        _HEADER_PAIR,
    )
    anchors = (
        re.compile(r"(?i)--?(?:requirepass|masterauth|password|passwd|pass)\b"),
        re.compile(r"(?i)--(?:token|api-key|apikey|secret|access-token|auth-token)\b"),
        re.compile(r"(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb)\b|redis-cli|sshpass"),
        re.compile(r"aws[ \t]+configure[ \t]+set"),
        re.compile(r"(?i)\b(?:vault|bao)[ \t]+(?:login|auth)\b"),
        re.compile(r"(?i)\bjwt\.(?:encode|decode|sign|verify)"),
        re.compile(r"(?<![A-Za-z0-9_])token[ \t]*=[ \t]*[\"']"),
        re.compile(r"(?i)(?:" + _HEADER_NAMES + r")[\"']?\]?[ \t]*[:,=]"),
        # a list item right after a password flag's own item (the match ends on it)
        re.compile(
            r"""(?i)--(?:requirepass|masterauth|password)["']?[ \t]*\r?\n"""
            r"""[ \t]*-[ \t]*["']?[^\s"']"""
        ),
    )

    def find_kinds(
        self, line: str, filename: str, context: CodeSnippet | None
    ) -> Iterator[tuple[str, str]]:
        suffix = _suffix(filename)
        doc, code = suffix in _DOC_SUFFIXES, suffix in _CODE_SUFFIXES
        for regex in (_PASSWORD_FLAG, _MYSQL_P, _SHORT_FLAG):
            for match in regex.finditer(line):
                value = _argument(match, code)
                if _password(value, doc):
                    yield KEYWORD, value  # type: ignore[misc]
        item = _LIST_ITEM.match(line)
        if (
            item is not None
            and context is not None
            and context.target_index
            and _LIST_FLAG.match(context.lines[context.target_index - 1])
        ):
            value, _ = _value(item)
            if _password(value, doc):
                yield KEYWORD, value
        for match in _TOKEN_FLAG.finditer(line):
            value = _argument(match, code)
            if value is not None and _generated(value):
                yield KEYWORD, value
        for match in _AWS_CONFIGURE.finditer(line):
            value, _ = _value(match)
            if _generated(value) and "EXAMPLE" not in value:
                yield KIND_CLOUD, value
        for match in _LOGIN.finditer(line):
            value, _ = _value(match)
            if "=" in value or value == "-" or _reference(value):
                continue  # -method=userpass username=x: not a token; "-": from stdin
            # A word is a subcommand or prose (vault auth enable, "login failed"); a
            # token has a digit, a dot or a dash (dev-root-token, s.…) or is generated.
            if _generated(value) or (
                not doc and len(value) >= MIN_TOKEN_CHARS and not value.isalpha()
            ):
                yield KIND_TOKEN, value
        for match in _JWT_CALL.finditer(line):
            value = match.group("value")
            if not _reference(value) and self._key(value, doc):
                yield KIND_JWT, value
        yield from self._client_token(line, doc, context)
        for regex in (_HEADER_COLON, _HEADER_PAIR):
            for match in regex.finditer(line):
                if match.group("name").lower() == "x-vault-token":
                    continue  # the token assignment rule's
                value = match.group("value")
                if _generated(value) and not _HEADER_WORDS.match(value):
                    yield KEYWORD, value

    @staticmethod
    def _key(value: str, doc: bool) -> bool:
        if doc:
            return _looks_random(value)
        return (
            len(value) >= MIN_KEY_CHARS
            and _classes(value) > 1
            and shannon_entropy(value) >= MIN_KEY_ENTROPY
        )

    @staticmethod
    def _client_token(
        line: str, doc: bool, context: CodeSnippet | None
    ) -> Iterator[tuple[str, str]]:
        for match in _TOKEN_KWARG.finditer(line):
            value = match.group("value")
            if len(value) < MIN_TOKEN_CHARS or _reference(value) or " " in value:
                continue
            before = []
            if context is not None:
                start = max(0, context.target_index - _CALL_CONTEXT_LINES)
                before = context.lines[start : context.target_index]
            if not any(_VAULT_CLIENT.search(text) for text in (line, *before)):
                continue
            if doc and not _looks_random(value):
                continue
            yield KIND_TOKEN, value

"""detect-secrets plugins for what a move to Vault/OpenBao leaves behind.

detect-secrets' own plugins know cloud keys and high-entropy strings, but not the
credentials this migration is about: Vault/OpenBao tokens (``hvs.``/``hvb.``/``hvr.``
and the legacy ``s.``/``b.``/``r.`` that OpenBao still issues), a token value pasted
into ``VAULT_TOKEN`` or a dev server's ``VAULT_DEV_ROOT_TOKEN_ID``, unseal and
recovery keys, AppRole ``secret_id`` UUIDs (which its ``is_potential_uuid`` filter
would throw away), and database/broker URLs with a password in them (its
``BasicAuthDetector`` misses ``redis://:password@host``).

This file is loaded two ways: imported as ``vault_gate.compliance.scan.detectors`` by the harness,
and executed by detect-secrets from :data:`PLUGIN_FILE` (``plugins_used`` entries with
``"path": "file://..."``). It therefore imports only the standard library and
detect_secrets, never the rest of ``compliance``. Nothing here logs or raises with a
matched value: findings carry values only inside detect-secrets' ``PotentialSecret``,
and the harness turns those into fingerprints.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import vault_gate.compliance.scan.dsimport  # noqa: F401 - before detect_secrets

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.filters.heuristic import is_indirect_reference, is_potential_uuid
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.settings import Settings, transient_settings
from detect_secrets.util.code_snippet import CodeSnippet

PLUGIN_FILE = Path(__file__).resolve()
"""The file detect-secrets loads our plugins and filters from."""

# detect-secrets' CLI defaults for its entropy plugins, stated so a baseline shows them.
BASE64_ENTROPY_LIMIT = 4.5
HEX_ENTROPY_LIMIT = 3.0
ENTROPY_PLUGINS = ("Base64HighEntropyString", "HexHighEntropyString")

# --- what is not a value -------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"""
      ^\$                      # $DB_PASSWORD, ${DB_PASSWORD}, $(vault print token)
    | \$\{ | \{\{ | %\(        # ${X}, {{ x }} or %(x)s anywhere in the value
    | ^<[^<>]*>$               # <password>
    | ^\{[^{}]*\}$             # {password} (str.format)
    | ^%[sdr]$ | ^%\w+%$       # %s, %PASSWORD% (Windows)
    | ^@\w+@$                  # @PASSWORD@ (build-time filtering)
    | ^[*xX.•_-]+$             # ***, xxxx, ...
    """,
    re.VERBOSE,
)
_NOT_A_VALUE = frozenset({"null", "none", "nil", "true", "false", "undefined", "~", "''", '""'})
# Words that mark a value as an example or a stand-in, wherever they are in it
# (``changeme``, ``your-api-key``, ``some-root-token``, ``AKIA...EXAMPLE``).
_STAND_IN = re.compile(
    r"(?i)^change[_-]?me\d*$|example|placeholder|dummy|redacted|replace[_-]?me|fixme|"
    r"x{8,}|^(?:some|your|my)[_-]|[_-](?:here|goes[_-]here)$|^x{4,}|\.\.\.$|…|"
    r"^(?:insert|paste|put|enter|add)[A-Za-z_-]*$"
)
_REPEATED_RUN = re.compile(r"(.)\1{3,}")  # AAAAbbbb-cccc-dddd: a drawn-up example
_MAX_REPEATED_RUNS = 2
# The name of the field standing in for its value: postgresql://USER:PASSWORD@HOST/DB,
# "your-token", "db_password". Not "changeme-db-password", not "root": those are values.
_FIELD_NAME = re.compile(
    r"(?i)^(?:(?:my|your|the|some|user|db|database)[_-]?)?"
    r"(?:password|passwd|pass|pwd|pw|secret|token|value|key)(?:[_-]?here)?$"
)


def is_placeholder(value: str) -> bool:
    """Whether ``value`` stands for a secret instead of being one.

    Templates, masks and field names (``${DB_PASSWORD}``, ``$DB_PASSWORD``, ``<password>``,
    ``{{ password }}``, ``%(password)s``, ``***``) are how a config file that has been
    migrated refers to a secret; flagging them would make a clean repository fail.
    """
    return (
        not value
        or bool(_PLACEHOLDER.search(value) or _FIELD_NAME.match(value))
        or value.lower() in _NOT_A_VALUE
        or bool(_STAND_IN.search(value))
        or len(_REPEATED_RUN.findall(value)) >= _MAX_REPEATED_RUNS
    )


_MASK_RUN = re.compile(r"[xX*]{8,}|(.)\1{7,}")


def is_mask(value: str) -> bool:
    """A value whose body is a mask (``ACxxxxxxxxxxxxxxxx``, ``sk_live_********``, eight
    of one character in a row): how documentation writes a credential's shape, for any
    kind of secret (generated values repeat a character eight times once in ~10^12)."""
    return bool(_MASK_RUN.search(value))


def _looks_random(value: str, min_chars: int = 16, min_entropy: float = 3.5) -> bool:
    """Long, mixed and varied enough to be generated rather than chosen."""
    return (
        len(value) >= min_chars
        and shannon_entropy(value) >= min_entropy
        and sum(any(t(c) for c in value) for t in (str.islower, str.isupper, str.isdigit)) >= 2
    )


def shannon_entropy(value: str) -> float:
    """Bits per character: random keys score high, words and paths score low."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


# File kinds decide how strict an assignment must look: in code an unquoted right-hand
# side is an expression (``os.getenv(...)``), in prose ``VAULT_TOKEN: the token`` is a
# sentence, while in .env, YAML, TOML, shell and Dockerfiles a bare value is a value.
_CODE_SUFFIXES = frozenset(
    {".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt"}
    | {".kts", ".rb", ".php", ".cs", ".rs", ".scala", ".swift", ".c", ".h", ".cc", ".cpp"}
    | {".hpp", ".groovy", ".lua", ".pl"}
)
_DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".htm"})


def _suffix(filename: str) -> str:
    return os.path.splitext(filename)[1].lower()


# --- shared plumbing -----------------------------------------------------------------


class _Detector(RegexBasedDetector):
    """A regex detector whose matches are vetted with the file name and context.

    Subclassing RegexBasedDetector (not BasePlugin) matters: detect-secrets' filter
    ``is_likely_id_string`` drops anything after ``_id:`` found by non-regex plugins,
    which would drop ``secret_id: <uuid>`` and ``VAULT_DEV_ROOT_TOKEN_ID: ...``.
    """

    denylist: ClassVar[tuple[re.Pattern[str], ...]] = ()
    # What our engine's prefilter looks for (compliance.scan.engine): patterns at least one
    # of which matches on every line ``find`` can report on, with fixed-length tails
    # (a prefilter reports every end of a match: ``X{24,}`` would report dozens).
    # Empty: the denylist.
    anchors: ClassVar[tuple[re.Pattern[str], ...]] = ()

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        """The secret values on ``line``; ``context`` is the surrounding lines, if known."""
        raise NotImplementedError

    def analyze_string(self, string: str) -> Iterator[str]:
        """detect-secrets' ad-hoc entry point (``scan_line``): no file name, no context."""
        yield from self.find(string, "", None)

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: CodeSnippet | None = None,
        **kwargs: Any,
    ) -> set[PotentialSecret]:
        return {
            PotentialSecret(
                type=self.secret_type,
                filename=filename,
                secret=value,
                line_number=line_number,
            )
            for value in self.find(line, filename, context)
        }


class _KindsDetector(_Detector):
    """A rule that reports more than one kind (the engine asks :meth:`find_kinds`);
    :meth:`find`, detect-secrets' entry point, gives the values alone."""

    def find_kinds(
        self, line: str, filename: str, context: CodeSnippet | None
    ) -> Iterator[tuple[str, str]]:
        """(kind, value) for each secret on ``line``."""
        raise NotImplementedError

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        for _kind, value in self.find_kinds(line, filename, context):
            yield value


# --- Vault/OpenBao tokens ------------------------------------------------------------

_UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_RE_FULL = _UUID_RE

# A token is not preceded by a word character, a dot or a slash: ``os.environ``,
# ``this.s.something`` and the middle of a base64 blob are not tokens.
_BEFORE = r"(?<![A-Za-z0-9_./+-])"
_AFTER = r"(?![A-Za-z0-9_-])"

# A UUID after a name ending in "token" (Vault before 0.9 issued UUID tokens).
_UUID_NAMED = re.compile(
    r"(?i)(?P<name>(?<![a-z0-9_-])[a-z0-9_-]*token|root token|x-vault-token)[\"']?[ \t]*[:=]"
    r"[ \t]*[\"']?(?P<value>" + _UUID_RE + r")(?![0-9a-f-])"
)
_UUID_FIND = re.compile(r"(?<![0-9a-fA-F-])" + _UUID_RE + r"(?![0-9a-fA-F-])")
_UUID_LOGIN = re.compile(
    r"(?i)(?:^\s*token\s{2,}|(?:vault|bao) (?:auth|login)\s+)(" + _UUID_RE + r")(?![0-9a-f-])"
)
_VAULT_NAME = re.compile(r"(?i)vault|(?:^|[_-])bao[_-]|^bao|root[ _-]?token")
_VAULT_TOKEN_FIELDS = frozenset({"token", "client_token", "root_token", "wrapping_token"})
_VAULT_CONTEXT = re.compile(r"(?i)vault|openbao|\bbao\b|hvac|:8200\b")
# Cloud APIs' tokens that are ids, cursors or nonces, not credentials.
_PAGINATION_NAME = re.compile(
    r"(?i)(?:next|change|client|continuation|pagination|page|idempotency|sync|task|"
    r"csrf|xsrf|request|upload|cursor|resume|marker)[_-]?token$"
)
# A legacy service token (``s.``) whose body is shorter than the 24 characters Vault and
# OpenBao generate: ``vault token create -id=`` takes any id (the server prefixes
# ``s.``), so only where a token is expected: a login, ``-id=``, a token's name.
_LEGACY_IN_CONTEXT = re.compile(
    r"(?i)(?:(?:vault|bao)\s+(?:login|auth)\b[^\n]*?[\s=]|-id[= ]|root token:\s*|"
    r"token[\"']?\s*[:=]\s*[\"']?)"
    r"(?-i:(s\.[A-Za-z0-9]{16,23}))(?![A-Za-z0-9_.-])"
)


class VaultTokenDetector(_Detector):
    """Vault and OpenBao tokens, recognised by their prefixes.

    Vault 1.10+ issues ``hvs.`` (service), ``hvb.`` (batch) and ``hvr.`` (recovery)
    tokens; older Vault and OpenBao (whose sdk/helper/consts/token_consts.go keeps
    ``s.``/``b.``/``r.``) issue service and recovery tokens as the prefix plus 24
    base62 characters, optionally ``.``-suffixed with a namespace id, and batch tokens
    as ``b.`` plus a long base64url body (162 characters from OpenBao 2.7).
    """

    secret_type = "Vault/OpenBao token"  # noqa: S105 - a label  # pragma: allowlist secret
    denylist = (
        re.compile(_BEFORE + r"(hv[sbr]\.[A-Za-z0-9_-]{24,})" + _AFTER),
        re.compile(_BEFORE + r"([sr]\.[A-Za-z0-9]{24}(?:\.[A-Za-z0-9]{5})?)" + _AFTER),
        re.compile(_BEFORE + r"(b\.[A-Za-z0-9_-]{80,})" + _AFTER),
        # Vault before 0.9 issued UUIDs: a token only where a Vault token is named.
        _UUID_NAMED,
        _UUID_LOGIN,
        _LEGACY_IN_CONTEXT,
    )
    # What each prefix pattern needs on the line before it is worth running (an audit
    # log's lines are long, and every one names a token); the UUID forms need a UUID.
    _LITERALS: ClassVar[dict[re.Pattern[str], tuple[str, ...]]] = {
        denylist[0]: ("hvs.", "hvb.", "hvr."),
        denylist[1]: ("s.", "r."),
        denylist[2]: ("b.",),
        _LEGACY_IN_CONTEXT: ("s.",),
    }
    anchors = (
        re.compile(r"hv[sbr]\.[A-Za-z0-9_-]{24}"),
        re.compile(r"[sr]\.[A-Za-z0-9]{24}"),
        re.compile(r"b\.[A-Za-z0-9_-]{80}"),
        re.compile(
            r"(?i)(?:token|vault auth|vault login|bao login)[^\n]{0,40}[0-9a-f]{8}-[0-9a-f]{4}-"
        ),
        re.compile(r"(?i)(?:login|auth|-id|token)[^\n]{0,80}[sr]\.[A-Za-z0-9]{16}"),
    )
    MIN_DISTINCT_CHARS = 8
    IDENTIFIER_MAX_UPPER = 0.3
    _UUID_SHAPE = re.compile(_UUID_RE_FULL)

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        has_uuid = _UUID_FIND.search(line) is not None
        for regex in self.denylist:
            if regex is _UUID_NAMED or regex is _UUID_LOGIN:
                if not has_uuid:
                    continue
                if regex is _UUID_NAMED:
                    yield from self._named_uuids(line)
                    continue
                low = line.lower()  # _UUID_LOGIN: "vault/bao auth|login", or "token  <uuid>"
                if not ("vault " in low or "bao " in low or low.lstrip().startswith("token")):
                    continue
            elif not any(literal in line for literal in self._LITERALS[regex]):
                continue
            for token in regex.findall(line):
                if self._UUID_SHAPE.fullmatch(token):
                    if len(set(token.replace("-", ""))) >= self.MIN_DISTINCT_CHARS:
                        yield token
                elif self._looks_random(token):
                    yield token

    def _named_uuids(self, line: str) -> Iterator[str]:
        """A UUID under a token's name is a Vault token only with Vault context: a
        Vault name (``VAULT_TOKEN``, ``vault_token``, ``X-Vault-Token``, ``Root Token``),
        one of Vault's own snake_case fields (``token``, ``client_token``), or a line
        that speaks of Vault. ``ChangeToken``, ``ClientToken``, ``NextToken`` (cloud
        APIs' idempotency and pagination tokens) are not credentials."""
        for found in _UUID_FIND.finditer(line):
            # the name before the UUID, looked for in the few characters before it only
            match = _UUID_NAMED.search(line, max(0, found.start() - 80), found.end())
            if match is None or match.end("value") != found.end():
                continue
            name, token = match.group("name"), match.group("value")
            if len(set(token.replace("-", ""))) < self.MIN_DISTINCT_CHARS:
                continue
            if _PAGINATION_NAME.search(name):
                continue
            if (
                _VAULT_NAME.search(name)
                or name in _VAULT_TOKEN_FIELDS
                or _VAULT_CONTEXT.search(line)
            ):
                yield token

    def _looks_random(self, token: str) -> bool:
        """Keep issued tokens, drop documentation like ``hvs.XXXXXXXXXXXXXXXXXXXXXXXX``.

        A legacy-prefix body must mix upper and lower case, so ``s.`` followed by a
        24-letter identifier in code is not taken for a token (a random base62 body
        lacks either case with probability ~1e-6).
        """
        prefix, _, body = token.partition(".")
        if len(set(body)) < self.MIN_DISTINCT_CHARS:
            return False
        if prefix in ("s", "r"):
            body = body.partition(".")[0]
            upper = sum(c.isupper() for c in body)
            if not upper or not any(c.islower() for c in body):
                return False
            # A member chain in minified code (s.getElementsByTagNamexYz,
            # r.IndexedSourceMapConsumer): no digit, few capitals. Random base62 has
            # ~40 % capitals and a digit in 98 % of 24-character bodies.
            identifier = not any(c.isdigit() for c in body)
            return not (identifier and upper < self.IDENTIFIER_MAX_UPPER * len(body))
        return True


_TOKEN_VARS = r"(?:VAULT_TOKEN|VAULT_DEV_ROOT_TOKEN_ID|BAO_TOKEN|BAO_DEV_ROOT_TOKEN_ID)"  # noqa: S105
_NAME = rf"(?<![A-Za-z0-9_])(?P<name>{_TOKEN_VARS})(?![A-Za-z0-9_])"
_VALUE = r"""(?P<value>"[^"]*"|'[^']*'|`[^`]*`|[^\s"'`,;<>)\]}]+)"""


class VaultTokenAssignmentDetector(_Detector):
    """A literal value given to ``VAULT_TOKEN``/``BAO_TOKEN`` or a dev server's root token id.

    Whatever the value looks like (``dev-root-token``, ``root``), a token committed
    next to these names is a credential. Forms: ``NAME=value``, ``NAME: value``,
    ``"NAME": "value"``, ``ENV NAME value``, ``<NAME>value</NAME>``,
    ``name="NAME" value="..."``, ``os.getenv("NAME", "default")``,
    ``${NAME:-default}``, ``-dev-root-token-id=value`` and ``X-Vault-Token: value``.
    References (``$VAULT_TOKEN``, ``os.getenv("VAULT_TOKEN")``) are not values.
    """

    secret_type = "Vault/OpenBao token assignment"  # noqa: S105 - a label  # pragma: allowlist secret
    _assignment = re.compile(
        r"(?<![{$])"
        + _NAME
        + r"""["'\]]{0,2}[ \t]*(?P<sep>:=|=>|=(?!=)|:(?![:/]))[ \t]*"""
        + _VALUE,
        re.IGNORECASE,
    )
    _dockerfile_env = re.compile(r"^\s*ENV\s+" + _NAME + r"[ \t]+" + _VALUE, re.IGNORECASE)
    _xml_element = re.compile(r"<" + _NAME + r">\s*(?P<value>[^<\s]+)\s*</", re.IGNORECASE)
    _name_value = re.compile(
        r"""name\s*=\s*["']""" + _NAME + r"""["']\s+value\s*=\s*(?P<value>"[^"]*"|'[^']*')""",
        re.IGNORECASE,
    )
    _getenv_default = re.compile(
        r"""(?:getenv|\.get|fetch)\(\s*["']"""
        + _NAME
        + r"""["']\s*,\s*(?P<value>"[^"]*"|'[^']*')""",
        re.IGNORECASE,
    )
    _shell_default = re.compile(r"\$\{" + _NAME + r":?-(?P<value>[^}]*)\}", re.IGNORECASE)
    _cli_flag = re.compile(r"-dev-root-token-id(?:=|\s+)" + _VALUE, re.IGNORECASE)
    _header = re.compile(r"X-Vault-Token\s*:\s*" + _VALUE, re.IGNORECASE)
    denylist = (
        _assignment,
        _dockerfile_env,
        _xml_element,
        _name_value,
        _getenv_default,
        _shell_default,
        _cli_flag,
        _header,
    )
    anchors = (re.compile(r"(?i)" + _TOKEN_VARS + r"|dev-root-token-id|X-Vault-Token"),)
    MIN_CHARS = 3

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        suffix = _suffix(filename)
        for regex in self.denylist:
            for match in regex.finditer(line):
                raw = match.group("value")
                sep = match.groupdict().get("sep") if regex is self._assignment else None
                value = self._literal(
                    raw, suffix, sep, always_literal=regex is not self._assignment
                )
                if value is not None:
                    yield value

    def _literal(
        self, raw: str, suffix: str, sep: str | None, *, always_literal: bool
    ) -> str | None:
        """The committed value, or None when ``raw`` is a reference, an expression or prose."""
        quoted = len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'`"
        value = raw[1:-1] if quoted else raw
        if not quoted and not always_literal:
            if suffix in _CODE_SUFFIXES:
                return None  # VAULT_TOKEN = os.environ["VAULT_TOKEN"] is code
            if suffix in _DOC_SUFFIXES and sep != "=":
                return None  # "VAULT_TOKEN: the token to use" is a sentence
        if value[:1] in ("!", "|", ">") or any(c in value for c in "([{"):
            return None  # YAML tags and block scalars, calls, subscripts
        if len(value) < self.MIN_CHARS or is_placeholder(value):
            return None
        if suffix in _DOC_SUFFIXES and not _looks_random(value):
            return None  # a dev server's root token id in a tutorial: an instruction
        if any(c.isspace() for c in value):
            # No token has spaces. This also rejects prose that detect-secrets' eager INI
            # parser rewrites into ``NAME = "..."`` (``VAULT_TOKEN: the token to use``).
            return None
        return value


# --- unseal and recovery keys --------------------------------------------------------

_UNSEAL_KEYWORD = re.compile(r"(?i)unseal|recovery[ _-]?keys?|keys_base64|keys_b64")
_KEY_SHAPE = re.compile(
    r"(?<![A-Za-z0-9+/=_.:%-])([A-Za-z0-9+/]{32,}={0,2})(?![A-Za-z0-9+/=_-])"
)  # not part of a host name, URL or path (".com/AWS...")
_KEY_ASSIGNED = re.compile(
    r"""(?<=[A-Za-z0-9_"'])["']?\s*[=:]\s*["']?([A-Za-z0-9+/]{32,}={0,2})(?![A-Za-z0-9+/=_-])"""
)
_KEY_ARRAY_OPEN = re.compile(
    r"""(?i)(?:(?:unseal_|recovery_)?keys_(?:b64|hex|base64))["']?\s*[:=]"""
    r"""\s*(?:\[[^\]]*)?$"""
)
_KEY_ARRAY_ITEM = re.compile(r"""^\s*(?:-\s*)?["']?[A-Za-z0-9+/]{32,}={0,2}["']?\s*,?\s*$""")


_LOWERCASE_PATH = re.compile(r"(?:/[a-z0-9._-]+)+/?")


class UnsealKeyDetector(_Detector):
    """Unseal and recovery keys (Shamir shares or the dev server's single key).

    Only in context, since a bare 44-character base64 string could be anything:
    after ``unseal``/``Unseal Key 1:``/``Recovery Key 1:``/``bao operator unseal`` on
    the same line, or as an item of the ``unseal_keys_b64``/``unseal_keys_hex``/
    ``recovery_keys_*``/``keys_base64`` array of ``operator init -format=json`` or
    the ``sys/init`` response, also when that array spans lines (the context).
    """

    secret_type = "Vault/OpenBao unseal or recovery key"  # noqa: S105 - a label  # pragma: allowlist secret
    denylist = (_UNSEAL_KEYWORD, _KEY_SHAPE)
    anchors = (_UNSEAL_KEYWORD, re.compile(r"""^[ \t]*(?:-[ \t]*)?["']?[A-Za-z0-9+/]{32}"""))
    MIN_ENTROPY_HEX = 3.0
    MIN_ENTROPY_BASE64 = 4.0
    HEX_LENGTHS = frozenset({64, 66})
    B64_LENGTHS = frozenset(range(42, 47))

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        keyword = _UNSEAL_KEYWORD.search(line)
        if keyword:
            candidates = _KEY_SHAPE.findall(line, keyword.end())
            # UNSEAL_KEY_1=<key> (an env file, systemd's Environment=): right after "="
            candidates += _KEY_ASSIGNED.findall(line, keyword.end())
        elif _KEY_ARRAY_ITEM.match(line) and self._inside_key_array(context):
            candidates = _KEY_SHAPE.findall(line)
        else:
            return
        for key in candidates:
            if self._looks_like_key(key):
                yield key

    @staticmethod
    def _inside_key_array(context: CodeSnippet | None) -> bool:
        """Walk back over array items: is the array they belong to a key array?"""
        if context is None:
            return False
        for previous in reversed(context.lines[: context.target_index]):
            if _KEY_ARRAY_ITEM.match(previous):
                continue
            return bool(_KEY_ARRAY_OPEN.search(previous.rstrip()))
        return False

    def _looks_like_key(self, key: str) -> bool:
        # A path after "unseal" (/etc/vault/unseal/keys) is not a key; but a base64 key
        # may start with "/" too (1 in 64), and has upper case, "+" or "=" in it.
        if _LOWERCASE_PATH.fullmatch(key):
            return False
        body = key.rstrip("=")
        hexadecimal = all(c in "0123456789abcdefABCDEF" for c in body)
        # Shamir shares are 33 bytes (44 base64 characters, 66 hex), a dev server's
        # single key 32 (44 with "=", 64 hex): other lengths are other things.
        if not (len(key) in self.HEX_LENGTHS if hexadecimal else len(key) in self.B64_LENGTHS):
            return False
        limit = self.MIN_ENTROPY_HEX if hexadecimal else self.MIN_ENTROPY_BASE64
        return shannon_entropy(body) >= limit


# --- AppRole secret_id ---------------------------------------------------------------

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class AppRoleSecretIdDetector(_Detector):
    """An AppRole ``secret_id``: a UUID next to ``secret_id``/``secret-id``/``SECRET_ID``.

    A UUID alone is an identifier (role_id, accessor, request id); next to the name it
    is half of a login. ``secret_id_accessor`` is not matched: it cannot log in.
    The separator allows the wide gap of ``vault write`` table output.
    """

    secret_type = "Vault/OpenBao AppRole secret_id"  # noqa: S105 - a label  # pragma: allowlist secret
    denylist = (
        re.compile(
            r"(?i)secret[ _-]?id(?![A-Za-z0-9_])[\s\"'\]:=>,(\[-]{1,40}?("
            + _UUID
            + r")(?![0-9a-fA-F])"
        ),
    )
    anchors = (
        re.compile(r"(?i)secret[ _-]?id"),
        re.compile(r"^[ \t]*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"),
    )
    MIN_DISTINCT_HEX = 6
    # vault-agent's secret_id_file_path, an approle login's --secret-id-file: a file
    # named for the secret_id whose content is the UUID alone.
    _NAMED_FILE = re.compile(r"(?i)^\.?(?:[a-z0-9]+[_-])*secret[_-]?id(?:\.txt)?$")
    _ALONE = re.compile(r"^\s*(" + _UUID + r")\s*$")

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        alone = self._ALONE.match(line)
        if alone and self._NAMED_FILE.match(os.path.basename(filename)):
            if len(set(alone.group(1).replace("-", "").lower())) >= self.MIN_DISTINCT_HEX:
                yield alone.group(1)
            return
        for value in self.denylist[0].findall(line):
            # 00000000-0000-0000-0000-000000000000 and friends are examples, not secrets.
            if len(set(value.replace("-", "").lower())) >= self.MIN_DISTINCT_HEX:
                yield value


# --- connection URLs (DSNs) with a password ------------------------------------------

_URL_USERINFO = re.compile(
    r"""(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,30})://"""
    r"""(?P<user>[^\s:/?#@"'`<>]*):(?P<password>[^\s/?#"'`<>]*)@"""
)
_URL_QUERY = re.compile(
    r"""[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s"'`<>]*?[?&;](?:password|pass|pwd)="""
    r"""(?P<password>[^\s&#;"'`<>]+)""",
    re.IGNORECASE,
)
_CONNINFO = re.compile(
    r"""(?i)(?<![A-Za-z0-9_])(?:host|hostaddr|dbname|user|port|sslmode)=[^\s,()'"`]+"""
    r"""(?:\s+\w+=[^\s,()'"`]+)*\s+password=(?P<password>[^\s,()'"`]+)"""
)


# RFC 2606/6761's names for documentation: example.com/.org/.net and *.example, *.test.
_DOCS_HOST = re.compile(
    r"(?i)(?:[a-z0-9-]+\.)*(?:example\.(?:com|org|net)|[a-z0-9-]+\.(?:example|invalid))"
    r"(?![a-z0-9.-])"
)


class DsnPasswordDetector(_Detector):
    """A connection string with a literal password in it.

    ``scheme://user:password@host`` and ``scheme://:password@host`` for any scheme
    (postgresql, mysql, redis, amqp, mongodb+srv...), ``?password=`` in a URL, and
    libpq's ``host=... user=... password=...``. Placeholders (``${DB_PASSWORD}``,
    ``$DB_PASSWORD``, ``<password>``, ``{{ password }}``, ``%(password)s``, ``***``,
    ``PASSWORD``), one- and two-character passwords and URLs without a password are
    not findings.
    """

    secret_type = "DSN with password"  # noqa: S105 - a label  # pragma: allowlist secret
    denylist = (_URL_USERINFO, _URL_QUERY, _CONNINFO)
    anchors = (
        re.compile(r"://[^\s/?#@\"'`<>]*@"),
        re.compile(r"(?i)(?:[?&;](?:password|pass|pwd)|[ \t]password)="),
    )
    MIN_CHARS = 3  # postgresql://u:p@db is a test double's way of saying "some password"

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        for regex in self.denylist:
            for match in regex.finditer(line):
                password = match.group("password")
                if len(password) < self.MIN_CHARS or is_placeholder(password):
                    continue
                if _DOCS_HOST.match(line, match.end()) and not _looks_random(password):
                    continue  # user:p%2Fss@artifactory.example.com: a documentation example
                yield password


OUR_DETECTORS: tuple[type[_Detector], ...] = (
    VaultTokenDetector,
    VaultTokenAssignmentDetector,
    UnsealKeyDetector,
    AppRoleSecretIdDetector,
    DsnPasswordDetector,
)
OUR_SECRET_TYPES = frozenset(d.secret_type for d in OUR_DETECTORS)


# --- filters that would hide what our plugins find -----------------------------------
#
# detect-secrets applies its heuristic filters to every plugin. Two of them defeat ours:
# is_potential_uuid drops every AppRole secret_id, and is_indirect_reference drops whole
# lines that look like ``x = f(...)``, such as ``create_engine("postgresql://u:pw@db")``
# or ``hvac.Client(token="hvs...")``. These wrappers keep both filters for detect-secrets'
# own plugins only. They take ``secret``, so they run per secret (when the plugin is
# known); the plugin is told apart by its secret_type, since detect-secrets loads this
# file as a separate module and the classes are not ours to isinstance.


def is_potential_uuid_unless_ours(secret: str, plugin: Any) -> bool:
    """``is_potential_uuid``, except for our plugins (a secret_id *is* a UUID)."""
    return getattr(plugin, "secret_type", None) not in OUR_SECRET_TYPES and is_potential_uuid(
        secret
    )


def is_indirect_reference_unless_ours(secret: str, line: str, plugin: Any) -> bool:
    """``is_indirect_reference``, except for our format-specific plugins."""
    return getattr(plugin, "secret_type", None) not in OUR_SECRET_TYPES and (
        is_indirect_reference(line)
    )


def is_placeholder_secret(secret: str) -> bool:
    """Our placeholder rule for every plugin: detect-secrets' ``is_templated_secret`` lets
    ``secret_id = "%(secret_id)s"`` or ``password = "{{ password }}x"`` through."""
    return is_placeholder(secret)


_REPLACED_FILTERS = {
    "detect_secrets.filters.heuristic.is_potential_uuid": is_potential_uuid_unless_ours,
    "detect_secrets.filters.heuristic.is_indirect_reference": is_indirect_reference_unless_ours,
}


# --- settings ------------------------------------------------------------------------


def builtin_plugin_settings(*, entropy: bool = True) -> list[dict[str, Any]]:
    """detect-secrets' own plugins, as its CLI enables them by default.

    ``entropy=False`` leaves out the two high-entropy plugins, for text (app logs)
    full of random request ids that are not secrets.
    """
    names = sorted(
        cls.__name__
        for cls in get_mapping_from_secret_type_to_class().values()
        if cls.__module__.startswith("detect_secrets.plugins.")
    )
    limits = {
        "Base64HighEntropyString": BASE64_ENTROPY_LIMIT,
        "HexHighEntropyString": HEX_ENTROPY_LIMIT,
    }
    return [
        {"name": name, "limit": limits[name]} if name in limits else {"name": name}
        for name in names
        if entropy or name not in ENTROPY_PLUGINS
    ]


def our_plugin_settings() -> list[dict[str, Any]]:
    """Our plugins, each with the ``file://`` path detect-secrets imports it from.

    The path is not URL-quoted: detect-secrets strips ``file://`` and opens the rest.
    """
    return [{"name": d.__name__, "path": f"file://{PLUGIN_FILE}"} for d in OUR_DETECTORS]


def plugin_settings(*, entropy: bool = True) -> list[dict[str, Any]]:
    """The full ``plugins_used`` list: detect-secrets' defaults plus ours."""
    return builtin_plugin_settings(entropy=entropy) + our_plugin_settings()


def filter_settings() -> list[dict[str, Any]]:
    """The ``filters_used`` list: detect-secrets' defaults, two of them narrowed to its own
    plugins and our placeholder rule added (see above)."""
    defaults = Settings().filters
    kept = [
        {"path": path}
        for path in sorted(defaults)
        if path not in Settings.DEFAULT_FILTERS and path not in _REPLACED_FILTERS
    ]
    # Appended last: detect-secrets' cache_bust reads a module path left over from the
    # preceding (importable) filter when it reaches a file:// one.
    added = (*_REPLACED_FILTERS.values(), is_placeholder_secret)
    ours = [{"path": f"file://{PLUGIN_FILE}::{fn.__name__}"} for fn in added]
    return kept + ours


def detect_secrets_config(*, entropy: bool = True) -> dict[str, Any]:
    """Settings in baseline form (``plugins_used``, ``filters_used``), for scans and hooks."""
    return {"plugins_used": plugin_settings(entropy=entropy), "filters_used": filter_settings()}


@contextmanager
def scan_settings(*, entropy: bool = True) -> Iterator[Settings]:
    """detect-secrets configured with its defaults plus ours, for the ``with`` block only.

    detect-secrets caches its secret_type-to-class map (custom plugins included) and
    ``transient_settings`` does not reset that cache; if anything built it earlier,
    our plugins would be unknown ("No such `VaultTokenDetector` plugin"). So the cache
    is cleared once our settings are in place, and again on the way out.
    """
    with transient_settings(detect_secrets_config(entropy=entropy)) as settings:
        get_mapping_from_secret_type_to_class.cache_clear()
        try:
            yield settings
        finally:
            get_mapping_from_secret_type_to_class.cache_clear()

"""Rules of our engine that are not detect-secrets plugins: private keys, cloud keys,
secrets assigned to secret names (Flask/Django and JWT signing keys, passwords, API keys).

They replace detect-secrets' noisiest plugins (its keyword and entropy plugins) and
sharpen two of its regex plugins (AWS keys, private keys), and keep detect-secrets'
names for those kinds ("Secret Keyword", "AWS Access Key", "Private Key"), so a
baseline's entries and ``detect-secrets audit`` treat them as the same kind of secret.
They live apart from :mod:`compliance.scan.detectors` because detect-secrets registers every
plugin class of that file by its kind: these names would collide with its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import vault_gate.compliance.scan.dsimport  # noqa: F401 - before detect_secrets

from detect_secrets.util.code_snippet import CodeSnippet

from vault_gate.compliance.scan.arguments import ArgumentSecretDetector
from vault_gate.compliance.scan.detectors import (
    _CODE_SUFFIXES,
    _DOC_SUFFIXES,
    _VAULT_CONTEXT,
    OUR_DETECTORS,
    _Detector,
    _KindsDetector,
    _suffix,
    is_placeholder,
    shannon_entropy,
)
from vault_gate.compliance.scan.directives import ConfigDirectiveDetector

# --- private keys -----------------------------------------------------------------

_PEM_BEGIN = re.compile(
    r"-----BEGIN[ A-Z0-9]{0,20} PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<after>(?:\r?\n|\\(?:r\\)?n|\s)*[A-Za-z0-9+/=:, -]{0,200})"
)
_PEM_BODY = re.compile(r"[A-Za-z0-9+/]{32,}")


class PrivateKeyBlockDetector(_Detector):
    """A PEM private key: the BEGIN line of a block that has a body.

    A marker alone (``KEY_MARKER = '-----BEGIN PRIVATE KEY-----'``, a parser's
    constant, a sentence in a doc) is not a key: the body must follow, on the same line
    (a JSON string with ``\\n``, Terraform state) or on the next lines (a .pem, a YAML
    block scalar).
    """

    secret_type = "Private Key"  # noqa: S105 - detect-secrets' label  # pragma: allowlist secret
    denylist = (_PEM_BEGIN,)
    anchors = (re.compile(r"-----BEGIN[ A-Z0-9]{0,20} PRIVATE KEY"),)
    FOLLOWING_LINES = 3

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        for match in _PEM_BEGIN.finditer(line):
            body = _PEM_BODY.search(match.group("after"))
            if body is None and context is not None:
                start = context.target_index + 1
                following = context.lines[start : start + self.FOLLOWING_LINES]
                body = next(filter(None, (_PEM_BODY.search(f) for f in following)), None)
            if body is not None:
                yield match.group(0).split("-----")[1] + ":" + body.group(0)[:64]


# --- cloud keys ---------------------------------------------------------------------

_AWS_ID = re.compile(
    r"(?<![A-Z0-9])((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})(?![A-Z0-9])"
)
_AWS_SECRET = re.compile(
    r"(?i)aws_?secret(?:_?access)?_?key[\"'\]]{0,2}\s*(?::=|=>|=|:)\s*[\"']?"
    r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
_AWS_SECRET_TF = re.compile(
    r"(?i)(?<![A-Za-z0-9_])secret_key[\"']?\s*[=:]\s*[\"'](?P<value>[A-Za-z0-9/+]{40})[\"']"
)
_GOOGLE_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])")
_GCP_KEY_ID = re.compile(r"\"private_key_id\"\s*:\s*\"(?P<value>[0-9a-f]{40})\"")


class CloudKeyDetector(_Detector):
    """AWS access key ids (``AKIA``/``ASIA``... + 16) and secret access keys (40
    characters after an ``aws_secret_access_key``-like name, or a Terraform provider's
    ``secret_key``), Google API keys (``AIza`` + 35) and a GCP service account's
    ``private_key_id``. AWS's documentation keys end in ``EXAMPLE``/``EXAMPLEKEY``."""

    secret_type = "AWS Access Key"  # noqa: S105 - detect-secrets' label  # pragma: allowlist secret
    denylist = (_AWS_ID, _AWS_SECRET, _AWS_SECRET_TF, _GOOGLE_API_KEY, _GCP_KEY_ID)
    anchors = (
        re.compile(r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"),
        re.compile(r"(?i)aws_?secret|secret_key"),
        re.compile(r"AIza[0-9A-Za-z_-]{35}"),
        re.compile(r"\"private_key_id\""),
    )
    MIN_ENTROPY = 3.5
    MIN_DISTINCT = 6

    def find(self, line: str, filename: str, context: CodeSnippet | None) -> Iterator[str]:
        for value in _AWS_ID.findall(line):
            if not value.endswith("EXAMPLE") and len(set(value[4:])) >= self.MIN_DISTINCT:
                yield value
        for regex in (_AWS_SECRET, _AWS_SECRET_TF):
            for match in regex.finditer(line):
                value = match.group("value")
                if "EXAMPLE" not in value and shannon_entropy(value) >= self.MIN_ENTROPY:
                    yield value
        for value in _GOOGLE_API_KEY.findall(line):
            if shannon_entropy(value) >= self.MIN_ENTROPY:
                yield value
        for match in _GCP_KEY_ID.finditer(line):
            yield match.group("value")


# --- assignments: secret keys, JWT signing keys, passwords, API keys ------------------

# One assignment: a name, its closing quote or subscript, a separator, a value.
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_])(?<!\$\{)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?:[\"']?\])?[\"']?[ \t]*"
    r"(?P<sep>:=|=>|==?|:)[ \t]*"
    r"(?P<value>b?\"(?:[^\"\\\n]|\\.)*\"|b?'[^'\n]*'|`[^`\n]*`|django-insecure-\S+|"
    r"[^\s,;'\"`()}\]<>=]+)"
)
_DOCKER_ENV = re.compile(r"^\s*ENV\s+(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<value>[^\s=]\S*)\s*$")
_XML = re.compile(r"<(?P<key>[A-Za-z_][\w.-]*)>(?P<value>[^<\s]+)</(?P=key)>")
_K8S_ENV_NAME = re.compile(r"^\s*-?\s*name:\s*[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[\"']?\s*$")

_FLASK_DJANGO = re.compile(r"(?i)^(?:flask_|django_|app_)?secret_key(?:_base)?$")
_JWT = re.compile(r"(?i)jwt.*(?:secret|key)|signing_?key|(?:hmac|token)_?secret")
_SECRET_NAME = re.compile(
    r"(?i)pass(?:word|wd|phrase)?$|^pass(?:word|wd)|passwd|pwd$|secret|token|api_?key|"
    r"access_?key|private_?key|auth_?key|credentials?$|client_?key"
)
# Names that hold something about a secret, not the secret itself.
_NOT_SECRET_NAME = re.compile(
    r"(?i)(?:^|[_.-])(?:file|path|dir|url|uri|endpoint|header|name|field|ref|id|ids|"
    r"accessor|ttl|length|len|size|min|max|type|env|var|policy|policies|prefix|suffix|"
    r"format|mode|enabled|version|count|timeout|expiry|expires(?:_?in)?|algorithm|alg|"
    r"hash|salt|rotation|source|provider|store|mount|engine|role|template|regex|"
    r"pattern|label|description|help|hint|manager|backend|method|kind|reset|"
    r"required|usage|location|sid|fallbacks|authentication|encryption|strength|"
    r"complexity|hashing|change|update|prompt|input|generator|rules)$|"
    r"^(?:is|has|use|no|with|require|enable)[_A-Z]|(?:Path|File|Name|Url|Id|Header|Field)$|"
    # cloud APIs' idempotency, pagination and form tokens: ids and cursors, not credentials
    r"(?:next|change|client|continuation|pagination|page|idempotency|sync|task|csrf|xsrf|"
    r"request|upload|cursor|resume|marker|output|input)[_-]?token$|"
    r"(?:last[_-]?used|changed|created|updated|expir\w*|date|time(?:stamp)?)$"
)
_CODE_VALUE = re.compile(
    r"[()\[\]{}]|^['\"]*\$|^%|^@|^!|^&|\$\{|\{\{|%\(|^[A-Za-z_]+="
    r"|^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$"  # process.env.DB_PASS, settings.key
)
_TEMPLATE_VALUE = re.compile(r"^['\"]*\$|\$\{|\{\{|%\(|\{[A-Za-z_][\w.-]*\}")  # {tree}/keys:x
_YAML_ALIAS = re.compile(r"^\*[A-Za-z_]")
# systemd's Environment= holds one or more assignments, each maybe quoted.
_SYSTEMD_ENV = re.compile(r"^\s*Environment\s*=\s*(?P<rest>.+)$")
_SYSTEMD_ITEM = re.compile(r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))""")
_LOWERCASE_PATHLIKE = re.compile(r"^[a-z0-9_.-]+(?:/[a-z0-9_.-]*)+$")
_YAML_SUFFIXES = frozenset({".yml", ".yaml"})
_NOT_A_SECRET_VALUE = re.compile(
    r"(?i)^(?:sha(?:1|224|256|384|512)[-:]|md5[-:]|hmac-sha\d+:|vault:|secret/|kv/|arn:|"
    r"projects/|https?://|file:|/|\./|~/|[a-z]:\\|env:|ref\+|op://)"
)
_IDENTIFIER = re.compile(
    r"^[:_$@.-]*(?:[a-z]+(?:[_.\-][a-z]+)*|[a-z]+(?:[A-Z][a-z]+)+|[A-Z][a-z]+(?:-?[A-Z][a-z]+)*|"
    r"[A-Z]+(?:[_-][A-Z]+)*|[A-Z]{2,}[a-z]+(?:[A-Z][a-z]+)*)$"  # ... AWSSecretKey: a name
)
# A path into a structure (DistributionList.NextMarker, Jobs[-1].JobId): a name.
_MEMBER_PATH = re.compile(r"^[A-Za-z_$][\w$]*(?:\[-?\d+\])?(?:\.[A-Za-z_$][\w$]*(?:\[-?\d+\])?)+$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)")
_UUID_VALUE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# Files that show what a config looks like: only generated-looking values count there.
_TEMPLATE_FILE = re.compile(r"(?i)\.(?:example|sample|template|tmpl|dist)$|\.example\.")
_DJANGO_INSECURE = "django-insecure-"
_DJANGO_MIN_CHARS = 24


_WORD = re.compile(r"[A-Za-z]{3,}")
_READABLE_SHARE = 0.5


def _readable(value: str) -> bool:
    """Mostly words (``myapp-api-key-123456``): a demo value, in a doc."""
    return sum(len(w) for w in _WORD.findall(value)) > _READABLE_SHARE * len(value) and (
        all(w.islower() or w.istitle() for w in _WORD.findall(value))
    )


def _near_vault(line: str, context: CodeSnippet | None) -> bool:
    """Vault named on the line or the lines around it (a UUID token of old Vault)."""
    lines = context.lines if context is not None else (line,)
    return any(_VAULT_CONTEXT.search(text) for text in lines)


def _char_classes(value: str) -> int:
    return sum(
        any(test(c) for c in value)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )


def _literal_value(raw: str, suffix: str) -> str | None:
    """The literal a raw right-hand side holds, or None (an expression, a reference)."""
    if raw[:1] == "b" and raw[1:2] in ("'", '"') and len(raw) > 2:
        raw = raw[1:]
    quoted = len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'`"
    if not quoted and suffix in _CODE_SUFFIXES:
        return None  # SECRET_KEY = os.environ["SECRET_KEY"]: code
    value = raw[1:-1] if quoted else raw
    if value.startswith(_DJANGO_INSECURE):
        return value  # its alphabet has brackets and "%": not code
    # A quoted string outside code is a literal: brackets in it are characters (a
    # generated key's alphabet), only references and templates make it not a value.
    code_value = _TEMPLATE_VALUE if quoted and suffix not in _CODE_SUFFIXES else _CODE_VALUE
    if not value or code_value.search(value) or _NOT_A_SECRET_VALUE.search(value):
        return None
    if _MEMBER_PATH.match(value) or _TIMESTAMP.match(value):
        return None  # "output_token": "DistributionList.NextMarker", a date
    if _LOWERCASE_PATHLIKE.match(value) or (suffix in _YAML_SUFFIXES and _YAML_ALIAS.match(value)):
        return None  # database/creds/app, a YAML alias
    return value


@lru_cache(maxsize=8192)
def _kind_of(key: str) -> str | None:
    """:meth:`SecretAssignmentDetector.kind_of`, remembered: names repeat (every record
    of a log or a lock file has the same few)."""
    if _FLASK_DJANGO.match(key):
        return SecretAssignmentDetector.KIND_FLASK
    if _NOT_SECRET_NAME.search(key):
        return None
    if _JWT.search(key):
        return SecretAssignmentDetector.KIND_JWT
    if _SECRET_NAME.search(key):
        return SecretAssignmentDetector.secret_type
    return None


class SecretAssignmentDetector(_KindsDetector):
    """A literal value assigned to a secret's name, in any format.

    ``SECRET_KEY = '...'``, ``app.config['SECRET_KEY'] = '...'``, ``JWT_SECRET_KEY=...``,
    ``"jwtSecret": "..."``, ``password: ...``, ``API_TOKEN=...``, ``ENV NAME value``,
    ``<password>...</password>``, a Kubernetes ``- name: SECRET_KEY`` / ``value: ...``
    pair. Kinds: Flask/Django secret key, JWT signing key, and the rest as detect-secrets
    names them ("Secret Keyword"). What keeps precision: the right-hand side is a
    literal (quoted in code; bare values count in configs), not a reference, template,
    call, path, URL, hash or placeholder, not an identifier (``password_field``); at
    least 8 characters, two character classes, 2.5 bits of entropy per character
    (secret and signing keys: 12 characters, 3 bits); in documentation only
    random-looking values (16 characters, three classes, 3.5 bits), since prose is
    full of ``password=demo``.
    """

    secret_type = "Secret Keyword"  # noqa: S105 - detect-secrets' label  # pragma: allowlist secret
    KIND_FLASK = "Flask/Django secret key"
    KIND_JWT = "JWT signing key"
    denylist = (
        re.compile(
            r"(?i)(?:pass|pwd|secret|token|api_?key|apikey|access_?key|private_?key|"
            r"auth_?key|credential|client_?key|signing_?key|jwt)[A-Za-z0-9_.-]*"
            r"(?:[\"']?\])?[\"']?[ \t]*(?::=|=>|=|:)"
        ),
        _DOCKER_ENV,
        _XML,
        re.compile(r"^\s*value:\s*\S"),  # the value line of a Kubernetes env pair
    )
    anchors = (
        denylist[0],
        re.compile(r"^[ \t]*ENV[ \t]+[A-Za-z_]"),
        re.compile(r"<[A-Za-z_][\w.-]*>[^<\s]+</"),
        re.compile(r"^[ \t]*value:[ \t]*[^ \t\n]"),
        re.compile(_DJANGO_INSECURE),
    )
    MIN_CHARS, MIN_CLASSES, MIN_ENTROPY = 8, 2, 2.5
    KEY_MIN_CHARS, KEY_MIN_ENTROPY = 12, 3.0
    DOC_MIN_CHARS, DOC_MIN_CLASSES, DOC_MIN_ENTROPY = 16, 3, 3.5

    def kind_of(self, key: str) -> str | None:
        """The kind a secret under ``key`` is, or None if the name holds no secret."""
        return _kind_of(key)

    def pairs(self, line: str, context: CodeSnippet | None) -> Iterator[tuple[str, str]]:
        """(key, raw value) assignments on ``line``; quotes escaped inside a JSON string
        (a notebook's source lines) are read as quotes."""
        if '\\"' in line:
            line = line.replace('\\"', '"')
        systemd = _SYSTEMD_ENV.match(line)
        if systemd is not None:  # Environment="A=1" B=2: each item is NAME=value
            for item in _SYSTEMD_ITEM.finditer(systemd.group("rest")):
                text = item.group("dq") or item.group("sq") or item.group("bare") or ""
                name, eq, value = text.partition("=")
                if eq and value:
                    quoted = f'"{value}"' if '"' not in value else f"'{value}'"
                    yield name, value if item.group("bare") is not None else quoted
            return
        for regex in (_DOCKER_ENV, _XML):
            for match in regex.finditer(line):
                yield match.group("key"), match.group("value")
        for match in _ASSIGNMENT.finditer(line):
            key, sep = match.group("key").rsplit(".", 1)[-1], match.group("sep")
            if sep == "==":
                continue  # a comparison
            if key == "value":
                if context is None or context.target_index == 0:
                    continue
                named = _K8S_ENV_NAME.match(context.lines[context.target_index - 1])
                if named is None:
                    continue
                key = named.group("key")
            value = match.group("value")
            if line[match.end() : match.end() + 1] == "(" and value[:1] not in "\"'`":
                continue  # x = make_key(): a call
            yield key, value

    def _thresholds(self, kind: str, doc: bool) -> tuple[int, int, float]:
        if doc:
            return self.DOC_MIN_CHARS, self.DOC_MIN_CLASSES, self.DOC_MIN_ENTROPY
        if kind != self.secret_type:
            return self.KEY_MIN_CHARS, self.MIN_CLASSES, self.KEY_MIN_ENTROPY
        return self.MIN_CHARS, self.MIN_CLASSES, self.MIN_ENTROPY

    def find_kinds(
        self, line: str, filename: str, context: CodeSnippet | None
    ) -> Iterator[tuple[str, str]]:
        """(kind, value) for each secret on the line."""
        suffix = _suffix(filename)
        doc = suffix in _DOC_SUFFIXES or bool(_TEMPLATE_FILE.search(filename))
        for key, raw in self.pairs(line, context):
            kind = _kind_of(key)  # first: most names on a line (a JSON record's) hold none
            if kind is None and _DJANGO_INSECURE not in raw:
                continue
            value = _literal_value(raw, suffix)
            if value is not None and value.startswith(_DJANGO_INSECURE):
                if len(value) > _DJANGO_MIN_CHARS:
                    yield self.KIND_FLASK, value  # Django's generated key, whatever name
                continue
            if kind is None:
                continue
            if value is None or is_placeholder(value) or _IDENTIFIER.match(value):
                continue
            if (
                _UUID_VALUE.match(value)
                and key.lower().endswith("token")
                and not _near_vault(line, context)
            ):
                continue  # LifecycleActionToken, ChangeToken: an API's id, not Vault's token
            chars, classes, entropy = self._thresholds(kind, doc)
            if doc and _readable(value):
                continue
            if (
                len(value) >= chars
                and _char_classes(value) >= classes
                and shannon_entropy(value) >= entropy
                and " " not in value
            ):
                yield kind, value


# The engine's rules (compliance.scan.engine), in priority order for one value on one line.
ENGINE_DETECTORS: tuple[type[_Detector], ...] = (
    *OUR_DETECTORS,
    PrivateKeyBlockDetector,
    CloudKeyDetector,
    SecretAssignmentDetector,
    ArgumentSecretDetector,
    ConfigDirectiveDetector,
)

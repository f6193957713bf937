"""Criterion "No secrets in environment variables", judged on a live process tree.

The plan's starting point was secrets in environment variables (``SECRET_KEY``,
``JWT_SECRET_KEY``, ``DATABASE_URL`` with a password). A migration to Vault is
done only when the running app holds none of them, so this check reads what the
kernel says each process of the app was started with: ``/proc/<pid>/environ`` and
``/proc/<pid>/cmdline``, for the process and every descendant (gunicorn's workers,
anything they spawn). A secret in a worker's environment leaks as surely as one in
the master's.

Two kinds of finding:

* a value Vault holds (``known_values``) appears in a variable or an argument, as
  is, URL-encoded or base64-encoded (also inside a longer base64 text);
* a variable whose name says "secret" carries a value: the plan's own names, any
  ``VAULT_TOKEN``/``BAO_TOKEN``, database and Redis URLs with a password, and names
  that look secret unless explicitly allowed.

Nothing that cannot be read is passed over: a process that vanishes or a ``/proc``
entry that cannot be read is a finding. Findings and evidence carry pids, variable
names and fingerprints, never a value.

Limits worth knowing: ``/proc/<pid>/environ`` shows the environment a process was
*started* with; a variable a process sets for itself later appears only in the
children it starts afterwards (which this check also reads).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

CRITERION = "no_secrets_in_env"
PROC = Path("/proc")

# Names any sane process carries that are configuration, not secrets. The app's own
# variables (what the target maps to the harness's non-secret values, [app.env]) are
# added by the caller. Only names that would otherwise look secret need to be here; the
# rest are listed so the allow list reads as "what the app may have".
DEFAULT_ALLOW: frozenset[str] = frozenset(
    {
        "VAULT_ADDR",
        "VAULT_CACERT",
        "VAULT_CAPATH",
        "VAULT_TLS_SERVER_NAME",
        "PATH",
        "HOME",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "USER",
        "LOGNAME",
        "SHELL",
        "PWD",
        "TMPDIR",
        "TERM",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
    }
)

# Always findings when non-empty, whatever the allow list says: the plan moved these
# to Vault, and a Vault token in the environment is exactly what AppRole replaces.
FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {"SECRET_KEY", "JWT_SECRET_KEY", "VAULT_TOKEN", "BAO_TOKEN"}
)
# URLs that are fine without a password and a finding with one.
URL_NAMES: frozenset[str] = frozenset({"DATABASE_URL", "REDIS_URL"})
# Substrings of a name that make it look secret (the name is upper-cased first).
SECRET_NAME_PARTS: tuple[str, ...] = (
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "PRIVATE_KEY",
    "API_KEY",
)

# A password in a URL's userinfo: ``user:pass@`` or ``:pass@`` (scheme optional).
_URL_PASSWORD = re.compile(rb":[^/@\s]+@")
# Base64 cores shorter than this are not searched for: too likely to occur by chance.
MIN_ENCODED_CHARS = 16


@dataclass(frozen=True)
class Needle:
    """One searchable form of a known value: its bytes, which form, whose fingerprint."""

    data: bytes
    form: str
    fingerprint: str


@dataclass(frozen=True)
class ProcessView:
    """What /proc told about one process: its variables (name -> raw value) and argv."""

    pid: int
    variables: tuple[tuple[str, bytes], ...]
    argv: tuple[bytes, ...]


# -- the search forms of known values ------------------------------------------------


def _base64_cores(raw: bytes) -> list[tuple[bytes, bytes]]:
    """The base64 text ``raw`` becomes at each of the three alignments, minus the edge chars.

    A value base64-encoded inside a longer text starts at byte offset 0, 1 or 2 modulo
    3; the characters that depend only on the value are the same whatever surrounds
    it. Searching for these cores finds the value encoded alone (with or without
    padding) and encoded as part of, say, a JSON blob. Returns (standard, urlsafe).
    """
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = -(-8 * shift // 6)  # ceil(8*shift/6): first char not touched by the prefix
        end = (8 * (shift + len(raw))) // 6  # chars wholly inside the value
        core = encoded[start:end]
        if len(core) >= MIN_ENCODED_CHARS:
            cores.append((core, core.translate(bytes.maketrans(b"+/", b"-_"))))
    return cores


def _components(value: str) -> list[str]:
    """The value itself, and for a URL also its password: a leak of just that counts too."""
    parts = [value]
    try:
        password = urlsplit(value).password
    except ValueError:
        password = None
    if password and len(password) >= 8:
        parts.append(password)
    return parts


def needles(known_values: Iterable[Secret]) -> list[Needle]:
    """Every form in which a known value is searched for, each labelled by form."""
    out: dict[bytes, Needle] = {}
    for secret in known_values:
        for i, value in enumerate(_components(secret.reveal())):
            if not value:
                continue
            part = "its password, " if i else ""
            forms = [
                (value.encode(), "as is"),
                (quote(value, safe="").encode(), "URL-encoded"),
                (quote(value).encode(), "URL-encoded"),
                (quote_plus(value).encode(), "URL-encoded"),
            ]
            for std, urlsafe in _base64_cores(value.encode()):
                forms += [(std, "base64"), (urlsafe, "urlsafe base64")]
            for data, form in forms:
                out.setdefault(data, Needle(data, part + form, secret.fingerprint))
    return list(out.values())


def _match(haystack: bytes, found: Sequence[Needle]) -> Needle | None:
    """The first needle in ``haystack``, also after URL-decoding it (lower-case %xx, etc.)."""
    for needle in found:
        if needle.data in haystack:
            return needle
    if b"%" in haystack or b"+" in haystack:
        decoded = unquote_plus(haystack.decode(errors="surrogateescape")).encode(
            errors="surrogateescape"
        )
        for needle in found:
            if needle.form.endswith("as is") and needle.data in decoded:
                return Needle(needle.data, "URL-encoded", needle.fingerprint)
    return None


# -- names that must not carry values ------------------------------------------------


def _url_has_password(value: bytes) -> bool:
    try:
        if urlsplit(value.decode(errors="replace")).password:
            return True
    except ValueError:
        pass
    return bool(_URL_PASSWORD.search(value))


def name_finding(name: str, value: bytes, allow: Collection[str]) -> str | None:
    """Why a variable of this name must not carry this value, or None. Never the value."""
    if not value:
        return None
    upper = name.upper()
    if upper in FORBIDDEN_NAMES:
        return f"{name} is set (a secret that belongs in Vault)"
    if upper in URL_NAMES:
        if _url_has_password(value):
            return f"{name} carries a password in its URL"
        return None
    if upper.endswith("API_KEY"):
        return f"{name} is set (an API key belongs in Vault)"
    if name in allow:
        return None
    for part in SECRET_NAME_PARTS:
        if part in upper:
            return f"{name} looks like a secret ({part} in its name) and is not allowed"
    return None


# -- values that look like secrets -----------------------------------------------------

# A key name part that says "credential" even where SECRET_NAME_PARTS would not (a
# literal under such a name is judged by its value's shape, not let through by name).
KEY_NAME_PARTS: tuple[str, ...] = ("KEY", "CREDENTIAL", "AUTH", "DSN", "PASS", "PWD")
MIN_SECRET_CHARS = 12
# A literal this long and this varied looks generated whatever its name (a hostname with
# a digit does not: "db-replica-2-eu-west" scores below 4 bits per character).
RANDOM_MIN_CHARS = 20
RANDOM_MIN_ENTROPY = 4.0


def value_finding(name: str, value: bytes) -> str | None:
    """Why the literal ``value`` given to the app under ``name`` looks like a secret, or
    None: a URL with a password, a known credential format (detect-secrets' and this
    project's detectors), a long random-looking string, or a secret-like name with a
    non-trivial value. Never the value; only its length and shape."""
    from vault_gate.compliance.scan.detectors import _looks_random, is_placeholder, shannon_entropy

    text = value.decode(errors="replace")
    if not text:
        return None
    if _url_has_password(value) and not is_placeholder(urlsplit(text).password or ""):
        return f"{name} is given a URL with a password in it"
    if is_placeholder(text):
        return None
    kinds = _detected_kinds(name, text)
    if kinds:
        return f"{name} is given a literal of a known credential format ({', '.join(kinds)})"
    if _looks_random(text, min_chars=RANDOM_MIN_CHARS, min_entropy=RANDOM_MIN_ENTROPY):
        return (
            f"{name} is given a literal that looks generated ({len(text)} chars, "
            f"{shannon_entropy(text):.1f} bits/char): a secret's shape"
        )
    upper = name.upper()
    secret_name = any(p in upper for p in (*SECRET_NAME_PARTS, *KEY_NAME_PARTS))
    if secret_name and len(text) >= MIN_SECRET_CHARS and not text.isdigit():
        return f"{name} is given a {len(text)}-character literal under a secret-like name"
    return None


def _detected_kinds(name: str, text: str) -> list[str]:
    """The credential formats detect-secrets' plugins (ours included) see in ``NAME="v"``,
    bar the entropy plugins (judged here by :func:`value_finding` itself)."""
    from detect_secrets.core.scan import scan_line

    from vault_gate.compliance.scan.detectors import scan_settings

    line = f'{name}="{text}"'
    with scan_settings(entropy=False):
        found = {s.type for s in scan_line(line)}
    return sorted(k for k in found if "Entropy" not in k)


# -- /proc -----------------------------------------------------------------------------


def _ppid(stat: bytes) -> int:
    """The parent pid from /proc/<pid>/stat; comm (field 2) may hold spaces and parens."""
    return int(stat[stat.rindex(b")") + 2 :].split()[1])


def process_tree(root: int, proc: Path = PROC) -> list[int]:
    """``root`` and all its descendants, parents first, from one scan of /proc/*/stat.

    A process that vanishes during the scan is skipped here: until its stat is read
    nothing says it belongs to the tree. One that was found and then vanishes is
    reported by :func:`read_process`.
    """
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = _ppid((entry / "stat").read_bytes())
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        if pid in tree:
            continue
        tree.append(pid)
        queue.extend(sorted(children.get(pid, ())))
    return tree


def read_process(pid: int, proc: Path = PROC) -> ProcessView:
    """The process's start-up environment and argv; OSError if either cannot be read."""
    base = proc / str(pid)
    environ = (base / "environ").read_bytes()
    cmdline = (base / "cmdline").read_bytes()
    if not environ and not cmdline:
        # A process that has exited but not been reaped (a zombie) shows neither.
        raise ProcessLookupError(pid, "the process has exited")
    variables = []
    for item in environ.split(b"\0"):
        if not item:
            continue
        name, _, value = item.partition(b"=")
        variables.append((name.decode(errors="replace"), value))
    argv = tuple(a for a in cmdline.split(b"\0")[:-1]) if cmdline else ()
    return ProcessView(pid, tuple(variables), argv)


def _describe_error(exc: OSError) -> str:
    if isinstance(exc, ProcessLookupError):
        return "the process has exited"
    if isinstance(exc, FileNotFoundError):
        return "the process vanished"
    return f"{type(exc).__name__}: {exc.strerror or 'unreadable'}"


def _judge(
    view: ProcessView,
    found: Sequence[Needle],
    allow: Collection[str],
    literals: Collection[str] = (),
) -> list[str]:
    """Every finding for one process. ``literals`` name variables whose values the
    deployment gives as written (the target's ``[app.env]`` literals): judged by value,
    whatever the allow list says of their names."""
    findings = []
    for name, value in view.variables:
        if name in literals:
            why_value = value_finding(name, value)
            if why_value:
                findings.append(f"pid {view.pid}: {why_value}")
                continue
        hit = _match(value, found)
        if hit:
            findings.append(
                f"pid {view.pid}: variable {name} carries a known secret value "
                f"({hit.form}, {hit.fingerprint})"
            )
        why = name_finding(name, value, allow)
        if why:
            findings.append(f"pid {view.pid}: {why}")
    for arg in view.argv:
        hit = _match(arg, found)
        if hit:
            findings.append(
                f"pid {view.pid}: argv carries a known secret value ({hit.form}, {hit.fingerprint})"
            )
    return findings


def check_no_secrets_in_env(
    pid: int,
    environment: str,
    known_values: Sequence[Secret],
    *,
    allow: Collection[str] = DEFAULT_ALLOW,
    proc: Path = PROC,
    literals: Collection[str] = (),
) -> CheckResult:
    """Judge the environment and argv of ``pid`` and all its descendants.

    ``known_values`` are the secrets Vault holds for the environment (current and
    rotated away); ``allow`` names variables that look secret but are not (paths to
    secret files, the role_id); ``literals`` names variables given literal values by the
    deployment, each judged by its value (:func:`value_finding`).
    """
    evidence: list[Evidence] = []
    findings: list[str] = []
    if not (proc / str(pid)).is_dir():
        evidence.append(Evidence(f"{proc}/{pid}", "no such process"))
        findings.append(f"could not read {proc}/{pid}: no such process")
        return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

    tree = process_tree(pid, proc)
    evidence.append(Evidence("process tree", f"root pid {pid}, {len(tree)} process(es): {tree}"))
    found = needles(known_values)
    evidence.append(
        Evidence("known values", f"{len(known_values)} values, {len(found)} searched forms")
    )
    for member in tree:
        try:
            view = read_process(member, proc)
        except OSError as exc:
            findings.append(
                f"could not read {proc}/{member}/environ or cmdline: {_describe_error(exc)}"
            )
            continue
        names = sorted(name for name, _ in view.variables)
        evidence.append(
            Evidence(
                f"{proc}/{member}",
                f"{len(names)} variables ({', '.join(names) or 'none'}); "
                f"argv of {len(view.argv)} arguments",
            )
        )
        findings += _judge(view, found, allow, literals)
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

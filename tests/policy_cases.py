"""The analyzer against a real server, in batches: what the differential tests and the
policy benchmark share.

A case is a policy text (or several, for a multi-policy token) and request paths. The
server is asked once per policy whether it stores it (``sys/policies/acl/NAME``), once
per token which capabilities it has on all the paths (``sys/capabilities`` takes many
paths in one call), and the analyzer is asked the same. A disagreement is kept with the
server's answer, so that a failure says what the server did.

The corpus of real policies (108 files from 25 public repositories when gathered; see
tests/data/policy_corpus/README.md) is not part of this repository: its files are other
people's, and only their provenance is kept here. Point ``VAULT_GATE_POLICY_CORPUS`` at
a folder holding them, or keep them in ``shared/policy_corpus`` beside the repository;
each file is checked against its recorded SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import hvac
import hvac.exceptions
import requests

from vault_gate.compliance.policy.acl import (
    Flavour,
    Kind,
    Pattern,
    Policy,
    PolicyError,
    capabilities,
    parse_policy,
)

PROVENANCE = Path(__file__).resolve().parent / "data" / "policy_corpus" / "PROVENANCE.tsv"
CORPUS_ENV = "VAULT_GATE_POLICY_CORPUS"
# Where the steering side keeps data files beside the repository (as CI lays it out).
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "policy_corpus"
NAME_PREFIX = "vault-gate-differential"

# Paths every policy is asked about: the system and auth trees, other environments'
# secrets, the places real policies grant most.
SYSTEM_PATHS = (
    "sys/mounts", "sys/mounts/secret", "sys/mounts/x/tune", "sys/auth", "sys/auth/approle",
    "sys/policies/acl", "sys/policies/acl/admin", "sys/policy/x", "sys/capabilities-self",
    "sys/leases/lookup", "sys/leases/revoke/x/y", "sys/health", "sys/seal", "sys/audit",
    "sys/audit/file", "sys/raw/x", "sys/tools/hash", "sys/renew/x", "sys/", "sys",
    "auth/token/create", "auth/token/lookup-self", "auth/token/renew-self", "auth/token/",
    "auth/approle/role/x/secret-id", "auth/approle/role/x/role-id", "auth/approle/login",
    "auth/userpass/users/x", "auth/kubernetes/role/x", "auth/", "identity/entity/id/x",
    "cubbyhole/x", "secret/data/x", "secret/metadata/x", "secret/x", "secret/",
    "kv/data/dev/app", "kv/data/prod/app", "secret/data/development/app",
    "secret/data/production/app", "secret/data/staging/app", "database/creds/readonly",
    "pki/issue/x", "transit/encrypt/x", "aws/creds/x", "x", "",
)  # fmt: skip
_OTHER_ENVS = (("dev", "prod"), ("prod", "dev"), ("development", "production"),
               ("production", "development"), ("staging", "production"))  # fmt: skip


# (policy text, request paths, whether the server stores it): each read in OpenBao's
# source (internal/vault/policy/policy.go, hashicorp/hcl v1) and confirmed on OpenBao
# 2.7.2 (tests/test_policy_differential.py); tests/test_policy_parser.py pins the
# analyzer's side on plain data.
SURPRISES = [
    # A second label is ignored: the rule is for "a".
    ('path "a" "b" { capabilities = ["read"] }', ["a", "b", "a/b"], True),
    # No label: the rule is for the path "path".
    ('path { capabilities = ["read"] }', ["path", "a"], True),
    # An assignment cut off by the end of the file is dropped, not refused.
    ('path "a" { capabilities = ["read"] }\nname =', ["a"], True),
    # "deny" ends the checks: what follows it is never looked at ...
    ('path "a" { capabilities = ["deny", "foo"] }', ["a"], True),
    ('path "a" {\n capabilities = ["deny"]\n min_wrapping_ttl = "10m"\n max_wrapping_ttl = "1m"\n}',
     ["a"], True),
    # ... but what precedes it is.
    ('path "a" { capabilities = ["foo", "deny"] }', [], False),
    ('path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = "10m"\n max_wrapping_ttl = "1m"\n}',
     [], False),
    # JSON's nested objects are flattened: a path block holding only objects loses a level.
    ('{"path": {"a": {"allowed_parameters": {"x": []}}}}', [], False),
    ('{"path": {"a": {"capabilities": ["read"], "allowed_parameters": {"x": []}}}}', ["a"], True),
    # An expired rule is dropped before any check; a rule expiring later counts until then.
    ('path "a+*" {\n capabilities = ["read"]\n expiration = "2001-01-01T00:00:00Z"\n}', ["a"],
     True),
    ('path "a" {\n capabilities = ["read"]\n expiration = "2999-01-01T00:00:00Z"\n}', ["a"], True),
    # A surrogate escape: HCL writes U+FFFD, Go's JSON unquoting refuses (the server
    # drops the connection).
    ('path "a/\\ud800/+" { capabilities = ["read"] }', ["a/\ufffd/x"], True),
    ('{"path": {"a/\\ud800/+": {"capabilities": ["read"]}}}', [], False),
    # A byte escape is a byte: two of them may make one character, one alone makes a
    # path no request can reach.
    ('path "a\\xc3\\xa9" { capabilities = ["read"] }', ["a\u00e9"], True),
    ('path "a\\x80" { capabilities = ["read"] }', ["a\ufffd", "a"], True),
    # The decoder's leniency: {} is an empty list, a number is a string, lists append.
    ('path "a" { capabilities = {} }', ["a"], True),
    ('path "a" {\n capabilities = ["read"]\n capabilities = ["list"]\n}', ["a"], True),
    ('path "a" { policy = 1 }', [], False),
    ('path "a" { capabilities = "read" }', [], False),
    ('path "a" {\n policy = "deny"\n capabilities = ["read"]\n}', ["a"], True),
    # An interface field keeps the type of its first value.
    ('path "a" {\n capabilities = ["read"]\n min_wrapping_ttl = 60\n min_wrapping_ttl = "1m"\n}',
     [], False),
    # HCL's JSON reader forgives a trailing comma and ignores what follows the object.
    ('{"path": {"a": {"capabilities": ["read"],}}} garbage', ["a"], True),
    # A policy that is valid base64 is decoded first.
    ("cGF0aCAiYSIgeyBjYXBhYmlsaXRpZXMgPSBbInJlYWQiXSB9", ["a"], True),
    # list_scan_response_keys_filter_path needs "list" and a template using .key.
    ('path "a" {\n capabilities = ["read"]\n list_scan_response_keys_filter_path = "{{.key}}"\n}',
     [], False),
    ('path "a" {\n capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{.path}}"\n}',
     [], False),
    ('path "a}}" { capabilities = ["read"] }', [], False),
    ('path "a" { capabilities = ["read"], }', ["a"], True),
    ('path "a" {\n capabilities = ["read"]\n comment = [[[{a = 1}]]]\n}', ["a"], True),
]  # fmt: skip


def usable(path: str) -> bool:
    """Whether ``sys/capabilities`` answers for the path under its own name: not empty
    (the whole call fails), no white space at either end (the server trims it)."""
    return bool(path) and path == path.strip() and "\x00" not in path and len(path) < 1000


def sample_paths(policies: Iterable[Policy]) -> list[str]:
    """Request paths to ask about: each rule's own path and its edges (``+`` filled and
    empty, one segment more or less, a trailing ``/``), the same in other environments,
    and :data:`SYSTEM_PATHS`."""
    out: set[str] = set(SYSTEM_PATHS)
    for policy in policies:
        for rule in policy.rules:
            out.update(_edges(rule.path))
            for old, new in _OTHER_ENVS:
                if old in rule.path:
                    out.update(_edges(rule.path.replace(old, new)))
    return sorted(p for p in out if usable(p))


def _edges(rule_path: str) -> set[str]:
    pattern = Pattern.of(rule_path)
    key = pattern.key
    found = {rule_path, key, key + "/", key + "/x", "/" + key}
    if "/" in key:
        found.add(key.rsplit("/", 1)[0])
        found.add(key.rsplit("/", 1)[0] + "/")
    if pattern.kind is Kind.PREFIX:
        found |= {key + "x", key + "x/y", key.rstrip("/"), key[:-1]}
    elif pattern.kind is Kind.SEGMENT:
        stem = pattern.stem
        for fill in ("x", "", "+", "a/b"):
            filled = "/".join(fill if s == "+" else s for s in stem.split("/"))
            found |= {filled, filled + "/", filled + "x", filled + "x/y", filled + "/z"}
    return found


@dataclass
class Disagreement:
    what: str
    analyzer: object
    server: object

    def __str__(self) -> str:
        return f"{self.what}: analyzer {self.analyzer!r}, server {self.server!r}"


@dataclass
class Tally:
    """What was compared and where the two differed."""

    policies: int = 0
    accepted: int = 0
    tokens: int = 0
    cases: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    def agreement(self) -> float:
        total = self.policies + self.cases
        return 100.0 * (total - len(self.disagreements)) / total if total else 100.0


class ServerJudge:
    """Stores policies on the server, makes tokens holding them, asks sys/capabilities."""

    def __init__(self, root: hvac.Client, tag: str, flavour: Flavour = "openbao") -> None:
        self.root, self.tag, self.flavour = root, tag, flavour
        self._names: list[str] = []
        self._tokens: list[str] = []
        self._count = 0

    def store(self, text: str) -> tuple[str | None, str | None]:
        """(the stored name, None) or (None, the server's refusal)."""
        self._count += 1
        name = f"{NAME_PREFIX}-{self.tag}-{self._count}"
        try:
            self.root.sys.create_or_update_acl_policy(name, text)
        except (hvac.exceptions.VaultError, requests.ConnectionError) as exc:
            # A policy that makes the server panic drops the connection: refused too.
            return None, (str(exc).splitlines() or ["refused"])[0][:300]
        self._names.append(name)
        return name, None

    def capabilities(self, names: Sequence[str], paths: Sequence[str]) -> dict[str, list[str]]:
        token = self.root.auth.token.create(
            policies=list(names), no_default_policy=True, ttl="10m"
        )["auth"]["client_token"]
        self._tokens.append(token)
        answer = self.root.sys.get_capabilities(list(paths), token=token)["data"]
        return {p: answer[p] for p in paths}

    def close(self) -> None:
        for token in self._tokens:
            self.root.auth.token.revoke(token)
        for name in self._names:
            self.root.sys.delete_acl_policy(name)
        self._tokens.clear()
        self._names.clear()


def compare(
    judge: ServerJudge,
    groups: Sequence[Sequence[tuple[str, str]]],
    paths_for: object = None,
    extra_paths: Sequence[str] = (),
) -> Tally:
    """Each group is (label, policy text) pairs held together by one token. Every
    policy's accept/refuse is compared, then the accepted ones' capabilities on the
    sampled paths (:func:`sample_paths`, plus ``extra_paths``)."""
    tally = Tally()
    for group in groups:
        held: list[tuple[str, Policy]] = []
        for label, text in group:
            tally.policies += 1
            try:
                ours: Policy | None = parse_policy(text, label, flavour=judge.flavour)
                our_error = None
            except PolicyError as exc:
                ours, our_error = None, str(exc)
            name, refusal = judge.store(text)
            if (ours is None) != (name is None):
                tally.disagreements.append(
                    Disagreement(
                        f"{label}: accepts the policy",
                        our_error or "accepted",
                        refusal or "accepted",
                    )
                )
            if ours is not None and name is not None:
                tally.accepted += 1
                held.append((name, ours))
        if not held:
            continue
        paths = sorted({*sample_paths(p for _, p in held), *filter(usable, extra_paths)})
        server = judge.capabilities([n for n, _ in held], paths)
        tally.tokens += 1
        parsed = [p for _, p in held]
        for path in paths:
            tally.cases += 1
            mine = capabilities(parsed, path)
            if mine != server[path]:
                labels = "+".join(p.source for p in parsed)
                tally.disagreements.append(
                    Disagreement(f"{labels}: capabilities on {path!r}", mine, server[path])
                )
    return tally


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    repository: str
    source_path: str
    commit: str


def corpus() -> list[CorpusFile] | None:
    """The corpus files named in PROVENANCE.tsv, from ``$VAULT_GATE_POLICY_CORPUS`` or
    ``shared/policy_corpus`` beside the repository; None when neither is there. A file
    missing or not as recorded raises: a silently smaller
    corpus would be a weaker test."""
    folder = os.environ.get(CORPUS_ENV)
    if not folder:
        beside = SHARED_CORPUS if SHARED_CORPUS.is_dir() else None
        if beside is None:
            return None
        folder = str(beside)
    files = []
    with PROVENANCE.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            path = Path(folder) / row["file"]
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != row["sha256"]:
                raise ValueError(f"{path}: not the recorded file (sha256 differs)")
            files.append(CorpusFile(path, row["repository"], row["path"], row["commit"]))
    return files

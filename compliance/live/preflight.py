"""The connection, diagnosed once before any check: a server that cannot answer gets one
clear message, not twenty findings with misleading causes.

In order, each step only when the one before passed:

1. ``sys/health`` (unauthenticated): unreachable, wrong scheme (``http://`` to a TLS
   port, ``https://`` to a plain one), TLS trust, not a Vault at all, not initialised,
   sealed; a standby node whose ``sys/leader`` names no active node.
2. ``auth/token/lookup-self``: a token the server refuses (invalid, expired, revoked,
   or one that may not even look itself up).
3. Every read the checks will make for this layout, made once: each the server
   refuses (403) is listed, exactly, with the capability it needs. A 404 is fine
   here (a missing role or entry is the checks' finding).

Nothing is written: the reads are the checks' own (GET, LIST, and the one lookup
Vault serves as a POST, on the gate's own accessor).
"""

from __future__ import annotations

from dataclasses import dataclass

from vault_gate.compliance.live.client import Answer, ReadOnlyVault
from vault_gate.compliance.live.layout import (
    Layout,
    approle_mounts,
    entry_keys,
    read_mounts,
    resolve_paths,
)

# (kind, exit meaning): every kind is a connection problem (command exit status 3).
KINDS = (
    "unreachable", "wrong_scheme", "tls_trust", "not_vault", "not_initialised", "sealed",
    "no_leader", "standby_redirect", "token_refused", "token_lacks_reads",
)  # fmt: skip


@dataclass(frozen=True)
class ConnectionProblem:
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Need:
    """One read the checks make: operation, path, and whether the server wants sudo."""

    operation: str
    path: str
    why: str
    sudo: bool = False

    def shown(self) -> str:
        caps = self.operation + (", sudo" if self.sudo else "")
        return f"{caps} on {self.path} ({self.why})"


def _network(addr: str, answer: Answer) -> ConnectionProblem:
    error = answer.error
    if error.startswith("TLS: "):
        return ConnectionProblem("wrong_scheme", f"wrong scheme: {error[5:]}")
    if error.startswith("TLS verification failed"):
        return ConnectionProblem(
            "tls_trust",
            f"{error}: give the CA that signed the server's certificate (--ca-cert)",
        )
    return ConnectionProblem("unreachable", f"not reachable: {error}")


def _health(vault: ReadOnlyVault) -> ConnectionProblem | None:
    health = vault.read(
        "sys/health",
        {"standbyok": "true", "perfstandbyok": "true", "sealedcode": "200", "uninitcode": "200"},
        auth=False,
    )
    if health.status is None:
        return _network(vault.addr, health)
    leader = None
    leader_answers = True
    if health.body.get("standby") is True:
        answer = vault.read("sys/leader", auth=False)
        leader = answer.body if answer.ok else None
        address = (leader or {}).get("leader_address")
        if isinstance(address, str) and address.startswith(("http://", "https://")):
            # A standby keeps naming a dead leader for as long as no election succeeds.
            probe = ReadOnlyVault(address, None, verify=vault.verify, timeout=5)
            leader_answers = probe.read("sys/health", {"standbyok": "true"}, auth=False).ok
    return judge_health(health, leader, leader_answers)


def judge_health(
    health: Answer, leader: dict | None, leader_answers: bool = True
) -> ConnectionProblem | None:
    """The server's state from its ``sys/health`` answer (and, on a standby, ``sys/leader``'s
    and whether the leader it names answers): a pure function of what the servers said."""
    if "HTTPS server" in health.error:
        return ConnectionProblem(
            "wrong_scheme",
            "wrong scheme: the server speaks TLS on this port; use https://",
        )
    body = health.body
    if "initialized" not in body or "sealed" not in body:
        return ConnectionProblem(
            "not_vault",
            f"not a Vault/OpenBao API: sys/health answered HTTP {health.status} "
            f"without a health status",
        )
    if body.get("initialized") is False:
        return ConnectionProblem("not_initialised", "the server is not initialised (operator init)")
    if body.get("sealed") is True:
        return ConnectionProblem(
            "sealed", "the server is sealed: nothing can be read until it is unsealed"
        )
    if body.get("standby") is True and leader is not None:
        address = leader.get("leader_address")
        if not address:
            return ConnectionProblem(
                "no_leader",
                "a standby node with no active node (sys/leader names no leader): "
                "it cannot answer reads",
            )
        if not leader_answers:
            return ConnectionProblem(
                "no_leader",
                f"a standby node with no active node: the leader it names ({address}) does "
                "not answer and no other node has been elected; it cannot answer reads",
            )
    return None


def needs(vault: ReadOnlyVault, layout: Layout) -> list[Need]:
    """The reads the checks will make on this server for ``layout`` (see auditor.READS)."""
    out = [
        Need("read", "sys/audit", "audit devices", sudo=True),
        Need("read", "sys/mounts", "KV mounts and versions"),
        Need("read", "sys/config/state/sanitized", "listeners and storage"),
        Need("read", "sys/policies/acl/default", "the policies to judge"),
        Need("list", "auth/token/accessors", "root tokens left", sudo=True),
    ]
    if not layout.approle_mounts:
        out.append(Need("read", "sys/auth", "the AppRole mounts"))
    mounts_table, _ = read_mounts(vault)
    mounts, _ = approle_mounts(vault, layout)
    for mount in mounts:
        if layout.roles:
            out += [
                Need("read", f"auth/{mount}/role/{r}", "AppRole settings") for r in layout.roles
            ]
        else:
            out.append(Need("list", f"auth/{mount}/role", "the AppRole roles"))
    entries, _, _ = resolve_paths(layout.paths, mounts_table)
    keys = entry_keys(layout.keys, mounts_table)
    seen: set[str] = set()
    for entry in entries:
        if entry.version == 2:
            wanted = [
                Need("read", f"{entry.mount}/config", "KV versioning"),
                Need("list", entry.folder("metadata"), "the secret tree's names"),
                Need("read", entry.api("metadata"), "an entry's versions"),
            ]
            if keys.get((entry.mount, entry.logical)):
                wanted.append(Need("read", entry.api("subkeys"), "an entry's key names"))
        else:
            wanted = [Need("list", entry.folder(), "the secret tree's names (KV v1)")]
        for need in wanted:
            if need.path not in seen:
                seen.add(need.path)
                out.append(need)
    return out


def _ask(vault: ReadOnlyVault, need: Need) -> Answer:
    if need.operation == "list":
        return vault.list(need.path)
    return vault.read(need.path)


def diagnose(vault: ReadOnlyVault, layout: Layout) -> ConnectionProblem | None:
    """None when the checks can run; otherwise the one problem, in words. See the module doc."""
    problem = _health(vault)
    if problem is not None:
        return problem
    me = vault.read("auth/token/lookup-self")
    if me.status is None:
        return _network(vault.addr, me)
    if me.status in (401, 403):
        return ConnectionProblem(
            "token_refused",
            f"the token was refused (HTTP {me.status} on auth/token/lookup-self): "
            "it is invalid, expired or revoked, or it may not look itself up "
            "(the auditor policy grants read on auth/token/lookup-self)",
        )
    if me.status in (301, 302, 303, 307, 308):
        return ConnectionProblem(
            "standby_redirect",
            f"a standby node that redirects requests (HTTP {me.status}) instead of forwarding "
            "them: give --addr the active node or the cluster's address (live mode does not "
            "send its token where it was not told)",
        )
    if not me.ok:
        return ConnectionProblem("unreachable", f"auth/token/lookup-self answered {me.why}")
    lacking = []
    for need in needs(vault, layout):
        answer = _ask(vault, need)
        if answer.status is None:
            return _network(vault.addr, answer)
        if answer.denied:
            lacking.append(need)
    accessor = me.data.get("accessor")
    if isinstance(accessor, str) and accessor:
        lookup = vault.lookup_accessor(accessor)
        if lookup.denied:
            lacking.append(
                Need("update", "auth/token/lookup-accessor", "root tokens left (a lookup)")
            )
    if lacking:
        return ConnectionProblem(
            "token_lacks_reads",
            f"the token lacks {len(lacking)} of the auditor's reads: "
            + "; ".join(n.shown() for n in lacking)
            + " (grant them as vault/policies/auditor.hcl does)",
        )
    return None

"""Tokens: no root token left, and the gate's own token read-only.

Root tokens: ``auth/token/accessors`` (a list the server guards with sudo) names
every token's accessor, and ``auth/token/lookup-accessor`` says which hold the
``root`` policy. Where the profile wants the root token revoked, each one left is
a finding, named by its display name, creation time and the fingerprint of its
accessor (the accessor itself can revoke the token, so it is not printed).

The gate's token: ``auth/token/lookup-self`` names its policies; a root token, or
a policy that grants anything but the reads of live mode (the server's
``default`` policy does: cubbyhole writes, token renewal), is a finding, judged
by :func:`compliance.live.auditor.check_read_only_policy`; the app's values are
probed where they are served (KV v2: ``<mount>/data/<entry>``, not the logical path).
"""

from __future__ import annotations

from vault_gate.compliance.live.auditor import check_read_only_policy
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import Layout, read_mounts, resolve_paths
from vault_gate.compliance.live.policies import read_policy
from vault_gate.compliance.live.preflight import needs
from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import fingerprint

ROOT_CRITERION = "root_tokens"
GATE_CRITERION = "gate_token"
MAX_LOOKUPS = 5000


def check_root_tokens(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    listing = vault.list("auth/token/accessors")
    if not listing.ok:
        findings.append(listing.not_checked("root tokens left"))
        return CheckResult(ROOT_CRITERION, profile.name, tuple(evidence), tuple(findings))
    accessors = [a for a in listing.data.get("keys") or [] if isinstance(a, str)]
    roots: list[str] = []
    gone = 0
    for accessor in accessors[:MAX_LOOKUPS]:
        answer = vault.lookup_accessor(accessor)
        if answer.status == 400:  # expired or revoked between the list and the lookup
            gone += 1
            continue
        if not answer.ok:
            findings.append(answer.not_checked("root tokens left"))
            break
        data = answer.data
        if "root" in (data.get("policies") or []):
            roots.append(
                f"{data.get('display_name') or '?'} created {data.get('creation_time') or '?'} "
                f"accessor {fingerprint(accessor)}"
            )
    if len(accessors) > MAX_LOOKUPS:
        findings.append(
            f"not checked: {len(accessors) - MAX_LOOKUPS} of {len(accessors)} tokens "
            f"(only the first {MAX_LOOKUPS} are looked up)"
        )
    evidence.append(
        Evidence(
            "auth/token/accessors and auth/token/lookup-accessor",
            f"{len(accessors)} tokens ({gone} gone meanwhile), {len(roots)} with the root "
            f"policy{': ' + '; '.join(roots) if roots else ''} (this namespace only)",
        )
    )
    if profile.revoke_root_token:
        for root in roots:
            findings.append(f"a root token is left unrevoked in {profile.name}: {root}")
    return CheckResult(ROOT_CRITERION, profile.name, tuple(evidence), tuple(findings))


def value_paths(vault: ReadOnlyVault, layout: Layout) -> list[str]:
    """The request paths that return the app's values: on a KV v2 mount an entry's
    ``data/`` path (the logical path answers nothing there), on v1 the path itself.
    Unknown mounts (``sys/mounts`` not readable): both forms."""
    mounts, answer = read_mounts(vault)
    out: list[str] = []
    if not answer.ok:
        for path in layout.paths:
            head, _, rest = path.partition("/")
            out += [path, f"{head}/data/{rest}" if rest and not rest.startswith("data/") else path]
        return list(dict.fromkeys(out))
    entries, others, _ = resolve_paths(layout.paths, mounts)
    out += [e.api("data") if e.version == 2 else e.requested for e in entries]
    out += others
    placed = {e.requested for e in entries} | set(others)
    out += [p for p in layout.paths if p not in placed]
    return list(dict.fromkeys(out))


def check_gate_token(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    me = vault.read("auth/token/lookup-self")
    if not me.ok:
        return CheckResult(
            GATE_CRITERION,
            profile.name,
            (Evidence("auth/token/lookup-self", me.why),),
            (me.not_checked("the gate's own token"),),
        )
    data = me.data
    names = [p for p in data.get("policies") or [] if isinstance(p, str)]
    evidence = [
        Evidence(
            "auth/token/lookup-self",
            f"display_name={data.get('display_name')} policies={','.join(names)} "
            f"ttl={data.get('ttl')} type={data.get('type')}",
        )
    ]
    findings: list[str] = []
    if "root" in names:
        findings.append("the gate runs with a root token; give it the auditor's token")
    policies = []
    for name in names:
        if name == "root":
            continue
        policy, problem = read_policy(vault, name)
        if problem:
            findings.append(problem)
        elif policy is not None:
            policies.append(policy)
    judged = check_read_only_policy(
        policies,
        complete=False,
        environment=profile.name,
        reads=[(n.path + ("/" if n.operation == "list" else ""), n.operation, n.why)
               for n in needs(vault, layout)],
        values=value_paths(vault, layout),
    )  # fmt: skip
    findings += [f"the gate's token is not read-only: {f}" for f in judged.findings]
    return CheckResult(GATE_CRITERION, profile.name, (*evidence, *judged.evidence), tuple(findings))

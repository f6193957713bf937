"""What live mode reads, as data, and the judge of a policy meant for its token.

:data:`READS` lists every authenticated request the live checks make, with an
example path; ``vault/policies/auditor.hcl`` must grant each of them and nothing
else. :func:`check_read_only_policy` judges a policy (the file, or what the
server holds for the gate's token) with the sign-off's policy matcher
(:class:`vault_gate.compliance.policy.acl.Acl`, the server's own rules):

* no capability but read and list, and sudo only where the server demands it
  for a read (``sys/audit``, ``auth/token/accessors``); the one exception is
  ``update`` on ``auth/token/lookup-accessor``, a lookup Vault serves only as a POST;
* no rule that no live read needs;
* no secret value reachable: KV ``data/``, dynamic credentials, cubbyhole, raw storage;
* (``complete``) every read live mode makes is granted, or that check would only
  say "not checked".
"""

from __future__ import annotations

from collections.abc import Sequence

from vault_gate.compliance.live.client import LOOKUP_BY_POST
from vault_gate.compliance.policy.acl import DENY, Acl, Pattern, Policy
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "auditor_policy"
READ_CAPS = frozenset({"read", "list"})

# (example path as sys/capabilities is asked, capability, the check that reads it).
# The examples name no application: KV at any mount, AppRole at any auth mount.
READS: tuple[tuple[str, str, str], ...] = (
    ("sys/audit", "read", "audit devices"),
    ("sys/config/state/sanitized", "read", "listeners and storage"),
    ("sys/mounts", "read", "the KV mounts and their versions"),
    ("sys/auth", "read", "the AppRole auth mounts"),
    ("sys/policies/acl/my-app-production", "read", "the app's policies"),
    ("auth/approle/role/", "list", "the roles of an AppRole mount"),
    ("auth/approle/role/my-app-production", "read", "AppRole settings"),
    ("kv-prod/config", "read", "KV v2 versioning"),
    ("kv-prod/metadata/my-app/", "list", "the secret tree's names"),
    ("kv-prod/metadata/my-app/config", "read", "an entry's versions"),
    ("kv-prod/subkeys/my-app/config", "read", "an entry's key names"),
    ("auth/token/lookup-self", "read", "the gate's own token"),
    ("auth/token/accessors/", "list", "root tokens left"),
    (LOOKUP_BY_POST, "update", "root tokens left"),
)
# Reads made only where needed, and granted only by operators who want them: the
# identity entity of a role whose policies use identity templates (an AppRole alias is
# named by the role's role_id, so these reads show role_ids; hence not in auditor.hcl).
OPTIONAL_READS: tuple[tuple[str, str, str], ...] = (
    ("identity/entity-alias/id/", "list", "the role's entity (identity templates)"),
    ("identity/entity-alias/id/x", "read", "the role's entity (identity templates)"),
    ("identity/entity/id/x", "read", "the role's entity (identity templates)"),
    ("identity/group/id/x", "read", "the entity's groups (identity templates)"),
)
# Reads the server guards with sudo (PathsSpecial.Root in the server's source).
SUDO_NEEDED = ("sys/audit", "auth/token/accessors/")
# Paths whose answers hold secret values or credentials: never readable by the gate.
VALUE_PROBES = (
    "secret/data/my-app/production/config",
    "kv-prod/data/my-app/config",
    "kv-prod/data/other-app/x",
    "database/creds/my-app-production",
    "auth/approle/role/my-app-production/role-id",
    "auth/approle/role/my-app-production/secret-id",
    "cubbyhole/x",
    "sys/raw/core",
    "sys/wrapping/unwrap",
    "auth/token/create",
)


def _reads(example: str, pattern: Pattern) -> bool:
    """Whether a rule with ``pattern`` would decide a request to ``example``."""
    if pattern.kind.value == "exact":
        return pattern.key in (example, example.rstrip("/"))
    return (
        pattern.priority(example) is not None or pattern.priority(example.rstrip("/")) is not None
    )


def check_read_only_policy(
    policies: Sequence[Policy],
    *,
    complete: bool = True,
    environment: str = "-",
    reads: Sequence[tuple[str, str, str]] = (),
    values: Sequence[str] = (),
) -> CheckResult:
    """Judge ``policies`` as the live-mode auditor's: see the module doc. ``reads`` adds
    the reads one layout needs (a KV v1 folder's listing), ``values`` its own paths
    holding values (which must stay unreadable)."""
    all_reads = (*READS, *OPTIONAL_READS, *reads)
    findings: list[str] = []
    evidence = [
        Evidence(f"policy {p.source}", "; ".join(r.stanza() for r in p.rules) or "no rules")
        for p in policies
    ]
    acl = Acl(policies)
    reached = {p: acl.capabilities(p) for p in dict.fromkeys((*VALUE_PROBES, *values))}
    # Each value path is charged to the rule the server applies there: one finding per
    # rule, listing every way it is wrong (a rule is one fact to fix).
    holding: dict[Pattern, list[str]] = {}
    for path, caps in reached.items():
        if caps != [DENY] and set(caps) - {"list"}:  # a listing names, it holds no value
            grant = acl.resolve(path)
            if grant is not None:
                holding.setdefault(grant.pattern, []).append(f"{path} ({', '.join(caps)})")
    for policy in policies:
        for rule in policy.rules:
            if rule.is_deny:
                continue
            pattern = Pattern.of(rule.path)
            problems: list[str] = []
            extra = set(rule.grants) - READ_CAPS - {"sudo"}
            if (
                extra == {"update"}
                and pattern.kind.value == "exact"
                and pattern.key == LOOKUP_BY_POST
            ):
                extra = set()
            if extra:
                problems.append(f"grants {', '.join(sorted(extra))}: the gate only reads")
            if "sudo" in rule.grants and not any(_reads(p, pattern) for p in SUDO_NEEDED):
                problems.append("grants sudo where no live read needs it")
            if not any(_reads(path, pattern) for path, _, _ in all_reads):
                problems.append("live mode never reads there")
            values_here = holding.pop(pattern, [])
            if values_here:
                problems.append(f"reaches secret values: {', '.join(values_here)}")
            if problems:
                findings.append(f'{rule.source}: path "{rule.path}" ' + "; ".join(problems))
    evidence.append(
        Evidence(
            "paths holding values or credentials",
            "; ".join(f"{p}={','.join(c)}" for p, c in reached.items()),
        )
    )
    if complete:
        granted = []
        for path, cap, why in READS:
            caps = acl.capabilities(path)
            granted.append(f"{path}={','.join(caps)}")
            if cap not in caps:
                findings.append(f"{cap} on {path} is not granted: {why} would not be checked")
            if path in SUDO_NEEDED and "sudo" not in caps:
                findings.append(f"{path} needs sudo to be read: {why} would not be checked")
        evidence.append(Evidence("the reads live mode makes", "; ".join(granted)))
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))

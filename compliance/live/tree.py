"""The plan's secret tree complete for the environment: names only, never values.

``<mount>/metadata/<prefix>/`` (list) names the entries; each entry's metadata says
whether its current version is deleted or destroyed; ``<mount>/subkeys/<path>``
names the keys an entry holds with every value replaced by null (Vault 1.10+ and
OpenBao). No ``data/`` path is ever read: the auditor policy does not grant one.
"""

from __future__ import annotations

from compliance.live.client import ReadOnlyVault
from compliance.live.spec import LiveSpec
from compliance.migrated import CRITERION
from compliance.result import CheckResult, Evidence


def check_tree(vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    profile = spec.profile
    mount, prefix = spec.kv_mount, spec.kv_prefix
    evidence: list[Evidence] = []
    findings: list[str] = []
    if not spec.entries:
        findings.append("no entries to look for: the target names no KV paths")
    listing = vault.list(f"{mount}/metadata/{prefix}")
    if listing.ok:
        names = [k for k in listing.data.get("keys") or [] if isinstance(k, str)]
        evidence.append(Evidence(f"{mount}/metadata/{prefix}/", ", ".join(names) or "empty"))
    elif listing.missing:
        names = []
        evidence.append(Evidence(f"{mount}/metadata/{prefix}/", "does not exist"))
    else:
        findings.append(listing.not_checked(f"the secret tree {mount}/{prefix}/"))
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
    for entry, keys in spec.entries.items():
        path = f"{prefix}/{entry}"
        if entry not in names:
            findings.append(f"{mount}/{path} is missing from the {profile.name} tree")
            continue
        meta = vault.read(f"{mount}/metadata/{path}")
        if not meta.ok:
            findings.append(meta.not_checked(f"the state of {mount}/{path}"))
            continue
        current = str(meta.data.get("current_version", ""))
        version = (meta.data.get("versions") or {}).get(current) or {}
        state = (
            "destroyed"
            if version.get("destroyed")
            else ("deleted" if version.get("deletion_time") else "live")
        )
        found = f"current version {current or '?'} {state}"
        if state != "live":
            findings.append(f"{mount}/{path}: its current version is {state}")
        if keys:
            sub = vault.read(f"{mount}/subkeys/{path}")
            if sub.ok:
                have = sorted(k for k in (sub.data.get("subkeys") or {}) if isinstance(k, str))
                found += f"; keys: {', '.join(have) or 'none'}"
                for key in keys:
                    if key not in have:
                        findings.append(f"{mount}/{path}: key {key!r} is missing")
            else:
                findings.append(sub.not_checked(f"key names of {mount}/{path}"))
        evidence.append(Evidence(f"{mount}/metadata/{path}", found))
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

"""The app's entries present in the environment: names only, never values.

Each of the layout's KV paths, on whatever mount the server has it: on KV v2 the
folder's ``metadata/`` listing names the entries, each entry's metadata says
whether its current version is deleted or destroyed, and ``subkeys/`` names the
keys it holds with every value replaced by null (Vault 1.10+ and OpenBao). On KV
v1 the folder's listing names the entries; key names cannot be known without
reading the values, so they are not looked for (the evidence says so). No value
is ever read: the auditor policy grants no ``data/`` path.
"""

from __future__ import annotations

from vault_gate.compliance.checks.migrated import CRITERION
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import (
    KvEntry,
    Layout,
    entry_keys,
    read_mounts,
    resolve_paths,
)
from vault_gate.compliance.result import CheckResult, Evidence


def check_tree(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    if not layout.paths:
        findings.append(
            "not checked: no app paths named (--vault-path or the target's vault_paths), "
            "so there is no tree to look for"
        )
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
    mounts, answer = read_mounts(vault)
    if not answer.ok:
        findings.append(answer.not_checked("the mounts the app's paths lie on"))
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
    entries, others, problems = resolve_paths(layout.paths, mounts)
    keys = entry_keys(layout.keys, mounts)
    findings += problems
    if others:
        evidence.append(Evidence("not KV (judged by the policies only)", ", ".join(others)))
    listings: dict[str, list[str] | None] = {}
    for entry in entries:
        folder = entry.folder("metadata")
        if folder not in listings:
            listing = vault.list(folder)
            if listing.ok:
                listings[folder] = [k for k in listing.data.get("keys") or [] if isinstance(k, str)]
            elif listing.missing:
                listings[folder] = []
            else:
                findings.append(listing.not_checked(f"the entries of {folder}/"))
                listings[folder] = None
            names = listings[folder]
            shown = "not listed" if names is None else (", ".join(names) or "empty")
            evidence.append(Evidence(f"{folder}/", shown))
        names = listings[folder]
        if names is None:
            continue
        if entry.name not in names:
            findings.append(f"{entry.shown} is missing from the {profile.name} tree")
            continue
        wanted = keys.get((entry.mount, entry.logical), ())
        if entry.version == 2:
            _judge_v2_entry(vault, entry, wanted, evidence, findings)
        elif wanted:
            evidence.append(
                Evidence(entry.shown, "KV v1: present; key names not looked for "
                         "(only a read of the value would show them)")
            )  # fmt: skip
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))


def _judge_v2_entry(
    vault: ReadOnlyVault,
    entry: KvEntry,
    keys: tuple[str, ...],
    evidence: list[Evidence],
    findings: list[str],
) -> None:
    meta = vault.read(entry.api("metadata"))
    if not meta.ok:
        findings.append(meta.not_checked(f"the state of {entry.shown}"))
        return
    current = str(meta.data.get("current_version", ""))
    version = (meta.data.get("versions") or {}).get(current) or {}
    state = (
        "destroyed"
        if version.get("destroyed")
        else ("deleted" if version.get("deletion_time") else "live")
    )
    found = f"current version {current or '?'} {state}"
    if state != "live":
        findings.append(f"{entry.shown}: its current version is {state}")
    if keys:
        sub = vault.read(entry.api("subkeys"))
        if sub.ok:
            have = sorted(k for k in (sub.data.get("subkeys") or {}) if isinstance(k, str))
            found += f"; keys: {', '.join(have) or 'none'}"
            for key in keys:
                if key not in have:
                    findings.append(f"{entry.shown}: key {key!r} is missing")
        else:
            findings.append(sub.not_checked(f"key names of {entry.shown}"))
    evidence.append(Evidence(entry.api("metadata"), found))

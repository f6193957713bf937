"""Versioning on the KV mounts that hold the app's entries, each judged for what it is.

Rotation (the plan's phase 4) relies on the previous version staying readable for
a grace window and for a rollback. On a KV v2 mount ``<mount>/config`` holds
``max_versions`` (0: the default, 10) and ``delete_version_after`` (0: never); each
entry's metadata may override both (0: the mount's value); the effective values
are judged against the profile. A KV v1 mount keeps one value per path: no
versions, no rollback, and rotation cannot keep the previous value, which is the
finding (its entries are still judged present by the tree check).

The mounts are the ones the layout's paths lie on, found in ``sys/mounts`` at any
path; a layout that names no path has every KV mount of the server judged.
"""

from __future__ import annotations

from typing import Any

from vault_gate.compliance.live.approle import seconds
from vault_gate.compliance.live.client import ReadOnlyVault
from vault_gate.compliance.live.layout import (
    KvEntry,
    Layout,
    kv_version,
    read_mounts,
    resolve_paths,
)
from vault_gate.compliance.result import CheckResult, Evidence

CRITERION = "kv_versioning"
DEFAULT_MAX_VERSIONS = 10


def _duration(value: Any) -> int | None:
    try:
        return seconds(value or 0)
    except ValueError:
        return None


def check_kv(vault: ReadOnlyVault, layout: Layout) -> CheckResult:
    profile = layout.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    mounts, answer = read_mounts(vault)
    if not answer.ok:
        findings.append(answer.not_checked("the KV mounts' types"))
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
    entries, _, problems = resolve_paths(layout.paths, mounts)
    findings += problems
    if layout.paths:
        judged = {e.mount: e.version for e in entries}
        if not judged:
            evidence.append(Evidence("the app's paths", "none on a KV mount: nothing to version"))
    else:
        judged = {
            m.rstrip("/"): v for m, info in mounts.items() if (v := kv_version(info)) is not None
        }
        evidence.append(
            Evidence("sys/mounts", "no app paths named: every KV mount judged: "
                     + (", ".join(f"{m}/ (v{v})" for m, v in judged.items()) or "none"))
        )  # fmt: skip
        if not judged:
            findings.append("no KV mount on the server (sys/mounts) and no app path named")
    for mount, version in judged.items():
        info = mounts.get(mount + "/", {})
        evidence.append(
            Evidence(f"sys/mounts {mount}/", f"type={info.get('type')} version={version}")
        )
        if version == 1:
            findings.append(
                f"{mount}/ is KV v1: no versions and no rollback, so rotation cannot keep "
                "the previous value for a grace window; use KV v2"
            )
            continue
        _judge_v2(vault, layout, mount, [e for e in entries if e.mount == mount], evidence,
                  findings)  # fmt: skip
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))


def _judge_v2(
    vault: ReadOnlyVault,
    layout: Layout,
    mount: str,
    entries: list[KvEntry],
    evidence: list[Evidence],
    findings: list[str],
) -> None:
    profile = layout.profile
    wanted = profile.kv
    config = vault.read(f"{mount}/config")
    if not config.ok:
        findings.append(config.not_checked(f"{mount}/ versioning settings"))
        return
    mount_max = int(config.data.get("max_versions") or 0)
    mount_after = _duration(config.data.get("delete_version_after"))
    evidence.append(
        Evidence(
            f"{mount}/config",
            f"max_versions={mount_max or f'0 (default {DEFAULT_MAX_VERSIONS})'} "
            f"delete_version_after={config.data.get('delete_version_after')}",
        )
    )
    places: list[tuple[str, int, int | None]] = [(f"{mount}/config", mount_max, mount_after)]
    for entry in entries:
        path = entry.api("metadata")
        meta = vault.read(path)
        if not meta.ok:
            if not meta.missing:  # a missing entry is the secret tree check's finding
                findings.append(meta.not_checked(f"versioning of {entry.shown}"))
            continue
        own_max = int(meta.data.get("max_versions") or 0)
        own_after = _duration(meta.data.get("delete_version_after"))
        places.append((path, own_max or mount_max, own_after or mount_after))
        evidence.append(
            Evidence(
                path,
                f"max_versions={own_max} delete_version_after="
                f"{meta.data.get('delete_version_after')}",
            )
        )
    least_after = seconds(wanted.min_delete_version_after)
    for where, max_versions, after in places:
        effective = max_versions or DEFAULT_MAX_VERSIONS
        if effective < wanted.min_versions:
            findings.append(
                f"{where}: keeps {effective} version(s); {profile.name} needs at least "
                f"{wanted.min_versions} (the previous one, for the rotation grace window)"
            )
        if after is None:
            findings.append(f"{where}: delete_version_after is not a duration")
        elif 0 < after < least_after:
            findings.append(
                f"{where}: versions are deleted after {after}s, sooner than "
                f"{profile.name}'s {wanted.min_delete_version_after}"
            )

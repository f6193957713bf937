"""KV v2 versioning on the app's mount: versions kept, and not deleted too soon.

Rotation (the plan's phase 4) relies on the previous version staying readable for
a grace window and for a rollback. ``sys/mounts`` says whether the mount is KV v2;
``<mount>/config`` holds ``max_versions`` (0: the default, 10) and
``delete_version_after`` (0: never); each secret's metadata may override both
(0: the mount's value). The effective values are judged against the profile.
"""

from __future__ import annotations

from typing import Any

from compliance.live.approle import seconds
from compliance.live.client import ReadOnlyVault
from compliance.live.spec import LiveSpec
from compliance.result import CheckResult, Evidence

CRITERION = "kv_versioning"
DEFAULT_MAX_VERSIONS = 10


def _duration(value: Any) -> int | None:
    try:
        return seconds(value or 0)
    except ValueError:
        return None


def check_kv(vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    profile = spec.profile
    wanted = profile.kv
    mount = spec.kv_mount
    evidence: list[Evidence] = []
    findings: list[str] = []
    mounts = vault.read("sys/mounts")
    if not mounts.ok:
        findings.append(mounts.not_checked(f"the {mount}/ mount's type"))
    else:
        info = mounts.data.get(f"{mount}/") or mounts.body.get(f"{mount}/")
        if not isinstance(info, dict):
            findings.append(f"no secrets engine is mounted at {mount}/")
            return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
        version = (info.get("options") or {}).get("version")
        evidence.append(
            Evidence("sys/mounts", f"{mount}/ type={info.get('type')} version={version}")
        )
        if info.get("type") != "kv" or str(version) != "2":
            findings.append(f"{mount}/ is not KV v2 (type {info.get('type')}, version {version}): "
                            "no versions to roll back to")  # fmt: skip
            return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

    config = vault.read(f"{mount}/config")
    if not config.ok:
        findings.append(config.not_checked(f"{mount}/ versioning settings"))
        return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))
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
    for entry in spec.entries:
        path = f"{mount}/metadata/{spec.kv_prefix}/{entry}"
        meta = vault.read(path)
        if not meta.ok:
            if not meta.missing:  # a missing entry is the secret tree check's finding
                findings.append(meta.not_checked(f"versioning of {entry}"))
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
    return CheckResult(CRITERION, profile.name, tuple(evidence), tuple(findings))

"""The app's policy and every policy attached to its AppRole, read from the server and
judged by the sign-off's least-privilege check.

The policies are read as the server stores them (``sys/policies/acl/<name>``),
parsed with :func:`compliance.policy.parse_policy` (a capability this code does not
know, from a newer server, is a finding saying the policy could not be judged) and
judged with :func:`compliance.policy.check_least_privilege` for the environment.
``root`` attached to the role is a finding of its own. The server's built-in
``default`` policy (token self-service) is named in the evidence, not judged here.
"""

from __future__ import annotations

from compliance.live.approle import read_role, role_policies
from compliance.live.client import ReadOnlyVault
from compliance.live.spec import LiveSpec
from compliance.policy import CRITERION, Policy, PolicyError, check_least_privilege, parse_policy
from compliance.result import CheckResult, Evidence

BUILT_IN = ("default",)


def read_policy(vault: ReadOnlyVault, name: str) -> tuple[Policy | None, str | None]:
    """(the parsed policy, None) or (None, the finding why it could not be judged)."""
    answer = vault.read(f"sys/policies/acl/{name}")
    if not answer.ok:
        if answer.missing:
            return None, f"policy {name} is attached but does not exist on the server"
        return None, answer.not_checked(f"policy {name}")
    return policy_from_answer(name, answer.data.get("policy"))


def policy_from_answer(name: str, text: object) -> tuple[Policy | None, str | None]:
    """Parse the policy text the server answered; what this code cannot read (a
    capability a newer server added, a malformed answer) is a finding, not a guess."""
    if not isinstance(text, str):
        return None, f"not checked: policy {name}: the server's answer holds no policy text"
    try:
        return parse_policy(text, f"sys/policies/acl/{name}"), None
    except PolicyError as exc:
        return None, f"not checked: policy {name} could not be judged: {exc}"


def check_policies(vault: ReadOnlyVault, spec: LiveSpec) -> CheckResult:
    profile = spec.profile
    evidence: list[Evidence] = []
    findings: list[str] = []
    names = [spec.app_policy]
    role = read_role(vault, spec)
    if role.ok:
        attached = role_policies(role.data)
        evidence.append(
            Evidence(
                f"policies attached to AppRole {spec.approle}",
                ", ".join(attached) or "none",
            )
        )
        names += [n for n in attached if n not in names]
    else:
        findings.append(role.not_checked(f"policies attached to AppRole {spec.approle}"))
    if "root" in names:
        findings.append(f"AppRole {spec.approle} hands out the root policy")
    policies: list[Policy] = []
    for name in names:
        if name in (*BUILT_IN, "root"):
            continue
        policy, problem = read_policy(vault, name)
        if problem:
            findings.append(problem)
        elif policy is not None:
            policies.append(policy)
    judged = check_least_privilege(policies, profile)
    return CheckResult(
        CRITERION,
        profile.name,
        (*evidence, *judged.evidence),
        (*findings, *judged.findings),
    )

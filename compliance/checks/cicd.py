"""Criterion "CI/CD workflows updated".

The plan's phase 3 asks the workflows to "add Vault authentication" and "fetch secrets
during deployment". Updated means, checked on the workflow files themselves:

* at least one workflow authenticates to Vault by a method that needs no stored
  Vault token (AppRole, or JWT/OIDC), e.g. ``hashicorp/vault-action`` with
  ``method: jwt``, or a call to ``/v1/auth/<approle|jwt...>/login``;
* no workflow authenticates with a static token (``method: token``, a ``VAULT_TOKEN``
  set in the workflow): that is the plan's root-token-in-a-file mistake again;
* no workflow holds a secret literal (the repository scan's detectors, and the
  environment's known values). References such as ``${{ secrets.X }}`` are not literals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from vault_gate.compliance.result import CheckResult, Evidence
from vault_gate.compliance.secret import Secret

CRITERION = "cicd_updated"
VAULT_ACTION = re.compile(r"^hashicorp/vault-action@", re.IGNORECASE)
TOKENLESS_METHODS = {"approle", "jwt", "oidc", "kubernetes", "github"}
LOGIN_URL = re.compile(r"/v1/auth/([\w\-]+)(?:/[\w\-]+)*/login\b")
CLI_LOGIN = re.compile(r"\b(vault|bao)\s+(login|write\s+auth/[\w\-/]+/login)\b.*-method=(\w+)")


def check_cicd_updated(
    workflows: Sequence[Path], environment: str, *, known_values: Sequence[Secret] = ()
) -> CheckResult:
    """Judge the workflow files (``.github/workflows/*.yml``) for one environment."""
    from vault_gate.compliance.scan.repo import (
        scan_paths,
    )  # the repository scan owns secret detection

    evidence: list[Evidence] = []
    findings: list[str] = []
    authenticating: list[str] = []
    if not workflows:
        findings.append("no CI/CD workflow files found")
    for file in workflows:
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            findings.append(f"{file}: not readable as YAML ({type(exc).__name__})")
            continue
        methods, static = _vault_auth(doc)
        evidence.append(
            Evidence(
                str(file),
                f"Vault authentication: {', '.join(sorted(methods)) or 'none'}"
                + (f"; static token: {', '.join(static)}" if static else ""),
            )
        )
        if methods & TOKENLESS_METHODS:
            authenticating.append(file.name)
        for where in static:
            findings.append(f"{file}: authenticates with a static Vault token ({where})")
    if workflows and not authenticating:
        findings.append(
            "no workflow authenticates to Vault with AppRole or JWT/OIDC "
            "(hashicorp/vault-action or an auth/<method>/login call)"
        )
    if workflows:
        leaks = scan_paths(list(workflows), known_values=known_values)
        evidence.append(Evidence("secret scan of the workflow files", f"{len(leaks)} finding(s)"))
        for leak in leaks:
            findings.append(
                f"{leak.path}:{leak.line}: secret literal in a workflow: {leak.kind} "
                f"({leak.fingerprint})"
            )
    return CheckResult(CRITERION, environment, tuple(evidence), tuple(findings))


def _vault_auth(doc: Any) -> tuple[set[str], list[str]]:
    """(auth methods used, places where a static token is used) in one workflow."""
    methods: set[str] = set()
    static: list[str] = []
    env_blocks: list[tuple[str, Any]] = [("workflow", (doc or {}).get("env") or {})]
    for job_name, job in ((doc or {}).get("jobs") or {}).items():
        env_blocks.append((f"job {job_name}", job.get("env") or {}))
        for i, step in enumerate(job.get("steps") or []):
            label = f"job {job_name} step {step.get('name') or i + 1}"
            env_blocks.append((label, step.get("env") or {}))
            uses = str(step.get("uses") or "")
            if VAULT_ACTION.match(uses):
                with_ = step.get("with") or {}
                method = str(with_.get("method") or "token").lower()
                methods.add(method)
                if method == "token":
                    static.append(f"{label}: vault-action with method token")
            run = str(step.get("run") or "")
            methods.update(m.lower() for m in LOGIN_URL.findall(run))
            for match in CLI_LOGIN.finditer(run):
                methods.add(match.group(3).lower())
                if match.group(3).lower() == "token":
                    static.append(f"{label}: CLI login with a token")
    for label, env in env_blocks:
        for name in ("VAULT_TOKEN", "BAO_TOKEN"):
            if name in env:
                static.append(f"{label}: sets {name}")
    return methods, static

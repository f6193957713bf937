"""compliance.checks.cicd: the deploy workflow passes; known-bad workflows fail for their reason."""

from __future__ import annotations

from pathlib import Path

from vault_gate.compliance.checks.cicd import check_cicd_updated
from vault_gate.compliance.secret import Secret, assert_no_leak

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"


def _workflow(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "deploy.yml"
    path.write_text(body)
    return path


def test_the_deploy_workflow_passes() -> None:
    result = check_cicd_updated([DEPLOY], "prod")
    assert result.passed, result.explain()
    assert "Vault authentication: jwt" in result.explain()


def test_no_workflow_at_all_fails() -> None:
    assert check_cicd_updated([], "prod").findings == ("no CI/CD workflow files found",)


def test_a_workflow_without_vault_fails(tmp_path: Path) -> None:
    wf = _workflow(
        tmp_path, "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: make\n"
    )
    [finding] = check_cicd_updated([wf], "dev").findings
    assert finding.startswith("no workflow authenticates to Vault with AppRole or JWT/OIDC")


def test_a_static_token_fails(tmp_path: Path) -> None:
    wf = _workflow(
        tmp_path,
        "on: push\njobs:\n  d:\n    runs-on: x\n"
        "    env:\n      VAULT_TOKEN: ${{ secrets.VAULT_TOKEN }}\n"
        "    steps:\n      - uses: hashicorp/vault-action@v3\n"
        "        with:\n          method: token\n"
        "          token: ${{ secrets.VAULT_TOKEN }}\n",
    )
    findings = check_cicd_updated([wf], "prod").findings
    assert any("vault-action with method token" in f for f in findings)
    assert any("job d: sets VAULT_TOKEN" in f for f in findings)


def test_a_secret_literal_fails_and_is_not_printed(tmp_path: Path) -> None:
    token = "hvs." + "AbCdEfGhIjKlMnOpQrStUvWx12"
    wf = _workflow(
        tmp_path,
        "on: push\njobs:\n  d:\n    runs-on: x\n"
        "    steps:\n      - uses: hashicorp/vault-action@v3\n"
        "        with:\n          method: approle\n          roleId: abc\n"
        f"      - run: curl -H 'X-Vault-Token: {token}' https://vault/v1/secret/data/x\n",
    )
    result = check_cicd_updated([wf], "prod", known_values=[Secret(token)])
    assert any("secret literal in a workflow" in f for f in result.findings), result.explain()
    assert_no_leak(result.explain(), [Secret(token)], "the check's explanation")


def test_approle_login_by_curl_counts(tmp_path: Path) -> None:
    wf = _workflow(
        tmp_path,
        "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n"
        "      - run: curl -X POST $VAULT_ADDR/v1/auth/approle/login -d @login.json\n",
    )
    result = check_cicd_updated([wf], "dev")
    assert result.passed, result.explain()

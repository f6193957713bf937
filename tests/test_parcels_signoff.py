"""The sign-off on the third sample application (sample_apps/parcels), and on flawed copies.

parcels is described with the target keys added for applications written outside this
project (a DSN-taking set-up, a stdin seed, a roles SQL template, policy templates read
back from the server, one key_version number, its own audit device, grace from
version_created, a bare-list answer). It passes clean; each flawed copy fails exactly
the criterion its flaw breaks, with evidence that names the flaw. One more copy logs its
database DSN: the leak is found, and no file of the report folder holds the password.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import signoff_copies as sc

ROOT = Path(__file__).resolve().parent.parent
PARCELS = ROOT / "sample_apps" / "parcels"
ENVS = sc.ENVS
PARTNER_KEY = "pk_9f8Kq2LmZx7Rt4Vw1Ny6Bc3D"  # a made-up key of a secret's shape


def _copy(tmp_path: Path, flaw: Callable[[Path], None] | None) -> Path:
    return sc.copy_app(PARCELS, tmp_path, flaw)


def _sub(path: Path, pattern: str, replacement: str) -> None:
    sc.sub(path, pattern, replacement, literal=True)


def _secret_literal_in_env(repo: Path) -> None:
    """The deployment passes a partner API key to the app as a literal."""
    _sub(repo / "target.toml", r'PARCELS_CACHE_TTL_S = \{ value = "1" \}',
         f'PARCELS_CACHE_TTL_S = {{ value = "1" }}, PARCELS_PARTNER_KEY = '
         f'{{ value = "{PARTNER_KEY}" }}')  # fmt: skip


def _no_audit_device_in_prod(repo: Path) -> None:
    """prod's server config declares no audit device (its listener stanza only)."""
    text = (repo / "deploy" / "openbao-prod.hcl").read_text()
    (repo / "deploy" / "openbao-prod.hcl").write_text(text[text.index('listener "tcp"') :])


def _raw_audit_in_prod(repo: Path) -> None:
    _sub(repo / "deploy" / "openbao-prod.hcl", r'log_raw\s*=\s*"false"', 'log_raw   = "true"')


def _admin_password_never_rotated(repo: Path) -> None:
    _sub(repo / "vault" / "setup.sh", r'^  bao write -f "db/rotate-root/\$role".*$',
         "  : # the admin password is left as handed over")  # fmt: skip


def _database_open_to_every_stage(repo: Path) -> None:
    """The roles template no longer takes CONNECT away from PUBLIC: every stage's
    logins may connect to every stage's database."""
    _sub(repo / "db" / "roles.tmpl.sql", r"^SELECT format\('REVOKE ALL ON DATABASE.*$",
         "-- CONNECT left to PUBLIC")  # fmt: skip


def _cross_environment_policy(repo: Path) -> None:
    """The policy template grants every stage's keys to each stage's app."""
    with (repo / "vault" / "policies" / "parcels-app.tmpl.hcl").open("a") as fh:
        fh.write('\npath "kv-parcels/data/*" {\n  capabilities = ["read"]\n}\n')


@pytest.mark.servers
def test_parcels_passes_clean(tmp_path: Path) -> None:
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, None))
    assert code == 0, out
    assert data["target"] == "parcels" and data["passed"] is True
    assert all(s == "pass" for cells in sc.cells(data).values() for s in cells.values())


# flaw -> (apply, criterion, words in a finding, environments that must fail)
FLAWS = {
    "a secret literal passed through the environment": (
        _secret_literal_in_env, "no_secrets_in_env", "PARCELS_PARTNER_KEY", ENVS,
    ),
    "no audit device declared for prod": (
        _no_audit_device_in_prod, "audit_enabled", "no audit device is declared", ("prod",),
    ),
    "raw audit logging in prod": (_raw_audit_in_prod, "audit_enabled", "log_raw", ("prod",)),
    "a set-up that never rotates the admin password": (
        _admin_password_never_rotated, "least_privilege", "never had Vault rotate it", ENVS,
    ),
    "a database open to every stage's logins": (
        _database_open_to_every_stage, "least_privilege", "reached", ENVS,
    ),
    "a cross-environment policy template": (
        _cross_environment_policy, "least_privilege", 'path "kv-parcels/data/*"', ENVS,
    ),
}  # fmt: skip


@pytest.mark.servers
@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_flawed_copy_fails_exactly_its_criterion(tmp_path: Path, flaw: str) -> None:
    apply, criterion, says, failing_envs = FLAWS[flaw]
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, apply))
    assert code == 1, out
    cells = sc.cells(data)
    failing = {c for c, by_env in cells.items() if any(s != "pass" for s in by_env.values())}
    assert failing == {criterion}, (flaw, cells)
    for env in failing_envs:
        assert cells[criterion][env] == "fail", (flaw, env, cells[criterion])
        assert any(says in f for f in sc.findings(data, criterion, env)), (
            flaw, env, sc.findings(data, criterion, env),
        )  # fmt: skip
    report = (tmp_path / "reports").rglob("*")
    assert not any(PARTNER_KEY in p.read_text(errors="replace") for p in report if p.is_file())


def _logs_its_dsn(dump: Path) -> Callable[[Path], None]:
    """The app logs its database DSN, password and all; it also appends each password to
    ``dump`` (outside the report) so that the test knows what to look for."""

    def apply(repo: Path) -> None:
        _sub(
            repo / "parcels" / "store.py",
            r'^        log\.info\("connected to database %s as %s".*$',
            '        dsn = (f"postgresql://{self._login.username}:{self._login.password}@"\n'
            "               f\"{settings['db_host']}:{settings['db_port']}/\"\n"
            "               f\"{settings['db_name']}\")\n"
            '        log.info("connected: %s", dsn)\n'
            f'        with open({str(dump)!r}, "a") as fh:\n'
            '            fh.write(self._login.password + "\\n")',
        )

    return apply


@pytest.mark.servers
def test_an_app_that_logs_its_dsn_leaves_no_password_in_the_report(tmp_path: Path) -> None:
    dump = tmp_path / "issued-passwords"
    code, data, out = sc.signoff(tmp_path, _copy(tmp_path, _logs_its_dsn(dump)))
    passwords = [p for p in dump.read_text().split() if p]
    assert passwords, "the flawed app logged no DSN"
    assert code == 1, out
    findings = [f for env in ENVS for f in sc.findings(data, "no_secrets_in_repo", env)]
    assert any("log" in f for f in findings), findings  # the leak itself is found
    kept = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert any(p.parent.name == "evidence" for p in kept)
    for path in kept:
        text = path.read_text(errors="replace")
        assert not any(p in text for p in passwords), f"{path} holds an issued password"
    assert not any(p in out for p in passwords)

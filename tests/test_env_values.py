"""no_secrets_in_env judges the values a deployment passes as literals ([app.env]), not
only their names: a literal that looks like a secret (a known credential format, a long
random string, a URL with a password, a secret-like name with a real value) fails,
whatever the allow list says of its name; configuration literals pass. A real process
is judged (this test's own child), through /proc as the sign-off does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vault_gate.compliance.checks.environment import (
    DEFAULT_ALLOW,
    check_no_secrets_in_env,
    value_finding,
)

SECRETS = {
    "a known credential format": ("PARTNER", "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"),
    "a long random string": ("PARCELS_PARTNER_KEY", "pk_9f8Kq2LmZx7Rt4Vw1Ny6Bc3D"),
    "a URL with a password": ("UPSTREAM", "https://svc:Qw7pL2xR9vK4@api.internal.test/"),
    "a secret-like name with a real value": ("APP_API_TOKEN", "partner-shared-2024"),
}
CONFIG = {
    "a number": ("PARCELS_CACHE_TTL_S", "1"),
    "a region": ("REGION", "db-replica-2-eu-west-1-prod"),
    "a build id": ("APP_BUILD", "2024.12.07-3f9a2c1"),
    "a key id": ("PARCELS_KEY_ID", "v1"),
    "a placeholder": ("APP_SECRET", "${APP_SECRET}"),
}


@pytest.mark.parametrize("case", sorted(SECRETS))
def test_a_secret_looking_literal_is_a_finding(case: str) -> None:
    name, value = SECRETS[case]
    why = value_finding(name, value.encode())
    assert why is not None and name in why and value not in why


@pytest.mark.parametrize("case", sorted(CONFIG))
def test_a_configuration_literal_is_not(case: str) -> None:
    name, value = CONFIG[case]
    assert value_finding(name, value.encode()) is None


def test_an_allowed_name_does_not_pass_a_secret_literal_in_a_real_process() -> None:
    name, value = SECRETS["a long random string"]
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        env={"PATH": "/usr/bin:/bin", name: value, "PARCELS_CACHE_TTL_S": "1"},
    )
    try:
        allow = DEFAULT_ALLOW | {name, "PARCELS_CACHE_TTL_S"}
        by_name = check_no_secrets_in_env(child.pid, "dev", [], allow=allow)
        assert by_name.passed  # before: an allowed name was never judged
        by_value = check_no_secrets_in_env(
            child.pid, "dev", [], allow=allow, literals={name, "PARCELS_CACHE_TTL_S"}
        )
        assert not by_value.passed
        assert [f for f in by_value.findings if name in f and "looks generated" in f]
        assert value not in by_value.explain() + repr(by_value)
    finally:
        child.kill()
        child.wait()

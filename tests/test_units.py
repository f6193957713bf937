"""Unit tests of the pure pieces: profiles, backend choice, version parsing, Secret."""

from __future__ import annotations

import pickle
import re

import pytest
from store_erp_target import PROFILES

from vault_gate.compliance.profiles import ENVIRONMENTS, ServerMode, profile, servers
from vault_gate.compliance.secret import Secret, fingerprint
from vault_gate.fixtures.servers.backends import (
    BackendName,
    BackendOptions,
    BackendUnavailable,
    choose,
    make_backend,
)
from vault_gate.fixtures.servers.binaries import BinaryError, Flavor, parse_version
from vault_gate.fixtures.servers.containers import images


def test_three_environments_in_order() -> None:
    assert ENVIRONMENTS == ("dev", "staging", "prod")
    assert [p.tree for p in PROFILES.values()] == ["development", "staging", "production"]


def test_profiles_say_what_each_environment_requires() -> None:
    dev, staging, prod = (PROFILES[n] for n in ENVIRONMENTS)
    assert dev.mode is ServerMode.DEV and not dev.tls and not dev.revoke_root_token
    assert dev.env_fallback_allowed
    for p in (staging, prod):
        assert p.mode is ServerMode.SERVER and p.tls and p.revoke_root_token
        assert not p.env_fallback_allowed
        assert "file" in p.audit_devices
        assert (p.approle.secret_id_ttl, p.approle.token_ttl, p.approle.token_max_ttl) == (
            "24h",
            "1h",
            "4h",
        )
    assert prod.kv_prefix == "store-erp/production"
    assert prod.approle_name == prod.policy_name == "store-erp-production"


def test_staging_and_prod_share_one_server() -> None:
    assert {name: [p.name for p in ps] for name, ps in servers().items()} == {
        "dev": ["dev"],
        "secure": ["staging", "prod"],
    }


def test_unknown_environment_is_named() -> None:
    with pytest.raises(ValueError, match="unknown environment 'qa'; known: dev, staging, prod"):
        profile("qa")


@pytest.mark.parametrize(
    ("text", "flavor", "version"),
    [
        ("OpenBao v2.7.2 (9e0a0d3c), committed 2026-10-26", Flavor.OPENBAO, "2.7.2"),
        ("Vault v1.18.3 (7ae4eb1e), built 2024-12-16T14:00:53Z", Flavor.VAULT, "1.18.3"),
    ],
)
def test_parse_version(text: str, flavor: Flavor, version: str) -> None:
    assert parse_version(text) == (flavor, version)


def test_parse_version_rejects_others() -> None:
    with pytest.raises(BinaryError, match="not an OpenBao or Vault"):
        parse_version("Consul v1.20.0")


def test_backend_choice() -> None:
    assert choose("process") is BackendName.PROCESS
    assert choose("process", engine_answers=True) is BackendName.PROCESS
    # auto: Docker where an engine answers, unless local binaries were named
    assert choose("auto", engine_answers=True) is BackendName.DOCKER
    assert choose("auto", engine_answers=True, process_options=True) is BackendName.PROCESS
    assert choose("auto", engine_answers=False) is BackendName.PROCESS
    assert choose("docker", engine_answers=True) is BackendName.DOCKER
    with pytest.raises(BackendUnavailable, match="no Docker engine answers"):
        choose("docker", engine_answers=False)
    with pytest.raises(BackendUnavailable, match="unknown backend 'podman'"):
        choose("podman")


def test_docker_backend_refuses_process_options() -> None:
    """--vault-binary with --backend docker is a mistake, said before anything starts."""
    with pytest.raises(BackendUnavailable, match="--vault-binary and --pg-bindir are for"):
        make_backend("docker", None, BackendOptions(vault_binary="/usr/bin/vault"))  # type: ignore[arg-type]


def test_image_options_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Option beats env var beats the official image at the wheels' versions."""
    monkeypatch.delenv(images.VAULT_IMAGE_ENV, raising=False)
    monkeypatch.delenv(images.PG_IMAGE_ENV, raising=False)
    bao = images.wheel_bao_version()
    assert images.vault_image() == f"openbao/openbao:{bao}"
    assert re.fullmatch(r"postgres:\d+\.\d+", images.pg_image())
    monkeypatch.setenv(images.VAULT_IMAGE_ENV, "hashicorp/vault:1.18")
    assert images.vault_image() == "hashicorp/vault:1.18"
    assert images.vault_image("openbao/openbao:2.6.0") == "openbao/openbao:2.6.0"
    monkeypatch.setenv(images.PG_IMAGE_ENV, "postgres:17")
    assert images.pg_image() == "postgres:17"


def test_secret_shows_only_a_fingerprint() -> None:
    value = "correct-horse-battery-staple"
    s = Secret(value)
    for text in (str(s), repr(s), f"{s}", f"{s!r}", f"{s:>60}", str([s]), str({"k": s})):
        assert value not in text
        assert fingerprint(value) in text
    assert s.reveal() == value
    assert s == Secret(value) and s != Secret("other") and len({s, Secret(value)}) == 1
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]


def test_fingerprint_is_stable_and_short() -> None:
    assert fingerprint("abc") == fingerprint(b"abc")
    assert fingerprint("abc").startswith("sha256:") and len(fingerprint("abc")) == 7 + 12
    assert fingerprint("abc") != fingerprint("abd")


def test_approle_settings_can_be_overridden() -> None:
    from vault_gate.compliance.profiles import with_approle_settings

    short = with_approle_settings({"token_ttl": "30s", "secret_id_num_uses": "1"})
    assert all(p.approle.token_ttl == "30s" for p in short.values())
    assert all(p.approle.secret_id_num_uses == 1 for p in short.values())
    assert PROFILES["prod"].approle.token_ttl == "1h"  # the defaults are untouched
    with pytest.raises(ValueError, match="unknown AppRole setting 'ttl'; known: secret_id_ttl"):
        with_approle_settings({"ttl": "1s"})


def test_assert_no_leak_names_fingerprints_only() -> None:
    from vault_gate.compliance.secret import assert_no_leak, leaks

    s = Secret("a-planted-value-123")
    assert leaks("nothing here", [s]) == []
    with pytest.raises(AssertionError) as info:
        assert_no_leak("log line: a-planted-value-123", [s], "the log")
    assert str(info.value) == f"secret value(s) {s.fingerprint} appear in the log"

"""Secret paths built from input: ``..``, percent-encoded dots, unicode, empty segments.

Where a path is built from input: the app's Vault client (``read``, the database role
from ``credentials_path``), a target's ``vault_paths`` and ``policies`` templates, and
the command line's ``policy capabilities --path``.

Why ``..`` matters: hvac quotes a path with ``/`` left as is, and urllib3 (under
requests) removes dot segments before sending, so ``store-erp/development/../x`` is
asked for as ``store-erp/x``; the real dev server below answers such a request for
an entry the path does not name. The client now refuses, before sending, any path that
would not be sent as written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
from bad_input import BAD_INPUT, outcome
from hvac import utils as hvac_utils
from hypothesis import example, given
from hypothesis import strategies as st
from store_erp_target import PROFILES

from store_erp.vault_client import (
    VaultClient,
    VaultPathInvalid,
    VaultSettings,
    check_path,
)
from vault_gate.compliance.cli import main as vault_gate
from vault_gate.compliance.target import TargetError, load_target
from vault_gate.fixtures.app.process import write_private
from vault_gate.fixtures.run.world import World
from vault_gate.fixtures.servers.bootstrap import KV_MOUNT

ROOT = Path(__file__).resolve().parent.parent
SEGMENTS = st.sampled_from(
    ["..", ".", "", "%2e%2e", "%2E%2E", ".%2e", "%2f", "a", "store-erp", "é", "секрет", "\u202e",
     "a b", "?", "#", ";", "\\", "\x00", "\ud800", "..\u2024", "\uff0e\uff0e", "+", "*"]
) | st.text(max_size=8)  # fmt: skip
PATHS = st.lists(SEGMENTS, min_size=1, max_size=5).map("/".join)


def _sent_path(path: str) -> str:
    """The URL path requests would send for a KV v2 read of ``path`` through hvac."""
    api = hvac_utils.format_url("/v1/{mount}/data/{path}", mount="secret", path=path)
    return requests.Request("GET", "http://127.0.0.1:8200" + api).prepare().path_url


@BAD_INPUT
@given(path=PATHS)
@example(path="store-erp/development/../production/flask")
@example(path="store-erp/%2e%2e/x")
@example(path="a//b")
def test_a_path_is_refused_or_sent_as_written(path: str) -> None:
    """The property the client's check stands for: what it lets through reaches Vault as
    the path the caller wrote (no segment removed, none added)."""
    result = outcome(lambda: check_path(path), VaultPathInvalid)
    if result.error is not None:
        return
    sent = _sent_path(path)
    expected = "/v1/secret/data/" + hvac_utils.format_url("{p}", p=path)
    assert sent.split("?")[0] == expected.split("?")[0], "the request path was rewritten"
    assert sent.count("/") == expected.count("/")


def test_dot_segments_would_be_rewritten_without_the_check() -> None:
    """The fact the check exists for, shown on the request requests would send."""
    assert _sent_path("store-erp/development/../production/flask") == (
        "/v1/secret/data/store-erp/production/flask"
    )


@pytest.mark.servers
@pytest.mark.parametrize(
    "path",
    ["store-erp/development/../development/flask", "store-erp/development/./flask",
     "store-erp//development/flask", "store-erp/development/%2e%2e/development/flask",
     "store-erp/development/flask/", "/store-erp/development/flask", "store-erp/\ud800/flask",
     "store-erp/development/fl\x00ask"],
)  # fmt: skip
def test_the_client_refuses_before_sending(world: World, tmp_path: Path, path: str) -> None:
    """Against the real dev server: the refusal is a VaultError (the app turns it into a
    clear refusal), and the first example really does reach another entry when sent raw."""
    env = world.env("dev")
    sid = write_private(tmp_path / "secret-id", env.new_secret_id())
    client = VaultClient(
        VaultSettings(addr=env.server.addr, role_id=env.role_id, secret_id_file=sid)
    )
    client.login()
    result = outcome(lambda: client.read(path), VaultPathInvalid)
    assert result.error is not None and "path" in str(result.error)
    if ".." in path.split("/"):
        raw = env.operator().secrets.kv.v2.read_secret_version(
            path=path, mount_point=KV_MOUNT, raise_on_deleted_version=True
        )
        assert raw["data"]["data"]["secret_key"] == env.tree["flask"]["secret_key"].reveal()


@pytest.mark.servers
def test_the_database_role_is_one_plain_segment(world: World, tmp_path: Path) -> None:
    env = world.env("dev")
    sid = write_private(tmp_path / "secret-id", env.new_secret_id())
    client = VaultClient(
        VaultSettings(addr=env.server.addr, role_id=env.role_id, secret_id_file=sid)
    )
    for role in ("..", "", "a/b", "%2e%2e", "store-erp-development/../x"):
        outcome(lambda r=role: client.database_credentials(r), VaultPathInvalid)


# -- a target's path templates ----------------------------------------------------------

TARGET = """name = "t"
source = ["*.py"]
docs = "docs"
workflows = []
policies = {policies}
vault_paths = {vault_paths}
"""


@BAD_INPUT
@given(
    policies=st.sampled_from(["vault/{tree}.hcl", "{tree}", "{tree", "{other}", "{0}", "{tree!r}",
                              "{tree.x}", "{{tree}}", "p\x00.hcl"]) | st.text(max_size=20),
    vault_paths=st.lists(
        st.lists(SEGMENTS | st.just("{tree}") | st.just("{env}"), min_size=1, max_size=4).map(
            "/".join
        ),
        max_size=3,
    ),
)  # fmt: skip
def test_target_templates(tmp_path_factory: pytest.TempPathFactory, policies: str,
                          vault_paths: list[str]) -> None:  # fmt: skip
    """``{env}`` raised KeyError and an unbalanced brace ValueError when the scenario ran,
    long after load_target had accepted the file; '..' went through as a Vault path."""
    directory = tmp_path_factory.mktemp("target")
    toml = directory / "target.toml"
    text = TARGET.format(policies=json.dumps(policies), vault_paths=json.dumps(vault_paths))
    try:
        toml.write_text(text, encoding="utf-8")
    except UnicodeEncodeError:
        return  # not a file anyone can write
    result = outcome(lambda: load_target(toml), TargetError)
    if result.error is not None:
        assert str(toml) in str(result.error)
        return
    target = result.value
    for prof in PROFILES.values():
        target.policy_file(prof.tree)
        for path in target.vault_paths_for(prof.tree):
            check_path(path)


@pytest.mark.parametrize(
    "content",
    [b'name = "\xff"', b"\x00\x01", b'name = "x"\nname = "y"'],
    ids=["latin-1", "binary", "duplicate"],
)
def test_target_files_with_bad_bytes(tmp_path: Path, content: bytes) -> None:
    """Non-UTF-8 raised UnicodeDecodeError (``--target`` then failed with a traceback)."""
    toml = tmp_path / "target.toml"
    toml.write_bytes(content)
    assert str(toml) in str(outcome(lambda: load_target(toml), TargetError).error)


def test_a_target_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    """It blocked forever."""
    fifo = tmp_path / "target.toml"
    os.mkfifo(fifo)
    assert "not a regular file" in str(
        outcome(lambda: load_target(fifo), TargetError, bound_s=5).error
    )


# -- the command line ---------------------------------------------------------------------


@BAD_INPUT
@given(path=PATHS)
def test_cli_capabilities_on_any_path(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Any path is a question with an answer (a JSON list), never a crash."""
    policy = str(ROOT / "vault" / "policies" / "store-erp-production.hcl")
    code = outcome(
        # "--path=" + path: a path may start with "-", which argparse would read as an option
        lambda: vault_gate(["policy", "capabilities", "--policy", policy, f"--path={path}"]),
        (),
    ).value
    out, err = capsys.readouterr()
    if any("\ud800" <= c <= "\udfff" for c in path):
        assert code == 2 and "not valid UTF-8" in err
    else:
        assert code == 0 and isinstance(json.loads(out), list), err


def test_secret_paths_in_the_bundled_target_are_plain() -> None:
    from store_erp_target import store_erp

    for prof in PROFILES.values():
        for path in store_erp().vault_paths_for(prof.tree):
            check_path(path)

"""The tools of the hygiene tests, each shown able to fail: the file scan finds a planted
value (also across its read chunks and in binary files), the leak rule flags what it
should, and the dev server's log is scrubbed of the credentials its banner prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from hygiene_scan import CHUNK_BYTES, scan_files, unexpected

from vault_gate.compliance.secret import Secret, assert_no_leak
from vault_gate.fixtures.process import scrub_log
from vault_gate.fixtures.run.world import World

VALUE = Secret("S3cr3tHygieneCanary0123456789abcdef")
TOKEN = Secret("S3cr3tOperatorToken0123456789abcdef")


def test_a_planted_value_is_found_wherever_it_lies(tmp_path: Path) -> None:
    across = tmp_path / "across-chunks.bin"
    across.write_bytes(b"\x00" * (CHUNK_BYTES - 10) + VALUE.reveal().encode() + b"\xff" * 10)
    clean = tmp_path / "clean.log"
    clean.write_text("nothing here\n")
    token_file = tmp_path / "operator-token-dev"
    token_file.write_text(TOKEN.reveal())
    log = tmp_path / "server.log"
    log.write_text(f"Root Token: {TOKEN.reveal()}\n")
    values = [(VALUE, "secret"), (TOKEN, "credential")]
    sizes, hits = scan_files([across, clean, token_file, log, tmp_path / "gone"], values)
    assert sizes[str(tmp_path / "gone")] == -1 and sizes[str(clean)] > 0
    assert {(Path(h["file"]).name, h["fingerprint"]) for h in hits} == {
        ("across-chunks.bin", VALUE.fingerprint),
        ("operator-token-dev", TOKEN.fingerprint),
        ("server.log", TOKEN.fingerprint),
    }
    assert all(VALUE.reveal() not in str(h) and TOKEN.reveal() not in str(h) for h in hits)
    # The credential in its own file is by design; in a log it is a leak, as is the canary.
    assert {Path(h["file"]).name for h in unexpected(hits)} == {"across-chunks.bin", "server.log"}


def test_scrub_log_overwrites_credentials_in_place(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    banner = (
        "==> OpenBao server started!\n"
        "Unseal Key: QRgsDba9xI5COaGOCgh16DKBPvGCTzZerXlUR82+/iI=\n"
        f"Root Token: {TOKEN.reveal()}\n"
        f"later: a known value {VALUE.reveal()} in a line\n"
    )
    log.write_text(banner)
    assert scrub_log(log, (VALUE,)) == 3
    text = log.read_text()
    assert len(text) == len(banner) and "Root Token: ***" in text and "Unseal Key: ***" in text
    assert TOKEN.reveal() not in text and VALUE.reveal() not in text and "QRgs" not in text


@pytest.mark.servers
def test_the_dev_servers_log_holds_no_credential(world: World) -> None:
    """OpenBao's dev mode prints its root token and unseal key once it serves; the log in
    the session dir (and after --keep-servers) kept both. Found by the hygiene probe."""
    dev = world.vaults["dev"]
    assert dev.root_token is not None
    text = dev.process.log_path.read_text(errors="replace")
    assert_no_leak(text, [dev.root_token], "the dev server's log")
    assert "Root Token: ***" in text

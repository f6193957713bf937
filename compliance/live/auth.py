"""Where live mode's token comes from: a file, the Vault agent's sink, or the token helper.

Never from a command-line argument (visible to every user in ``ps`` and kept in
shell history) and never from ``VAULT_TOKEN``: an environment variable is inherited
by every child process, readable in ``/proc/<pid>/environ`` and echoed by CI
debugging, which is the very habit the migration to Vault removes. When
``VAULT_TOKEN`` is set it is ignored, and the error or evidence says so.

Sources, first match wins:

1. ``--token-file FILE``: the file must be readable by its owner only (0600/0400).
2. ``--agent-sink FILE``: a Vault/OpenBao agent ``auto_auth`` file sink. The agent
   writes it 0640 by default, so group read is accepted; others must have no access.
   A response-wrapped sink is refused: unwrapping is a write.
3. The CLI's token helper: ``token_helper`` in the CLI config (``$VAULT_CONFIG_PATH``,
   ``$BAO_CONFIG_PATH``, ``~/.vault``, ``~/.bao``), run as ``<helper> get``; without
   one, ``~/.vault-token`` (what ``vault login`` / ``bao login`` write), 0600.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import hcl

from vault_gate.compliance.secret import Secret

HELPER_TIMEOUT_S = 10
MAX_TOKEN_BYTES = 4096
IGNORED_ENV = ("VAULT_TOKEN", "BAO_TOKEN")


class TokenSourceError(ValueError):
    """No usable token: the message names the source and what was wrong, never the token."""


@dataclass(frozen=True)
class Token:
    """The token and where it came from (for evidence: the source, never the value)."""

    secret: Secret
    source: str


def _check_mode(path: Path, allow_group_read: bool) -> None:
    try:
        st = path.stat()
    except OSError as exc:
        raise TokenSourceError(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise TokenSourceError(f"{path}: not a regular file")
    forbidden = 0o037 if allow_group_read else 0o077
    if st.st_mode & forbidden:
        wanted = "0640 or stricter" if allow_group_read else "0600"
        raise TokenSourceError(
            f"{path}: mode {stat.S_IMODE(st.st_mode):04o} lets others read it; "
            f"a token file must be {wanted}"
        )


def _one_token(text: str, where: str) -> Secret:
    token = text.strip()
    if not token:
        raise TokenSourceError(f"{where}: empty, no token in it")
    if len(token) > MAX_TOKEN_BYTES or any(c.isspace() for c in token):
        raise TokenSourceError(f"{where}: does not hold one token (whitespace or too long)")
    if not (token.isascii() and token.isprintable()):
        # It goes into an HTTP header: anything else failed there as UnicodeEncodeError.
        raise TokenSourceError(f"{where}: does not hold a token (not printable ASCII)")
    return Secret(token)


def _read(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TOKEN_BYTES + 1)
    except OSError as exc:
        raise TokenSourceError(f"{path}: cannot be read ({exc.strerror})") from None
    return data.decode("utf-8", errors="replace")


def from_file(path: Path) -> Token:
    """A token file the operator made for the gate: 0600."""
    _check_mode(path, allow_group_read=False)
    return Token(_one_token(_read(path), str(path)), f"token file {path}")


def from_agent_sink(path: Path) -> Token:
    """The agent's file sink: a plain token; wrapped (JSON) sinks are refused."""
    _check_mode(path, allow_group_read=True)
    text = _read(path).strip()
    if text.startswith("{"):
        try:
            wrapped = "wrap_info" in json.loads(text) or "token" in json.loads(text)
        except ValueError:
            wrapped = False
        if wrapped:
            raise TokenSourceError(
                f"{path}: the agent sink holds a response-wrapped token; unwrapping it is a "
                "write (sys/wrapping/unwrap) and spends it. Give the gate a plain sink "
                "(no wrap_ttl) or a token file."
            )
    return Token(_one_token(text, str(path)), f"agent sink {path}")


def _cli_configs(env: Mapping[str, str], home: Path) -> list[Path]:
    named = [env[k] for k in ("VAULT_CONFIG_PATH", "BAO_CONFIG_PATH") if env.get(k)]
    if named:
        return [Path(p) for p in named]
    return [home / ".vault", home / ".bao"]


def _token_helper(config: Path) -> str | None:
    """``token_helper`` from a CLI config file (HCL or JSON), or None."""
    try:
        text = config.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TokenSourceError(f"{config}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise TokenSourceError(f"{config}: not UTF-8 text") from None
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else hcl.loads(text)
    except Exception:  # pyhcl raises ValueError, ply errors; all mean "malformed"
        raise TokenSourceError(f"{config}: not valid HCL or JSON") from None
    helper = data.get("token_helper") if isinstance(data, dict) else None
    if isinstance(helper, str) and len(helper) >= 2 and helper[0] == helper[-1] == '"':
        helper = helper[1:-1]
    if helper is not None and not (isinstance(helper, str) and helper):
        raise TokenSourceError(f"{config}: token_helper must be a path to an executable")
    return helper


def from_token_helper(env: Mapping[str, str] | None = None, home: Path | None = None) -> Token:
    """What the Vault/OpenBao CLI would use: its token helper, or ``~/.vault-token``."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home()) if home is None else home
    for config in _cli_configs(env, home):
        helper = _token_helper(config)
        if helper is None:
            continue
        program = Path(helper).expanduser()
        if not program.is_absolute():
            raise TokenSourceError(f"{config}: token_helper {helper!r} must be an absolute path")
        try:
            done = subprocess.run(  # noqa: S603 - the user's configured helper, no shell
                [str(program), "get"],
                capture_output=True,
                timeout=HELPER_TIMEOUT_S,
                check=False,
                env={k: v for k, v in env.items() if k not in IGNORED_ENV},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TokenSourceError(
                f"token helper {program} (from {config}) failed: {type(exc).__name__}"
            ) from None
        if done.returncode != 0:
            raise TokenSourceError(
                f"token helper {program} (from {config}) exited {done.returncode}"
            )
        where = f"token helper {program} (from {config})"
        return Token(_one_token(done.stdout.decode("utf-8", "replace"), where), where)
    path = home / ".vault-token"
    if path.exists():
        _check_mode(path, allow_group_read=False)
        return Token(_one_token(_read(path), str(path)), f"token helper file {path}")
    raise TokenSourceError(
        "no token: give --token-file FILE (0600) or --agent-sink FILE, or log in with the "
        f"Vault/OpenBao CLI (no token helper in {', '.join(map(str, _cli_configs(env, home)))}, "
        f"no {path})" + _ignored_note(env)
    )


def _ignored_note(env: Mapping[str, str]) -> str:
    names = [k for k in IGNORED_ENV if env.get(k)]
    if not names:
        return ""
    return f"; {', '.join(names)} is set and deliberately ignored (see README, Live mode)"


def find_token(
    token_file: Path | None = None,
    agent_sink: Path | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Token:
    """The first source that is given, in the order of the module doc."""
    if token_file is not None:
        return from_file(token_file)
    if agent_sink is not None:
        return from_agent_sink(agent_sink)
    return from_token_helper(env, home)

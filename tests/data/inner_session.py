"""A test session run *inside* tests/test_cleanup.py, to prove nothing outlives it.

Not collected by the outer run (the name does not match test_*.py). It boots the
real world, writes the server pids and directories to $VAULT_GATE_STATE_FILE, then
does what $VAULT_GATE_INNER_MODE says: pass, fail, or wait to be interrupted/killed.
"""

import json
import os
import time


def test_inner(world):
    state = {
        "pids": world.processes(),
        "dirs": [str(d) for d in world.directories()],
        "reaper": world.reaper.pid,
        "reaper_session": world.reaper.session_id,
        "backend": world.backend,
        "token_ttl": {
            name: env.operator().auth.approle.read_role(role_name=env.profile.approle_name)["data"][
                "token_ttl"
            ]
            for name, env in world.environments.items()
        },
    }
    path = os.environ["VAULT_GATE_STATE_FILE"]
    with open(path + ".tmp", "w") as fh:
        json.dump(state, fh)
    os.replace(path + ".tmp", path)
    mode = os.environ.get("VAULT_GATE_INNER_MODE", "pass")
    if mode == "fail":
        raise AssertionError("this inner test fails on purpose")
    if mode == "wait":
        time.sleep(120)  # bounded: the outer test interrupts or kills us well before

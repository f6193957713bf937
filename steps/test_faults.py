"""features/faults.feature: each scenario breaks servers of its own (not the sign-off's).

Not part of ``-k success_criteria``: these scenarios stop, seal, crash and fail over
servers, which takes longer than a gate should. Run them with ``pytest -m faults``.
"""

from pathlib import Path

from pytest_bdd import scenarios

from vault_gate.fixtures.faults.cluster import ha_world  # noqa: F401 - fixtures, found by name
from vault_gate.fixtures.faults.scene import fault_apps  # noqa: F401
from vault_gate.fixtures.faults.worlds import fault_worlds  # noqa: F401
from vault_gate.steps.faults import *  # noqa: F403 - step definitions, found by name

scenarios(str(Path(__file__).resolve().parent.parent / "features" / "faults.feature"))

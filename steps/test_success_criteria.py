"""The sign-off: every .feature in features/, bound to the step modules.

``pytest -k success_criteria`` selects exactly these scenarios (each carries the
``success_criteria`` tag as a marker).
"""

from pathlib import Path

from pytest_bdd import scenarios

from steps.app_checks import *  # noqa: F403
from steps.common import *  # noqa: F403 - step definitions are fixtures, found by name
from steps.load import *  # noqa: F403
from steps.plan import *  # noqa: F403
from steps.rotation import *  # noqa: F403
from steps.running import *  # noqa: F403

# faults.feature breaks servers of its own and is no sign-off: steps/test_faults.py binds it.
NOT_SIGNOFF = {"faults.feature"}
FEATURES = Path(__file__).resolve().parent.parent / "features"
scenarios(*(str(f) for f in sorted(FEATURES.glob("*.feature")) if f.name not in NOT_SIGNOFF))

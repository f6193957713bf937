"""The sign-off: every packaged .feature (but faults.feature) and the team's own
(``--features DIR``), bound to the step modules.

``pytest -k success_criteria`` selects exactly these scenarios (each carries the
``success_criteria`` tag as a marker).
"""

from pytest_bdd import scenarios

from vault_gate.fixtures.run.team import signoff_features
from vault_gate.steps.app_checks import *  # noqa: F403
from vault_gate.steps.common import *  # noqa: F403 - step definitions are fixtures, found by name
from vault_gate.steps.load import *  # noqa: F403
from vault_gate.steps.plan import *  # noqa: F403
from vault_gate.steps.rotation import *  # noqa: F403
from vault_gate.steps.running import *  # noqa: F403

scenarios(*signoff_features())

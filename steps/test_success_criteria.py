"""The sign-off: every .feature in features/, bound to the step modules.

``pytest -k success_criteria`` selects exactly these scenarios (each carries the
``success_criteria`` tag as a marker).
"""

from pytest_bdd import scenarios

from steps.app_checks import *  # noqa: F403
from steps.common import *  # noqa: F403 - step definitions are fixtures, found by name
from steps.plan import *  # noqa: F403
from steps.rotation import *  # noqa: F403
from steps.running import *  # noqa: F403

scenarios("../features")

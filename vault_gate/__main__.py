"""``python -m vault_gate``: the same command line as the ``vault-gate`` script."""

import sys

from vault_gate.compliance.cli import main

sys.exit(main())

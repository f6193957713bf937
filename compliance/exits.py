"""The exit codes every ``vault-gate`` command and the sign-off share, named once.

A gate in CI reads them: 0 the checks passed, 1 a finding, 2 bad input (the message
names the file and the key, or the option), 3 the gate could not judge (the server
could not be reached or read, the application never started). A reviewer must never
read "could not judge" as a pass or as a finding, so it has a code of its own.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CANNOT_JUDGE = 3

EXIT_CODES_HELP = (
    "exit codes: 0 passed (nothing found), 1 findings (a check failed), "
    "2 bad input (the message names the file and key, or the option), "
    "3 could not judge (server unreachable or unreadable, app never started)"
)


class UsageError(Exception):
    """Bad input to a command: printed as one line, exit code 2."""

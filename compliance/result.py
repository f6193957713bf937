"""What a check returns: the verdict and the evidence a reviewer needs to trust it.

Modelled on InSpec controls: a result names its criterion and environment, says
pass or fail, lists the findings that made it fail, and carries the evidence (what
was looked at, what was found) either way. Evidence is text a reviewer can read;
it never holds a secret value, only fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evidence:
    """One observation: where the check looked and what it saw there."""

    looked_at: str
    found: str


@dataclass(frozen=True)
class CheckResult:
    criterion: str
    environment: str
    evidence: tuple[Evidence, ...] = ()
    findings: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """A check passes when it looked at something and found nothing wrong."""
        return not self.findings and bool(self.evidence)

    def explain(self) -> str:
        """A reviewer's reading of the result, for assertion messages and reports."""
        verdict = "PASS" if self.passed else "FAIL"
        lines = [f"{verdict} {self.criterion} [{self.environment}]"]
        lines += [f"  finding: {f}" for f in self.findings]
        if not self.evidence:
            lines.append("  finding: no evidence was gathered")
        lines += [f"  looked at {e.looked_at}: {e.found}" for e in self.evidence]
        return "\n".join(lines)


class NotJudged(RuntimeError):
    """The gate could not judge: the app never started, a probe it declares did not
    answer, a server went away. Neither a pass nor a fail (a finding): the third outcome,
    reported as "not judged" with this reason (exit code 3 when nothing failed).

    ``section`` is the part of the target file the failure belongs to (``[app]``,
    ``[app.login]``, ``[setup]``...), so that the reader knows what to look at; the
    message must hold no secret value (fingerprints only)."""

    def __init__(self, section: str, reason: str) -> None:
        self.section = section
        self.reason = reason
        super().__init__(f"{section}: {reason}" if section else reason)

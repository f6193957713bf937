"""Waivers: a reviewed, dated exception to one criterion in one environment.

A waiver file (TOML, kept in the repository so that every change to it is reviewed):

    [[waiver]]
    criterion = "cicd_updated"           # an id from compliance/criteria.py
    environment = "dev"                  # dev, staging or prod
    reason = "dev deploys by hand until the OIDC role exists (TICKET-123)"
    owner = "platform-team@example.com"
    expires = 2026-12-31                 # a TOML date; the day after, the gate fails

A waiver turns a failing cell into "waived"; a passing cell stays "pass" (the waiver
is then reported as unneeded). An expired waiver fails the gate whatever the cell,
so that nobody forgets a temporary exception.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from vault_gate.compliance.criteria import criterion
from vault_gate.compliance.profiles import ENVIRONMENTS

FIELDS = ("criterion", "environment", "reason", "owner", "expires")


class WaiverError(ValueError):
    """A waiver file that cannot be trusted; the message names the file and the entry."""


@dataclass(frozen=True)
class Waiver:
    criterion: str
    environment: str
    reason: str
    owner: str
    expires: dt.date
    source: str

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def to_json(self) -> dict[str, str]:
        return {
            "criterion": self.criterion,
            "environment": self.environment,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "source": self.source,
        }


def load_waivers(path: Path) -> list[Waiver]:
    try:
        if path.exists() and not path.is_file():  # a FIFO would block forever
            raise WaiverError(f"{path}: not a regular file")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise WaiverError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise WaiverError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise WaiverError(f"{path}: not valid TOML: {exc}") from None
    entries = data.get("waiver", [])
    if set(data) - {"waiver"} or not isinstance(entries, list):
        raise WaiverError(f"{path}: expected only [[waiver]] tables")
    waivers: list[Waiver] = []
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(entries, 1):
        where = f"{path}: waiver #{i}"
        missing = [f for f in FIELDS if f not in entry]
        unknown = sorted(set(entry) - set(FIELDS))
        if missing or unknown:
            raise WaiverError(
                f"{where}: "
                + "; ".join(
                    p
                    for p in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                    )
                    if p
                )
            )
        if criterion(entry["criterion"]) is None:
            raise WaiverError(f"{where}: unknown criterion {entry['criterion']!r}")
        if entry["environment"] not in ENVIRONMENTS:
            raise WaiverError(f"{where}: unknown environment {entry['environment']!r}")
        if not isinstance(entry["expires"], dt.date) or isinstance(entry["expires"], dt.datetime):
            raise WaiverError(f"{where}: expires must be a TOML date (e.g. 2026-12-31)")
        for key in ("reason", "owner"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise WaiverError(f"{where}: {key} must be a non-empty string")
        key = (entry["criterion"], entry["environment"])
        if key in seen:
            raise WaiverError(f"{where}: a second waiver for {key[0]} in {key[1]}")
        seen.add(key)
        waivers.append(Waiver(
            entry["criterion"], entry["environment"], entry["reason"].strip(),
            entry["owner"].strip(), entry["expires"], str(path),
        ))  # fmt: skip
    return waivers

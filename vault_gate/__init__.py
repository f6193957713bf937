"""vault-gate: proves an application's move from environment-variable secrets to Vault or
OpenBao is done and safe, on real servers, before anything is deployed.

The repository keeps its design's top-level layout (compliance/, fixtures/, steps/,
features/, vault/); pyproject.toml maps each of them under this one package, so an
installed vault-gate adds a single top-level name to a team's environment.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata when first asked for: importing
    importlib.metadata costs tens of milliseconds, and every pre-commit hook run imports
    this package."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vault-gate")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"

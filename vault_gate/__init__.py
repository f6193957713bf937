"""vault-gate: proves an application's move from environment-variable secrets to Vault or
OpenBao is done and safe, on real servers, before anything is deployed.

The repository keeps its design's top-level layout (compliance/, fixtures/, steps/,
features/, vault/); pyproject.toml maps each of them under this one package, so an
installed vault-gate adds a single top-level name to a team's environment.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vault-gate")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

"""detect-secrets, imported without ``requests``: import this module before any of it.

detect-secrets imports ``requests`` in every plugin module, for verifying secrets over
the network, which this scanner never does. Importing ``requests`` (and urllib3,
http.client, http.cookiejar) is 0.08-0.12 s of the 0.2 s a scan takes to start, and a
pre-commit hook starts on every commit. So while detect-secrets and its plugin modules
are imported here, ``requests`` is a stand-in that imports the real one on first use;
after, the stand-in leaves ``sys.modules``, and whatever imports ``requests`` later (hvac,
live mode) gets the real module. Only the modules imported here hold the stand-in.

Nothing depends on this for correctness: where ``requests`` or detect-secrets is already
imported (a pytest run of the harness), it does nothing.

Its place among the imports is set by the isort section ``early`` in pyproject.toml.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from typing import Any


class _Deferred(types.ModuleType):
    """``requests`` until an attribute is used; then the real module's attribute."""

    # Only named in annotations that detect-secrets' IBM plugins evaluate at import.
    Response = object

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("requests") is self:
            del sys.modules["requests"]
        return getattr(importlib.import_module("requests"), name)


def _import_detect_secrets() -> None:
    if "requests" in sys.modules or "detect_secrets" in sys.modules:
        return
    sys.modules["requests"] = _Deferred("requests")
    try:
        import detect_secrets.filters
        import detect_secrets.plugins

        for package in (detect_secrets.plugins, detect_secrets.filters):
            for info in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{info.name}")
    finally:
        if isinstance(sys.modules.get("requests"), _Deferred):
            del sys.modules["requests"]


_import_detect_secrets()

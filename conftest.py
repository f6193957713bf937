"""vault-gate's pytest plugins are registered by entry point (pyproject.toml, pytest11):
fixtures/run/plugin.py (servers, options, fixtures) and fixtures/run/signoff.py (the sign-off
report and the gate's exit code). An entry point, not ``pytest_plugins`` here, so that
the options are known before pytest parses the command line: ``--waivers FILE`` is
otherwise read as a path to collect when the plugin is not loaded yet.
"""

"""The harness as pytest plugins: fixtures/plugin.py (servers, options, fixtures) and
fixtures/signoff.py (the sign-off report and the gate's exit code)."""

pytest_plugins = ["fixtures.signoff", "fixtures.plugin"]

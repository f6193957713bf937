"""The harness as a pytest plugin: fixtures/plugin.py holds the options and fixtures."""

pytest_plugins = ["fixtures.plugin"]

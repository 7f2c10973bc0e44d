"""Shared fixtures. Database fixtures live in tests/plugins/database.py."""

pytest_plugins = ["tests.plugins.database"]

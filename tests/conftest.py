"""Shared fixtures live in tests/support/fixtures.py (database per test on SQLite and PostgreSQL)."""

pytest_plugins = ["tests.support.fixtures", "tests.support.logscan"]

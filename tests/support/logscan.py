"""A pytest plugin: every log record of the whole run is kept, and the run fails if one of them
contains personal data that a test registered as a canary (the distinctive values the erasure,
inbound and privacy tests feed the service).

Register values with `canaries.add(...)` (or the `canary` fixture); the scan runs at session end.
"""

from __future__ import annotations

import logging
import threading

import pytest


class Canaries:
    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str) -> tuple[str, ...]:
        self.values.update(v for v in values if v)
        return values


canaries = Canaries()


def _demo_canaries() -> None:
    """The demo data is personal data too: its names, identities and whole message texts."""
    from humantouch.service.demo import CUSTOMERS, MESSAGES

    for fields, identities in CUSTOMERS:
        canaries.add(str(fields.get("name") or ""), *(value for _, value in identities))
    for _channel, _kind, value, text in MESSAGES:
        canaries.add(value, text)


class LogScan(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logger's problem; keep what we can
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        with self._guard:
            self.lines.append(f"{record.name}: {text}")

    def leaks(self, values: set[str]) -> list[tuple[str, str]]:
        return [(v, line) for line in self.lines for v in values if v in line]


_scan = LogScan()


def pytest_configure(config: pytest.Config) -> None:
    _demo_canaries()
    root = logging.getLogger()
    root.addHandler(_scan)
    # INFO and up from everything; SQLAlchemy's own loggers stay quiet (they would echo SQL).
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)


@pytest.fixture
def canary() -> Canaries:
    return canaries


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_scan)
    leaks = _scan.leaks(canaries.values)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        if reporter is not None:
            reporter.write_sep("=", "personal data in the log output", red=True)
            for value, line in leaks[:20]:
                reporter.write_line(f"{value!r} in: {line[:300]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None and canaries.values:
        reporter.write_line(
            f"log scan: {len(_scan.lines)} log records, none holds any of {len(canaries.values)} personal-data canaries"
        )

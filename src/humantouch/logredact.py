"""Exception messages stay out of the logs: they can carry personal data.

A database driver puts the offending values in its messages (PostgreSQL: `DETAIL: Key
(kind, value)=(email, someone@example.nl) already exists`), and so can any library. Tracebacks
are still logged, frame by frame, with each exception's type but not its message. Statement
parameters are hidden at the source (the engine is built with hide_parameters=True).
"""

from __future__ import annotations

import logging
import traceback

WITHHELD = "(message withheld: it may hold personal data)"
LOGGERS = ("uvicorn.error", "humantouch.api", "humantouch.webhooks", "humantouch.retention", "humantouch.serve")


def safe_traceback(exc: BaseException) -> str:
    """The traceback of `exc` and its causes, with types and frames but no messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    chain: list[BaseException] = []
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(f"{type(item).__module__}.{type(item).__qualname__}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class WithholdExceptionMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info[1])
            record.exc_info = None
        return True


_FILTER = WithholdExceptionMessages()


def install() -> None:
    """Idempotent: adds the filter once to each logger that may log an exception."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

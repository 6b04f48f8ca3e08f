"""Group commit: the write transactions of concurrent callers of one process as one transaction.

On SQLite every writer of every process queues for the one write lock, and each commit writes the
pages it changed to the WAL: the last page of the messages, events and outbox tables and of their
indexes, again for every message. A caller of `WriteGroup.run` hands its work (a function of the
session) to whichever caller holds the group's lock; that leader takes everything waiting, up to
`max_size`, runs each piece in a savepoint of one transaction and commits once. A piece that fails
rolls back to its savepoint, so only its own writes go and its caller gets its own exception; the
others are stored. Each caller returns or raises only after the commit: nothing is answered that is
not stored, and a failed commit (the database went away) fails every piece of the group. Each piece
reads what the pieces before it wrote, through a session that holds none of their ORM objects.

There is no thread of its own: the leader is a caller, so a lone write costs no hand-off, and under
load the callers that queued behind it find their work done when they get the lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from humantouch.storage.database import Database

T = TypeVar("T")


class _Work(Generic[T]):
    __slots__ = ("done", "error", "result", "run")

    def __init__(self, run: Callable[[Session], T]) -> None:
        self.run = run
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None


class WriteGroup:
    """`max_size` 1: every caller its own transaction, as `Database.write` gives."""

    def __init__(self, db: Database, max_size: int) -> None:
        self.db = db
        self.max_size = max_size
        self._leader = threading.Lock()
        self._waiting: deque[_Work[Any]] = deque()
        self.groups = 0
        self.writes = 0

    def run(self, work: Callable[[Session], T]) -> T:
        if self.max_size <= 1:
            with self.db.write() as session:
                return work(session)
        mine: _Work[T] = _Work(work)
        self._waiting.append(mine)
        with self._leader:
            while not mine.done:
                self._commit(self._take())
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[return-value]  # set whenever no error is

    def _take(self) -> list[_Work[Any]]:
        group: list[_Work[Any]] = []
        while self._waiting and len(group) < self.max_size:
            group.append(self._waiting.popleft())
        return group

    def _commit(self, group: list[_Work[Any]]) -> None:
        from humantouch.storage.database import translate

        self.groups += 1
        self.writes += len(group)
        try:
            with self.db.write() as session:
                if len(group) == 1:  # alone: its failure rolls back the transaction, no savepoint needed
                    group[0].result = group[0].run(session)
                    return
                for work in group:
                    # Each piece starts with an empty identity map, as in a transaction of its own. The pieces
                    # share one session, and the inbound write changes rows with plain statements that bypass
                    # the ORM (a customer's name): an object an earlier piece loaded and still keeps alive (a
                    # failed piece's traceback keeps its frames) would hand a later piece the row as it was
                    # before, not as the pieces between left it. Everything earlier is flushed (its savepoint
                    # was released) or rolled back; usually the map is empty already, as it holds objects weakly.
                    session.expunge_all()
                    try:
                        with translate(), session.begin_nested():
                            work.result = work.run(session)
                    except Exception as exc:  # handed to its own caller; the others go on
                        work.error = exc
        except BaseException as exc:  # the transaction itself failed: none of the group is stored
            for work in group:
                if work.error is None:
                    work.error, work.result = exc, None
            if not isinstance(exc, Exception):
                raise
        finally:
            for work in group:
                work.done = True

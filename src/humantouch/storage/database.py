"""Connections and transactions: the same code on embedded SQLite and on PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
`BEGIN IMMEDIATE`: a deferred transaction that reads and then writes can fail at once with
SQLITE_BUSY when another writer got there first, and the busy timeout does not help then.
Every driver failure leaves through `translate()` as a humantouch StorageError, so the HTTP
layer can answer 503 without knowing which database it talks to.

Writers to one SQLite file queue before `BEGIN IMMEDIATE` (`_WriteQueue`): the threads of a process on a
lock, the API processes on a file lock beside the database. Without the file lock, the processes met in
SQLite's busy handler, which sleeps up to 100 ms between tries: with two API processes a message's
99th-percentile latency was 1.2 to 2.8 s, with the file lock 0.6 to 0.7 s (docs/benchmarks.md). Every
humantouch process (API, worker, CLI command) writes through `Database` and so queues on the lock; programs
that open the file otherwise (the sqlite3 shell, a backup) still meet in the busy handler.

A PostgreSQL connection is checked with a `SELECT 1` when it leaves the pool only if it sat there for
`PING_AFTER_IDLE_SECONDS` (`_ping_idle`), not on every checkout as `pool_pre_ping` does: that cost a round
trip (and the server's CPU for it) twice a message. A connection idle that long, across a database
restart, is replaced before anyone uses it, as with `pool_pre_ping`; one used within the last second that
the restart broke fails its statement (503) and SQLAlchemy then drops the pool's older connections.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from humantouch.errors import NotMigratedError, StorageError, UnavailableError
from humantouch.storage.group import WriteGroup

try:
    import fcntl
except ImportError:  # not on Windows: the processes meet in SQLite's busy handler there
    fcntl = None  # type: ignore[assignment]

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled PostgreSQL connection unused for this long is pinged before use (module docstring).
PING_AFTER_IDLE_SECONDS = 1.0

T = TypeVar("T")
log = logging.getLogger("humantouch.storage")


class Database:
    """An engine plus two session factories: read (deferred on SQLite, no transaction on PostgreSQL) and
    write (immediate on SQLite)."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False, write_group_size: int = 1) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Statement parameters are message texts and identities: never in logs or error messages.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            if _sqlite_in_memory(url):
                kwargs["poolclass"] = StaticPool  # one shared connection, or every session sees its own empty db
            else:
                kwargs["pool_size"] = pool_size
                kwargs["max_overflow"] = pool_size
        else:
            kwargs["connect_args"] = {"connect_timeout": 5}
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size
            kwargs["pool_timeout"] = 10
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except Exception as exc:  # an unparseable URL or a missing driver is a settings problem
            raise StorageError(
                f"cannot use database URL {_redact(url)}: {exc}",
                hint="see docs/settings.md, database_url",
                code="HT-DB-URL",
            ) from exc
        if self.is_sqlite:
            _setup_sqlite(self.engine)
        else:
            _ping_idle(self.engine)
        # SQLite has one writer at a time. Queue the writers on locks rather than in SQLite's busy
        # handler, which polls with sleeps of up to 100 ms and lets late arrivals overtake: under
        # load that turned a 5 ms write into seconds at the tail (module docstring).
        self._writer: AbstractContextManager[object] = nullcontext()
        if self.is_sqlite:
            in_memory = _sqlite_in_memory(url)
            self._writer = _WriteQueue(None if in_memory else f"{self.engine.url.database}-writers")
        # PostgreSQL reads run without a transaction: under READ COMMITTED every statement sees what was
        # committed when it started, in a transaction or not, so BEGIN and the ROLLBACK at the end were two
        # round trips a read session for nothing. SQLite keeps its read transaction: there it is one
        # snapshot for the whole session, and costs no round trip.
        reads = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read = sessionmaker(reads, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(ht_write=True), expire_on_commit=False)
        # Group commit on SQLite only: there one writer runs at a time anyway. On PostgreSQL one
        # transaction would hold the row locks of several customers at once, and two processes' groups
        # could deadlock on them; each write keeps its own transaction there.
        self._group = WriteGroup(self, write_group_size if self.is_sqlite else 1)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translate(), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self._writer, translate(), self._write() as session, session.begin():
            yield session

    def grouped(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a write transaction, maybe shared with other threads' work, each in a
        savepoint of its own (storage/group.py); returns or raises once the transaction is committed."""
        return self._group.run(work)

    def log_groups(self) -> None:
        group = self._group
        if group.groups:
            log.info(
                "write groups: %d writes in %d transactions (%.1f per transaction)",
                group.writes,
                group.groups,
                group.writes / group.groups,
            )

    def check_migrated(self) -> None:
        from humantouch.migrations import current_revision, head_revision

        with translate():
            current = current_revision(self.engine)
        head = head_revision()
        if current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise NotMigratedError(
                f"the database {_redact(self.url)} is {state}, this code needs {head}",
                hint="run `humantouch db upgrade` first",
            )

    def has_tables(self) -> bool:
        with translate():
            return bool(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._writer, _WriteQueue):
            self._writer.close()


class _WriteQueue:
    """The writers of one SQLite database in line: this process's threads on a lock, then the processes
    on an exclusive `flock` of `lock_path` (None: an in-memory database, one process). The kernel hands a
    released file lock straight to a waiting process; it is dropped with its process, so a crash leaves
    nothing stale."""

    def __init__(self, lock_path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = lock_path if lock_path is not None and fcntl is not None else None
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            assert fcntl is not None
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None and fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@contextmanager
def migrated(url: str, *, pool_size: int = 10) -> Iterator[Database]:
    """A Database for one command: refused unless the schema is at head, disposed at the end."""
    db = Database(url, pool_size=pool_size)
    try:
        db.check_migrated()
        yield db
    finally:
        db.dispose()


@contextmanager
def translate() -> Iterator[None]:
    """Driver errors become StorageError; integrity errors stay as they are for callers to decide."""
    try:
        yield
    except IntegrityError:
        raise
    except PoolTimeoutError as exc:
        raise UnavailableError(
            "no database connection became free in time: the service is overloaded",
            hint="retry later, or raise database_pool_size",
            code="HT-DB-BUSY",
        ) from exc
    except (OperationalError, InterfaceError) as exc:
        raise UnavailableError(
            f"the database is unavailable: {_first_line(exc)}",
            hint="check that the database runs and database_url points at it",
        ) from exc
    except DBAPIError as exc:
        raise StorageError(f"the database refused the operation: {_first_line(exc)}") from exc


def _setup_sqlite(engine: Engine) -> None:
    path = engine.url.database or ""
    in_memory = _sqlite_in_memory(str(engine.url))
    if not in_memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ht_write") else "BEGIN")


def _ping_idle(engine: Engine) -> None:
    """`pool_pre_ping` for connections that sat in the pool for `PING_AFTER_IDLE_SECONDS` (module docstring).
    A failed ping makes the pool drop every connection older than now and open a new one, as SQLAlchemy's
    pre-ping does; if that fails too, the caller gets the error (503)."""
    dbapi_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["ht_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("ht_idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # a new connection, or one in use a moment ago
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_conn.rollback()  # the ping's implicit transaction; the session begins its own
        except dbapi_error as exc:
            raise InvalidatePoolError(f"idle connection failed its ping: {_first_line(exc)}") from exc


def _sqlite_in_memory(url: str) -> bool:
    from sqlalchemy.engine import make_url

    return (make_url(url).database or ":memory:") == ":memory:"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL: say so rather than echo a secret
        return "<unparseable database URL>"

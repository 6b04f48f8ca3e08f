"""Database errors leave as humantouch errors; SQLite runs in WAL mode."""

from __future__ import annotations

import os
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from humantouch.errors import UnavailableError
from humantouch.storage import Database
from tests.support.fixtures import postgres_url, skip_without_postgres


def test_sqlite_is_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert int(s.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_a_write_that_fails_rolls_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.write() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    with pytest.raises(RuntimeError), db.write() as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0
    db.dispose()


def test_an_exhausted_pool_is_503_not_500(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'x.db'}", pool_size=1)
    db.engine.pool._timeout = 0.1  # type: ignore[attr-defined]
    held = [db.engine.connect(), db.engine.connect()]  # pool_size + max_overflow
    with pytest.raises(UnavailableError) as info, db.read() as s:
        s.execute(text("SELECT 1"))
    assert info.value.code == "HT-DB-BUSY"
    for conn in held:
        conn.close()
    db.dispose()


def test_an_unreachable_server_is_unavailable() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/test")
    with pytest.raises(UnavailableError), db.read() as s:
        s.execute(text("SELECT 1"))
    db.dispose()


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")
def test_a_write_holds_the_file_lock_that_queues_the_processes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Another API process's writer waits on the file lock beside the database (kernel-queued), not in
    SQLite's sleeping busy handler: the lock is held exactly while a write transaction is open."""
    import fcntl

    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    probe = os.open(tmp_path / "q.db-writers", os.O_RDWR | os.O_CREAT)

    def free() -> bool:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True

    try:
        with db.write() as s:
            s.execute(text("CREATE TABLE t (n INTEGER)"))
            assert not free()
        assert free()
        with db.read() as s:
            s.execute(text("SELECT count(*) FROM t"))
            assert free()  # readers do not queue
    finally:
        os.close(probe)
        db.dispose()


def _backend_pid(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(db: Database, pid: int) -> None:
    other = create_engine(db.engine.url, poolclass=NullPool)  # outside the pool under test
    with other.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    other.dispose()


@pytest.mark.postgres
def test_an_idle_postgresql_connection_is_pinged_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection the server dropped while it sat in the pool (a restart) is replaced before use."""
    from humantouch.storage import database

    skip_without_postgres()
    db = Database(str(postgres_url()), pool_size=1)
    try:
        first = _backend_pid(db)
        _terminate(db, first)
        monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
        assert _backend_pid(db) != first
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_postgresql_connection_in_use_a_moment_ago_is_not_pinged() -> None:
    """No round trip per checkout under load: a connection used within PING_AFTER_IDLE_SECONDS is taken
    as it is, so one the server dropped just now fails its statement as unavailable (503), nothing stored,
    and the pool then replaces its connections."""
    skip_without_postgres()
    db = Database(str(postgres_url()), pool_size=1)
    try:
        first = _backend_pid(db)
        _terminate(db, first)
        with pytest.raises(UnavailableError), db.read() as s:
            s.execute(text("SELECT 1"))
        assert _backend_pid(db) != first
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgresql_reads_run_without_a_transaction_and_writes_within_one() -> None:
    """A read session costs no BEGIN and ROLLBACK round trips; the same pooled connection, used for a write
    next, is transactional again: a failing write leaves nothing."""
    from psycopg.pq import TransactionStatus

    skip_without_postgres()
    db = Database(str(postgres_url()), pool_size=1)
    table = f"ht_tx_{os.getpid()}"
    try:
        with db.engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (n INTEGER)"))
        for _ in range(2):  # the one pooled connection, read and write in turn
            with db.read() as s:
                s.execute(text(f"SELECT count(*) FROM {table}"))
                status = s.connection().connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
                assert status == TransactionStatus.IDLE
            with pytest.raises(RuntimeError), db.write() as s:
                s.execute(text(f"INSERT INTO {table} VALUES (1)"))
                status = s.connection().connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
                assert status == TransactionStatus.INTRANS
                raise RuntimeError("boom")
        with db.read() as s:
            assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        db.dispose()

"""SQLite writers queue for the write lock (govkit.sqlite_writers) — threads and processes."""
from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time

import pytest

from govkit import sqlite_writers
from govkit.sqlite_writers import QueuedWriterConnection, writer_lock


def connect(path, busy_ms: int = 0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, factory=QueuedWriterConnection, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # No busy handler: without the queue a second writer would fail at once.
    conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    return conn


@pytest.fixture
def path(tmp_path):
    p = str(tmp_path / "w.db")
    conn = sqlite3.connect(p)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    conn.commit()
    conn.close()
    return p


def test_a_second_writer_waits_for_the_first_commit(path):
    first, second = connect(path), connect(path)
    first.execute("INSERT INTO t (who) VALUES ('first')")  # holds the writer lock until commit
    done = threading.Event()
    took = []

    def write() -> None:
        started = time.perf_counter()
        second.execute("INSERT INTO t (who) VALUES ('second')")
        second.commit()
        took.append(time.perf_counter() - started)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.3)  # queued, not failed with "database is locked"
    first.commit()
    assert done.wait(5)
    thread.join()
    assert took[0] >= 0.3
    assert [r[0] for r in first.execute("SELECT who FROM t ORDER BY id")] == ["first", "second"]


def test_readers_do_not_wait_for_a_writer(path):
    writer, reader = connect(path), connect(path)
    writer.execute("INSERT INTO t (who) VALUES ('pending')")
    started = time.perf_counter()
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert time.perf_counter() - started < 1
    writer.rollback()


def test_a_writer_that_waits_too_long_gets_database_is_locked_and_writes_nothing(path, monkeypatch):
    monkeypatch.setattr(sqlite_writers, "TIMEOUT_SECONDS", 0.2)
    holder, late = connect(path), connect(path)
    holder.execute("INSERT INTO t (who) VALUES ('holder')")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        late.execute("INSERT INTO t (who) VALUES ('late')")
    holder.commit()
    late.rollback()
    assert [r[0] for r in late.execute("SELECT who FROM t")] == ["holder"]
    late.execute("INSERT INTO t (who) VALUES ('late')")  # the lock is free again
    late.commit()
    assert late.execute("SELECT count(*) FROM t").fetchone() == (2,)


def _insert_many(path: str, who: str, n: int, errors) -> None:
    conn = connect(path)
    try:
        for i in range(n):
            conn.execute("INSERT INTO t (who) VALUES (?)", (f"{who}{i}",))
            conn.execute("UPDATE t SET who = who WHERE id = 1")
            conn.commit()
    except sqlite3.Error as exc:  # pragma: no cover - the failure this test looks for
        errors.put(f"{who}: {exc}")
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_writing_at_once_never_see_a_locked_database(path, method):
    ctx = multiprocessing.get_context(method)
    errors = ctx.Queue()
    procs = [ctx.Process(target=_insert_many, args=(path, f"p{i}-", 150, errors)) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(p.exitcode == 0 for p in procs)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (450,)


def test_in_memory_databases_use_sqlites_own_locking():
    assert writer_lock(":memory:") is None
    conn = sqlite3.connect(":memory:", factory=QueuedWriterConnection)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()


def test_the_app_uses_queued_writers_on_sqlite(tmp_path):
    from govkit.app import create_app
    from govkit.db import db

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "INSTANCE_PATH": str(tmp_path / "i"),
                      "SECRET_KEY": "x" * 32}, load_entrypoints=False)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            assert isinstance(raw.driver_connection, QueuedWriterConnection)
        finally:
            raw.close()

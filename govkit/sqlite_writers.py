"""SQLite writers queue for the write lock instead of sleeping in the busy handler.

SQLite lets one connection write at a time. A second writer that finds the database
locked sleeps in SQLite's busy handler (1, 2, 5, 10, 15, 20, 25 … 100 ms) and tries
again, so under load a request spends most of its time asleep long after the lock was
released. govkit's SQLite connections (:class:`QueuedWriterConnection`, the
``factory`` of :func:`sqlite3.connect`) take a writer lock before the first write
statement of a transaction and release it right after the commit or rollback:

* threads of one process queue on a :class:`threading.Lock` (woken the moment it is
  released);
* processes (gunicorn workers, CLI jobs) share an ``flock`` on ``<database>-writers``
  next to the database file, tried every 0.1–1 ms by the one waiting thread of each
  process.

Readers never take it (WAL lets them read while one connection writes). A writer that
cannot get the lock within the busy timeout gets the error SQLite itself would give
("database is locked"); nothing is written. In-memory databases and ``file:`` URIs are
left to SQLite's own locking.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

#: Statements after which pysqlite has opened a write transaction.
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_BEGIN_WRITE = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
#: How long a writer waits for the lock (also SQLite's own busy timeout, see govkit.db).
TIMEOUT_SECONDS = 10.0


class WriterLock:
    """The writer lock of one database file in this process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.threads = threading.Lock()
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float | None = None) -> None:
        timeout = TIMEOUT_SECONDS if timeout is None else timeout
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise sqlite3.OperationalError("database is locked")
        delay = 0.0001
        try:
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError("database is locked") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.001)
        except BaseException:
            self.threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_locks: dict[str, WriterLock] = {}
_registry = threading.Lock()


def _reset_after_fork() -> None:
    global _registry
    _registry = threading.Lock()
    _locks.clear()  # the parent's locks and descriptors are not this process's


os.register_at_fork(after_in_child=_reset_after_fork)


def writer_lock(database: str) -> WriterLock | None:
    """This process's writer lock of ``database`` (None for in-memory and URI databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + "-writers"
    lock = _locks.get(path)
    if lock is None:
        with _registry:
            lock = _locks.get(path)
            if lock is None:
                lock = _locks[path] = WriterLock(path)
    return lock


def _starts_write(sql: str) -> bool:
    head = sql.lstrip()[:15].upper()
    return head.startswith(_WRITE_VERBS) or head.startswith(_BEGIN_WRITE)


class QueuedWriterCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection._before_statement(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        self.connection._before_statement(sql)
        return super().executemany(sql, seq_of_parameters)


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that takes the database's writer lock for each write transaction."""

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        self._writer_lock = writer_lock(os.fsdecode(database))
        self._holding = False

    def _before_statement(self, sql: str) -> None:
        # Only in pysqlite's implicit-transaction mode: its BEGIN comes right before the
        # first write, and the transaction ends with commit() or rollback().
        if self._writer_lock is not None and not self._holding and self.isolation_level is not None \
                and _starts_write(sql):
            self._writer_lock.acquire()
            self._holding = True

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            self._writer_lock.release()

    def cursor(self, factory=QueuedWriterCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

"""Database handle (Flask side): ``db`` and one metadata with FAB's security tables.

The model base lives in :mod:`govkit.orm` (no Flask); this module adds FAB's security
tables (ab_user, ab_role …) to that metadata, so they and the domain tables share one
metadata, one Alembic history and one transaction. Domain services take a SQLAlchemy
``Session`` argument and never import Flask; views pass ``db.session``.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask_appbuilder import Model as FabModel
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.security.sqla import models as fab_security_models  # noqa: F401  (declares ab_*)
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.engine import Engine

from govkit.listeners import Listeners
from govkit.orm import Model, UTCDateTime, adopt_tables, metadata, utcnow
from govkit.sqlite_writers import TIMEOUT_SECONDS as WRITER_TIMEOUT_SECONDS

__all__ = ["Model", "db", "utcnow", "metadata", "UTCDateTime", "listen", "create_engine", "RoutingSession",
           "READ_ROUTE"]

#: Name of the request's read route in ``flask.g`` (set by :mod:`govkit.web.replica`).
READ_ROUTE = "gk_read_route"


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session with a read route: the routing ``Session.get_bind`` SQLAlchemy documents.

    A request that reads from the PostgreSQL replica (:mod:`govkit.web.replica`) puts a function into
    ``flask.g`` under :data:`READ_ROUTE`; it gets ``(mapper, clause)`` of a statement and answers the
    replica's engine, or None for the primary. Flushes never ask it: every write goes to the primary.
    Without such a function (no replica, or a request that is not routed) nothing changes.
    """

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and not self._flushing and has_app_context():
            route: Callable[[Any, Any], Engine | None] | None = g.get(READ_ROUTE)
            engine = route(mapper, clause) if route is not None else None
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLA(session_options={"class_": RoutingSession})
adopt_tables(FabModel.metadata)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # pragma: no cover - trivial
    # Enforce foreign keys and allow concurrent readers on SQLite; no effect elsewhere.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(WRITER_TIMEOUT_SECONDS * 1000)}")
        cursor.close()


try:  # psycopg 3's "in a transaction" statuses (working, or failed and waiting for the rollback)
    from psycopg.pq import TransactionStatus as _Status
    _IN_TRANSACTION = (_Status.INTRANS, _Status.INERROR)
except ImportError:  # pragma: no cover - psycopg 3 not installed
    _IN_TRANSACTION = ()

#: Statements that change the schema (or run code that may): rolled back, they could leave a prepared statement
#: pointing at an object the rollback removed, so psycopg's own rollback forgets its prepared statements.
_SCHEMA = re.compile(r"\s*(CREATE|DROP|ALTER|TRUNCATE|COMMENT|GRANT|REVOKE|REINDEX|CLUSTER|IMPORT|SECURITY|DO|"
                     r"DISCARD|DEALLOCATE|LOAD|CALL)\b", re.IGNORECASE)
_SCHEMA_CHANGED = "gk_changed_schema"


def _transaction_begins(conn: Any) -> None:
    conn.info.pop(_SCHEMA_CHANGED, None)


def _note_schema_changes(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                           executemany: bool) -> None:
    if not conn.info.get(_SCHEMA_CHANGED) and _SCHEMA.match(statement):
        conn.info[_SCHEMA_CHANGED] = True


def _roll_back_keeping_prepared_statements(conn: Any) -> None:
    """Roll a psycopg 3 transaction back on the server directly, so psycopg keeps its prepared statements.

    psycopg prepares a statement on the server after its fifth use on a connection (``prepare_threshold``), and
    forgets all of them on every ``rollback()``: it cannot know whether they use objects created in the
    transaction. Every request ends its session with a rollback, so nothing was ever prepared and PostgreSQL
    parsed and planned every statement of every page again (0.3 ms of a village's case list at a million
    cases, bench/README.md). Prepared statements are not transactional — a ROLLBACK leaves them on the server
    — so this sends the ROLLBACK itself; psycopg's ``rollback()`` then finds the connection idle and does
    nothing. A transaction that changed the schema through SQLAlchemy (``CREATE``, ``DROP``, ``ALTER`` …) is left
    to psycopg, which rolls back and forgets them as before (a ``DROP`` or ``ALTER`` through a raw psycopg cursor
    makes psycopg forget them itself); psycopg2 and SQLite are unchanged. A
    failed ROLLBACK here is left to psycopg's, which deals with a broken connection as it always has."""
    if conn.invalidated or conn.closed:  # the server dropped it: nothing to keep, and no connection to read
        return
    if conn.info.pop(_SCHEMA_CHANGED, False):
        return
    try:
        pgconn = getattr(conn.connection.dbapi_connection, "pgconn", None)
        if pgconn is None or pgconn.transaction_status not in _IN_TRANSACTION:
            return
        pgconn.exec_(b"ROLLBACK")
    except Exception:  # noqa: BLE001 - psycopg's own rollback follows
        return


#: On every engine govkit makes: its apps' (:func:`listen`) and its migrations' (:func:`create_engine`).
ENGINE_LISTENERS = Listeners(("connect", _sqlite_pragmas), ("begin", _transaction_begins),
                             ("after_cursor_execute", _note_schema_changes),
                             ("rollback", _roll_back_keeping_prepared_statements))


def listen(app: Flask, *session_listeners: Listeners) -> None:
    """Attach govkit's listeners: the engine ones to ``app``'s engines, ``session_listeners`` to ``db.session``.

    Called by ``create_app`` right after ``db.init_app``, before any connection is made. ``db.session`` is
    one session factory for every app of the process, so a second app adds nothing there (see
    :mod:`govkit.listeners`).
    """
    with app.app_context():
        for engine in db.engines.values():
            ENGINE_LISTENERS.attach(engine)
    for listeners in session_listeners:
        listeners.attach(db.session)


def create_engine(url: str, **options: Any) -> Engine:
    """SQLAlchemy's ``create_engine`` with govkit's connection settings (the SQLite pragmas above)."""
    engine = sa.create_engine(url, **options)
    ENGINE_LISTENERS.attach(engine)
    return engine

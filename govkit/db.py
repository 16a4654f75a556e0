"""Database handle (Flask side): ``db`` and one metadata with FAB's security tables.

The model base lives in :mod:`govkit.orm` (no Flask); this module adds FAB's security
tables (ab_user, ab_role …) to that metadata, so they and the domain tables share one
metadata, one Alembic history and one transaction. Domain services take a SQLAlchemy
``Session`` argument and never import Flask; views pass ``db.session``.
"""
from __future__ import annotations

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


#: On every engine govkit makes: its apps' (:func:`listen`) and its migrations' (:func:`create_engine`).
ENGINE_LISTENERS = Listeners(("connect", _sqlite_pragmas))


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

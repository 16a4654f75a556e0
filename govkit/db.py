"""Database handle and model base.

govkit models share Flask-AppBuilder's declarative ``Model`` so that the security
tables (ab_user, ab_role …) and the domain tables live in one metadata, one
Alembic history and one transaction. Domain services take a SQLAlchemy
``Session`` argument and never import Flask; views pass ``db.session``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Engine

from govkit.listeners import Listeners
from govkit.sqlite_writers import TIMEOUT_SECONDS as WRITER_TIMEOUT_SECONDS

__all__ = ["Model", "db", "utcnow", "metadata", "UTCDateTime", "listen", "create_engine"]

db = SQLA()
metadata: MetaData = Model.metadata


def utcnow() -> datetime:
    """Timezone-aware current UTC time (stored as UTC on both SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc)


#: Column type for instants; naive values read back from SQLite are treated as UTC.
UTCDateTime = DateTime(timezone=True)


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

"""Database handle (Flask side): ``db`` and one metadata with FAB's security tables.

The model base lives in :mod:`govkit.orm` (no Flask); this module adds FAB's security
tables (ab_user, ab_role …) to that metadata, so they and the domain tables share one
metadata, one Alembic history and one transaction. Domain services take a SQLAlchemy
``Session`` argument and never import Flask; views pass ``db.session``.
"""
from __future__ import annotations

from flask_appbuilder import Model as FabModel
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.security.sqla import models as fab_security_models  # noqa: F401  (declares ab_*)
from sqlalchemy import event
from sqlalchemy.engine import Engine

from govkit.orm import Model, UTCDateTime, adopt_tables, metadata, utcnow
from govkit.sqlite_writers import TIMEOUT_SECONDS as WRITER_TIMEOUT_SECONDS

__all__ = ["Model", "db", "utcnow", "metadata", "UTCDateTime"]

db = SQLA()
adopt_tables(FabModel.metadata)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # pragma: no cover - trivial
    # Enforce foreign keys and allow concurrent readers on SQLite; no effect elsewhere.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(WRITER_TIMEOUT_SECONDS * 1000)}")
        cursor.close()

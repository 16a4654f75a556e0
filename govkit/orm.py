"""The model base, the metadata and the column helpers: plain SQLAlchemy, no Flask.

Domain models subclass :class:`Model` so that their modules — and the services built on
them — import without Flask or Flask-AppBuilder (a CLI, a job worker or a test needs no
app). FAB's security tables (ab_user, ab_role …) are declared on FAB's own base; importing
:mod:`govkit.db` adds them to :data:`metadata`, so create_all, Alembic and foreign keys to
``ab_user.id`` still see one metadata.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.orm import declarative_base

__all__ = ["Model", "metadata", "utcnow", "UTCDateTime", "adopt_tables", "note_bulk_change"]

metadata = MetaData()
_Base = declarative_base(metadata=metadata)


class Model(_Base):  # type: ignore[misc,valid-type]
    """Base of every govkit and plugin model (the shape of FAB's ``Model``, without Flask)."""

    __abstract__ = True
    __table_args__ = {"extend_existing": True}


def utcnow() -> datetime:
    """Timezone-aware current UTC time (stored as UTC on both SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc)


#: Column type for instants; naive values read back from SQLite are treated as UTC.
UTCDateTime = DateTime(timezone=True)


#: ``session.info`` key of the bulk changes announced by :func:`note_bulk_change`, recorded at commit.
BULK_CHANGES_KEY = "govkit_bulk_changes"


def note_bulk_change(session: Any, table: str, action: str, rows: int, detail: str = "") -> None:
    """Announce a change of many rows of ``table`` written past the ORM (driver SQL, COPY), e.g. an import.

    The audit trail (:mod:`govkit.audit.trail`) appends one entry with the count when the session commits
    and forgets the note on a rollback. A domain unit calls this without importing the audit unit.
    """
    session.info.setdefault(BULK_CHANGES_KEY, []).append(
        {"table": table, "action": action, "rows": int(rows), "detail": detail})


def adopt_tables(other: MetaData) -> None:
    """Add the tables of another metadata (FAB's) to :data:`metadata` as the same Table objects.

    Not copies: a foreign key to ``ab_user.id`` must resolve to the table FAB's models are
    mapped to, so that flushes order inserts correctly and create_all makes one schema.
    """
    for table in list(other.tables.values()):
        if metadata.tables.get(table.key) is not table:
            _add(table)


def _add(table: Table) -> None:
    # MetaData has no public "share this table" call; these are the two steps Table() itself
    # takes on joining a metadata: register it, then resolve the foreign keys that named it
    # before it existed (a ForeignKey("ab_user.id") column takes its type from the target).
    metadata._add_table(table.name, table.schema, table)
    for column in table.columns:
        for key in {(table.key, column.key), (table.key, column.name)}:
            for fk in list(metadata._fk_memos.get(key, ())):
                fk._set_remote_table(table)

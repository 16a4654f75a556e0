"""Case numbers (办件编号) and public progress tokens.

A case number is the accepting division's 12-digit code + the acceptance day
(YYYYMMDD) + a 4-digit sequence per division and day, e.g. ``220581102202202611210007``
(the sequence widens to 5 digits past 9,999 a day). The counter row
(``gk_case_number_seq``) is bumped with one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` statement: on PostgreSQL the row lock serialises concurrent registrations of
the same division and day until commit; on SQLite the database write lock does. Either
way two cases never get the same number, and a rolled-back registration gives its
number back with its transaction.
"""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from govkit.cases.models import CaseNumberSequence


def next_sequence(session: Session, division_code: str, day: date) -> int:
    """Atomically take the next sequence number of ``division_code`` on ``day``."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CaseNumberSequence.__table__
    statement = (
        insert(table)
        .values(division_code=division_code, day=day, last=1)
        .on_conflict_do_update(index_elements=[table.c.division_code, table.c.day],
                               set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int(session.execute(statement).scalar_one())


def format_case_number(division_code: str, day: date, sequence: int) -> str:
    return f"{division_code}{day:%Y%m%d}{sequence:04d}"


def next_case_number(session: Session, division_code: str, day: date) -> str:
    """A new unique, readable case number for a case accepted at ``division_code`` on ``day``."""
    return format_case_number(division_code, day, next_sequence(session, division_code, day))


def new_progress_token() -> str:
    """Random URL-safe token for the public progress link (128 bits)."""
    return secrets.token_urlsafe(16)

"""govkit.testing.databases: seeded templates copied per use; the shared database emptied after each test."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.hierarchy.models import Division
from govkit.testing.fixtures import ensure_division

pytestmark = pytest.mark.both_backends


def codes(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with Session(engine) as session:
        found = list(session.scalars(sa.select(Division.code).order_by(Division.code)))
    engine.dispose()
    return found


def test_template_is_seeded_once_and_copies_are_independent(govkit_backend, govkit_databases, request):
    seeded = []

    def seed(session):
        seeded.append(True)
        ensure_division(session, "621002101000")

    first = govkit_databases.copy(govkit_backend, "test_two_divisions", seed)
    second = govkit_databases.copy(govkit_backend, "test_two_divisions", seed)
    assert first != second and len(seeded) == 1
    engine = sa.create_engine(first)
    with Session(engine) as session:
        ensure_division(session, "621002102000")
        session.commit()
    engine.dispose()
    assert codes(first) == ["620000000000", "621000000000", "621002000000", "621002101000", "621002102000"]
    assert codes(second) == ["620000000000", "621000000000", "621002000000", "621002101000"]
    for url in (first, second):
        govkit_databases.drop(url)
    if govkit_backend == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        engine = sa.create_engine(cluster.url())
        with engine.connect() as conn:
            names = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
        engine.dispose()
        assert not {sa.make_url(first).database, sa.make_url(second).database} & names
    else:
        assert not any(Path(sa.make_url(url).database).exists() for url in (first, second))


def test_emptying_removes_rows_and_restarts_ids(govkit_databases, govkit_db_url, db, app):
    ensure_division(db.session, "621002101000")
    db.session.commit()
    db.session.execute(sa.delete(Division))  # the table is empty again, its ids have moved on
    db.session.commit()
    db.session.remove()
    govkit_databases.empty(govkit_db_url)
    engine = sa.create_engine(govkit_db_url)
    with Session(engine) as session:
        assert ensure_division(session, "621002000000").id == 3  # province, city, county: counted from 1
        session.commit()
        roles = session.scalar(sa.text("SELECT count(*) FROM ab_role"))
    engine.dispose()
    assert roles > 0  # FAB's roles and permissions stay
    govkit_databases.empty(govkit_db_url)
    assert codes(govkit_db_url) == []

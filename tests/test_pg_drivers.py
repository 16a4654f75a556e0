"""Both PostgreSQL drivers: psycopg 3 (what ``postgresql://`` selects) and psycopg2 (named explicitly).

The rest of the suite runs on psycopg 3; this runs the driver-specific code on psycopg2:
the division import's COPY + execute_values path and the single-statement case writes.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from govkit.settings import database_url


@pytest.mark.parametrize("given, used", [
    ("postgresql://govkit:pw@127.0.0.1/govkit", "postgresql+psycopg://govkit:pw@127.0.0.1/govkit"),
    ("postgres://govkit@db/govkit", "postgresql+psycopg://govkit@db/govkit"),
    ("postgresql+psycopg2://govkit@db/govkit", "postgresql+psycopg2://govkit@db/govkit"),
    ("postgresql+psycopg://govkit@db/govkit", "postgresql+psycopg://govkit@db/govkit"),
    ("sqlite:////srv/govkit/govkit.db", "sqlite:////srv/govkit/govkit.db"),
])
def test_a_url_without_a_driver_uses_psycopg_3(given, used):
    assert database_url(given) == used


def test_the_setting_is_normalised_where_it_is_read(tmp_path):
    from govkit.app import load_settings

    settings, _ = load_settings({"DATABASE_URL": "postgresql://govkit@127.0.0.1/govkit",
                                 "INSTANCE_PATH": str(tmp_path)}, load_entrypoints=False)
    assert settings["DATABASE_URL"] == "postgresql+psycopg://govkit@127.0.0.1/govkit"


@pytest.mark.backends("postgres")
def test_the_suite_runs_on_psycopg_3(db):
    assert db.engine.dialect.driver == "psycopg"


@pytest.mark.backends("postgres")
def test_psycopg2_imports_divisions_and_writes_a_lifecycle(make_app, govkit_db_url):
    from govkit.cases.models import Case, CaseEvent, CaseMaterial, OutboxMessage
    from govkit.cases.runtime import workflow_for
    from govkit.db import db
    from govkit.hierarchy.models import Division
    from govkit.hierarchy.sample import load_sample
    from tests.cases.conftest import build_world, register

    app = make_app(DATABASE_URL=govkit_db_url.replace("postgresql+psycopg://", "postgresql+psycopg2://"))
    with app.app_context():
        try:
            s = db.session
            assert db.engine.dialect.driver == "psycopg2"
            result = load_sample(s)  # COPY into the staging table, execute_values for the upper levels
            assert (result.rows, result.created, result.by_level) == (51, 51, {1: 1, 2: 1, 3: 1, 4: 10, 5: 38})
            village = s.scalar(sa.select(Division).where(Division.code == "621002102204"))
            assert (village.name, village.parent.code) == ("寺里村委会", "621002102000")

            world = build_world(s)
            workflow = workflow_for(app)
            case = register(workflow, s, world, materials_received=[world.implementation.materials[0].id])
            given = {m.material_id: m.id for m in case.materials}
            workflow.perform(s, case, "request_supplement", world.clerk, missing=[world.implementation.materials[1].id])
            workflow.perform(s, case, "resubmit", world.clerk)
            workflow.perform(s, case, "accept", world.clerk)
            workflow.perform(s, case, "forward", world.clerk)
            case_id = case.id
            s.expire_all()
            fresh = s.get(Case, case_id)
            stored = dict(s.execute(sa.select(CaseMaterial.material_id, CaseMaterial.id)
                                    .where(CaseMaterial.case_id == case_id)).all())
            assert stored == given
            assert (fresh.state, fresh.version) == ("forwarded", 5)
            assert [e.action for e in fresh.events] == ["register", "request_supplement", "resubmit", "accept",
                                                        "forward"]
            topics = s.scalars(sa.select(OutboxMessage.topic).order_by(OutboxMessage.id)).all()
            assert topics == ["case.register", "case.request_supplement", "case.resubmit", "case.accept",
                              "case.forward"]
            assert s.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 5
        finally:
            db.session.remove()


@pytest.mark.backends("postgres")
def test_a_rollback_keeps_psycopgs_prepared_statements_and_still_rolls_back(db):
    """Every request ends its session with a rollback; psycopg forgets its prepared statements on ROLLBACK, so
    none was ever prepared and PostgreSQL planned every page's statements again. govkit now sends the ROLLBACK
    itself (:func:`govkit.db._roll_back_keeping_prepared_statements`): the statement run five times is prepared
    and stays prepared, a written row is still gone after the rollback, and so is a failed transaction's state;
    after DDL, psycopg's own rollback forgets them as before."""
    from govkit.hierarchy.models import Division

    marker = "SELECT 1 AS gk_prepared_marker"

    def prepared(connection):
        statements = list(connection.scalars(sa.text("SELECT statement FROM pg_prepared_statements")))
        return any("gk_prepared_marker" in statement for statement in statements)

    divisions = sa.select(sa.func.count()).select_from(Division.__table__)
    with db.engine.connect() as connection:
        for _ in range(7):  # each in its own transaction, ended by a rollback as a request ends its session
            assert connection.execute(sa.text(marker)).scalar() == 1
            connection.rollback()
        assert prepared(connection)
        connection.rollback()

        count = connection.execute(divisions).scalar()
        connection.execute(Division.__table__.insert().values(code="621002109299", name="回滚村", level=5))
        connection.rollback()
        assert connection.execute(divisions).scalar() == count
        connection.rollback()

        with pytest.raises(sa.exc.DBAPIError):
            connection.execute(sa.text("SELECT 1 / 0"))
        connection.rollback()
        assert connection.execute(sa.text(marker)).scalar() == 1 and prepared(connection)
        connection.rollback()

        connection.execute(sa.text("CREATE TEMP TABLE gk_rolled_back (id integer)"))
        connection.rollback()
        assert not prepared(connection)
        assert connection.execute(sa.text(
            "SELECT count(*) FROM pg_class WHERE relname = 'gk_rolled_back'")).scalar() == 0
        connection.rollback()


@pytest.mark.backends("postgres")
def test_rolling_back_a_connection_the_server_dropped_does_not_fail(db):
    """A replica or primary that dies mid-answer invalidates the connection; the rollback that follows (e.g. the
    replica fallback answering the page again from the primary, ``govkit.web.replica._replica_lost``) must not
    fail in govkit's rollback listener, which then has no connection to read."""
    with db.engine.connect() as connection:
        pid = connection.scalar(sa.text("SELECT pg_backend_pid()"))
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.rollback()
        with pytest.raises(sa.exc.OperationalError):
            connection.execute(sa.text("SELECT 1"))
        assert connection.invalidated
        connection.rollback()  # raised PendingRollbackError from the listener
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1

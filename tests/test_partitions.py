"""Partitioned history on PostgreSQL (issue 25, item 5; govkit.partitions).

On a real PostgreSQL database of its own (partitions are schema, so not the shared test database): case events,
outbox and audit rows land in their month's partition through the unchanged ORM and workflow; a row of a month
without a partition waits in the default partition and ``ensure`` moves it out; ``ensure`` creates months ahead
and is idempotent (the ``partitions`` job runs it); an outbox key or audit seq already used in another month is
refused; a detached month leaves every query but stays a table, the detach is audited and the audit chain still
verifies from the first attached entry.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.cases.conftest import FakeClock, build_world, register

from govkit.audit.cli import audit_group
from govkit.audit.models import AuditEntry
from govkit.audit.trail import ARCHIVED, verify
from govkit.cases.models import CaseEvent, OutboxMessage
from govkit.cli.core import db_group
from govkit.clock import local_date
from govkit.partitions import (detach_before, ensure_partitions, is_partitioned, list_partitions, parse_month,
                               schema_difference_expected)

pytestmark = pytest.mark.backends("postgres")
OLD = date(2020, 1, 15)  # each test uses months of its own: the module shares one database
ARCHIVED_DAY = date(2019, 6, 12)


@pytest.fixture(scope="module")
def partitioned_db(govkit_backend, govkit_databases):
    """A database of this module's own (the schema template copied): its tests add and detach partitions, each
    in months of its own; the app's roles and permissions are written once."""
    url = govkit_databases.copy(govkit_backend, "schema")
    yield url
    govkit_databases.drop(url)


@pytest.fixture
def govkit_db_url(partitioned_db, govkit_databases):
    yield partitioned_db
    govkit_databases.empty(partitioned_db)


@pytest.fixture
def cli_env(govkit_config, monkeypatch):
    for key in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY"):
        monkeypatch.setenv(f"GOVKIT_{key}", str(govkit_config[key]))


def _workflow(app, day: date):
    from govkit.cases.calendar_store import CachedCalendar
    from govkit.cases.workflow import Workflow
    from govkit.state import get_state

    state = get_state(app)
    return Workflow(settings=state.settings, pm=state.pm, clock=FakeClock(day),
                    calendar_loader=CachedCalendar(state.pm, state.settings, ttl=3600))


def _where(session, table: str) -> dict[str, int]:
    """partition → rows of ``table``."""
    return dict(session.execute(sa.text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")).all())


def test_rows_land_in_their_month_the_default_partition_catches_the_rest_and_ensure_moves_them(app, db):
    session = db.session
    this_month = f"{local_date():%Y%m}"
    world = build_world(session)  # audited catalog and division rows: audit entries of this month
    case = register(_workflow(app, local_date()), session, world)
    _workflow(app, local_date()).perform(session, case, "accept", world.clerk)
    assert _where(session, "gk_case_event") == {f"gk_case_event_p{this_month}": 2}
    assert _where(session, "gk_outbox") == {f"gk_outbox_p{this_month}": 2}
    assert set(_where(session, "gk_audit_entry")) == {f"gk_audit_entry_p{this_month}"}

    # A case of a month without a partition: its rows wait in the default partition, nothing fails.
    old = register(_workflow(app, OLD), session, world)
    assert _where(session, "gk_case_event")["gk_case_event_default"] == 1
    ids = [e.id for e in old.events]

    from govkit.jobs.queue import JOBS  # deferred: the job module loads Dramatiq and Redis

    summary = JOBS["partitions"][0](app)  # the partitions job: ensure_partitions with PARTITION_MONTHS_AHEAD
    assert "gk_case_event_p202001" in summary and "移入" in summary
    assert _where(session, "gk_case_event") == {f"gk_case_event_p{this_month}": 2, "gk_case_event_p202001": 1}
    # the ORM reads them as before, by id and through the relationship
    session.expire_all()
    assert [e.id for e in session.get(type(old), old.id).events] == ids
    assert session.get(CaseEvent, ids[0]).action == "register"
    assert session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 3

    # months ahead exist for every table; a second ensure creates nothing
    session.commit()
    with db.engine.begin() as connection:
        months = {(p.table, p.month) for p in list_partitions(connection) if p.month}
        assert ensure_partitions(connection, months_ahead=3).created == []
    first = local_date().replace(day=1)
    ahead = [date(first.year + (first.month + k - 1) // 12, (first.month + k - 1) % 12 + 1, 1) for k in range(4)]
    assert {(t, m) for t in ("gk_case_event", "gk_outbox", "gk_audit_entry") for m in ahead} <= months


def test_a_used_outbox_key_or_audit_seq_is_refused_in_any_month(db):
    session = db.session
    may = datetime(2020, 5, 5, tzinfo=timezone.utc)
    session.add(OutboxMessage(topic="t", key="same-key", payload={}, created_at=may))
    session.commit()
    with db.engine.begin() as connection:  # the row moves to its own month: still refused from another month
        ensure_partitions(connection, since=date(2020, 5, 1), today=date(2020, 5, 1), months_ahead=0)
    for created in (datetime.now(timezone.utc), datetime(2020, 5, 20, tzinfo=timezone.utc)):
        session.add(OutboxMessage(topic="t", key="same-key", payload={}, created_at=created))
        with pytest.raises(sa.exc.IntegrityError, match="gk_outbox_key"):
            session.commit()
        session.rollback()
    session.add(OutboxMessage(topic="t", key="other-key", payload={}))
    session.commit()

    fields = dict(actor="t", action="新增", table_name="x", row_key="1", summary="", prev_hash="0" * 64, hash="h")
    seq = (session.scalar(sa.select(sa.func.max(AuditEntry.seq))) or 0) + 1
    session.add(AuditEntry(seq=seq, at=may, **fields))
    session.commit()
    session.add(AuditEntry(seq=seq, at=datetime.now(timezone.utc), **fields))
    with pytest.raises(sa.exc.IntegrityError, match="gk_audit_seq"):
        session.commit()
    session.rollback()


def test_detach_archives_old_months_audited_and_the_audit_chain_still_verifies(app, db, monkeypatch, cli_env):
    import govkit.audit.trail as trail

    session = db.session
    session.execute(sa.text("TRUNCATE gk_audit_entry"))  # a chain that starts in June 2019 (before the app's start)
    session.commit()
    with monkeypatch.context() as patch:
        patch.setattr(trail, "utcnow", lambda: datetime(2019, 6, 10, 2, tzinfo=timezone.utc))
        world = build_world(session)  # audit entries of June 2019
    register(_workflow(app, ARCHIVED_DAY), session, world)  # an event of June 2019
    session.add(OutboxMessage(topic="t", key="old-key", payload={},
                              created_at=datetime(2019, 6, 5, tzinfo=timezone.utc)))
    world.item.name = "临时救助申请（改）"  # an audit entry of this month
    session.commit()
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    session.commit()  # no transaction of the test holds a lock the detach waits for

    runner = CliRunner()
    bad = runner.invoke(db_group, ["partitions", "detach", "--before", "2019-13"])
    assert bad.exit_code != 0 and "格式不对" in bad.output
    done = runner.invoke(db_group, ["partitions", "detach", "--before", "2019-07"])
    assert done.exit_code == 0, done.output
    assert "共分离 3 个分区（2019-07 之前）" in done.output
    listed = runner.invoke(db_group, ["partitions", "list"])
    assert "gk_audit_entry_p201906\t已分离（待归档）" in listed.output

    session.expire_all()
    # gone from every query, kept as a table to dump
    assert session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 0
    assert session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == "old-key")) is None
    kept = session.execute(sa.text("SELECT count(*) FROM gk_case_event_p201906")).scalar()
    assert kept == 1 and not is_partitioned(session.connection(), "gk_case_event_p201906")
    # the detached outbox keys left with their month; the audit's seqs stay
    assert session.execute(sa.text("SELECT count(*) FROM gk_outbox_key WHERE key = 'old-key'")).scalar() == 0
    # audited, with the boundary of the audit chain
    archived = list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == ARCHIVED)))
    assert sorted(e.row_key for e in archived) == ["gk_audit_entry_p201906", "gk_case_event_p201906",
                                                    "gk_outbox_p201906"]
    assert all(e.actor.startswith("命令行 govkit db partitions detach") for e in archived)
    count, problems = verify(session)
    assert problems == [] and 0 < count < total + 3
    assert runner.invoke(audit_group, ["verify"]).exit_code == 0

    # Guard: the check starts after the archived entries only as the archive entry recorded them
    boundary = next(e for e in archived if e.table_name == "gk_audit_entry")
    first = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id).limit(1)).one()
    assert first.seq > 1 and trail._start(session) == (first.prev_hash, first.seq, 0)
    session.execute(sa.update(AuditEntry).where(AuditEntry.id == boundary.id)
                    .values(after=boundary.after.replace(first.prev_hash, "0" * 64)))
    assert trail._start(session) == (trail.GENESIS, 1, 0)
    assert verify(session)[1] != []
    session.rollback()


def test_detach_refuses_current_months_and_sqlite_has_no_partitions(db):
    with pytest.raises(ValueError, match="不能分离本月或以后的分区"):
        detach_before(db.session, date(2999, 1, 1))
    with pytest.raises(ValueError, match="格式不对"):
        parse_month("2024/01")
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        assert ensure_partitions(connection).created == [] and list_partitions(connection) == []
    engine.dispose()


def test_the_migration_check_ignores_only_what_partitioning_changes():
    """Guard: the filter of tests/test_migrations.py hides the partitions and replaced uniques, nothing else."""
    meta = sa.MetaData()
    outbox = sa.Table("gk_outbox", meta, sa.Column("key", sa.String), sa.Column("topic", sa.String))
    other = sa.Table("gk_case", meta, sa.Column("key", sa.String))
    assert schema_difference_expected(None, "gk_case_event_p202612", "table", True, None)
    assert schema_difference_expected(None, "gk_outbox_key", "table", True, None)
    assert schema_difference_expected(sa.UniqueConstraint(outbox.c.key), None, "unique_constraint", False, None)
    assert schema_difference_expected(sa.Index("ix_gk_outbox_key", outbox.c.key), "ix_gk_outbox_key", "index",
                                      True, None)
    assert not schema_difference_expected(None, "gk_case_event", "table", True, None)
    assert not schema_difference_expected(None, "gk_case_p202612", "table", True, None)
    assert not schema_difference_expected(sa.UniqueConstraint(outbox.c.topic), None, "unique_constraint", False, None)
    assert not schema_difference_expected(sa.UniqueConstraint(other.c.key), None, "unique_constraint", False, None)
    assert not schema_difference_expected(sa.Index("ix_other", outbox.c.topic), "ix_other", "index", True, None)

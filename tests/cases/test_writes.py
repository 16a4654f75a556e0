"""How a transition is written (govkit.cases.writes): the Core fast path and its fallbacks."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from govkit.cases import writes
from govkit.cases.models import Case, CaseEvent, CaseMaterial, CasePause, OutboxMessage
from govkit.errors import ConcurrentModification
from tests.cases.conftest import register

pytestmark = pytest.mark.both_backends


class Statements:
    """Records the SQL statements an engine runs (first word and table)."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def __enter__(self) -> "Statements":
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        words = statement.split()
        table = next((w for w in words[1:6] if w.startswith("gk_")), "")
        self.seen.append(f"{words[0]} {table}".strip())

    def writes(self) -> list[str]:
        return [s for s in self.seen if s.split()[0] in ("INSERT", "UPDATE", "DELETE", "WITH")]


def counts(session, case_id):
    events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
    outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
    return events, outbox


def test_a_transition_is_one_versioned_update_and_two_inserts(workflow, world, db):
    s = db.session
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    case_id, version = case.id, case.version
    events_before, outbox_before = counts(s, case_id)
    with Statements(db.engine) as sql:
        new_event = workflow.perform(s, case, "forward", world.clerk)
    if db.engine.dialect.name == "postgresql":  # one round trip: WITH u AS (UPDATE …), e AS (INSERT …), o AS (INSERT …)
        assert sql.writes() == ["WITH gk_case"]
    else:
        assert sql.writes() == ["UPDATE gk_case", "INSERT gk_case_event", "INSERT gk_outbox"]
    # The ORM objects know what was written: nothing is written twice at the commit.
    assert new_event.id is not None and new_event.case is case
    s.expire_all()
    fresh = s.get(Case, case_id)
    assert ((fresh.state, fresh.version, fresh.current_division_code)
            == ("forwarded", version + 1, world.implementation.division.code))
    assert counts(s, case_id) == (events_before + 1, outbox_before + 1)
    assert [e.action for e in fresh.events][-1] == "forward"
    row = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert ((row.topic, row.payload["case_number"], row.payload["to_state"])
            == ("case.forward", fresh.number, "forwarded"))


def test_registration_inserts_case_checklist_event_and_outbox_once(workflow, world, db):
    s = db.session
    with Statements(db.engine) as sql:
        case = register(workflow, s, world, materials_received=[world.implementation.materials[0].id])
    if db.engine.dialect.name == "postgresql":
        # the number's counter, then one round trip: WITH c AS (INSERT gk_case), m AS (INSERT
        # gk_case_material … unnest), e AS (INSERT gk_case_event), o AS (INSERT gk_outbox)
        assert sql.writes() == ["INSERT gk_case_number_seq", "WITH gk_case"]
    else:  # one statement per checklist row on SQLite
        assert sql.writes() == ["INSERT gk_case_number_seq", "INSERT gk_case", "INSERT gk_case_material",
                                "INSERT gk_case_material", "INSERT gk_case_event", "INSERT gk_outbox"]
    # Each checklist object got the id of its own row, the event the id of its row.
    given = {m.material_id: (m.id, m.status) for m in case.materials}
    stored = {material_id: (row_id, status) for row_id, material_id, status in s.execute(
        select(CaseMaterial.id, CaseMaterial.material_id, CaseMaterial.status)
        .where(CaseMaterial.case_id == case.id))}
    assert given == stored and len(stored) == 2
    event_row = s.execute(select(CaseEvent.id, CaseEvent.action).where(CaseEvent.case_id == case.id)).one()
    outbox_row = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert (event_row.action, outbox_row.topic, outbox_row.payload["case_number"]) == ("register", "case.register",
                                                                                       case.number)
    # Column defaults and foreign keys are what a flush would have written.
    s.expire_all()
    fresh = s.get(Case, case.id)
    assert (fresh.state, fresh.version, fresh.implementation_id) == ("registered", 1, world.implementation.id)
    assert (fresh.extension_days, fresh.due_provisional, fresh.proxy_authorised) == (0, False, False)
    assert sorted((m.material.name, m.received) for m in fresh.materials) == [("困难情况说明", False), ("身份证", True)]
    assert [e.action for e in fresh.events] == ["register"]
    # The checklist rows are ordinary persistent objects afterwards.
    row = fresh.materials[0]
    row.note = "复印件"
    s.commit()
    assert s.scalar(select(CaseMaterial.note).where(CaseMaterial.id == row.id)) == "复印件"


def test_registration_without_materials_in_one_statement(workflow, world, db):
    """An implementation with no materials: the checklist arrays are empty, the rest is written."""
    s = db.session
    world.implementation.materials.clear()
    s.commit()
    case = register(workflow, s, world)
    s.expire_all()
    fresh = s.get(Case, case.id)
    assert (fresh.state, fresh.materials, [e.action for e in fresh.events]) == ("registered", [], ["register"])


def test_an_action_reads_what_it_loads_with_the_case_in_one_query(app, workflow, world, db):
    """load_case(…, loads) joins the relationships a step declares (accept: three) into one SELECT."""
    from govkit.cases.api import load_case

    s = db.session
    case = register(workflow, s, world, materials_received=[world.implementation.materials[0].id])
    workflow.perform(s, case, "request_supplement", world.clerk, missing=[world.implementation.materials[1].id])
    workflow.perform(s, case, "resubmit", world.clerk)
    case_id, promised = case.id, world.implementation.promised_days
    s.commit()
    s.expunge_all()
    step = workflow.action("accept")
    assert step.loads == ("implementation", "materials", "pauses")
    with Statements(db.engine) as sql:
        loaded = load_case(case_id, world.clerk, step.loads)
        # two checklist rows × one pause come back as one case with two rows and one pause
        seen = (loaded.implementation.promised_days, sorted(m.material.name for m in loaded.materials),
                [p.reason for p in loaded.pauses])
    assert seen == (promised, ["困难情况说明", "身份证"], ["supplement"])
    assert [w.split()[0] for w in sql.seen] == ["SELECT"]
    s.expunge_all()
    with Statements(db.engine) as sql:  # a step that loads nothing reads the case row alone
        plain = load_case(case_id, world.clerk)
        assert len(plain.materials) == 2
    assert [w.split()[0] for w in sql.seen] == ["SELECT", "SELECT"]


def test_a_stale_version_loses_and_writes_nothing(workflow, world, db):
    s = db.session
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    case_id = case.id
    with Session(db.engine) as stale_session, Session(db.engine) as other:
        stale = stale_session.get(Case, case_id)
        stale.implementation.item  # noqa: B018 - what forward reads
        workflow.perform(other, other.get(Case, case_id), "forward", world.clerk)  # someone else first
        before = counts(s, case_id)
        with pytest.raises(ConcurrentModification, match="办件已被他人修改"):
            workflow.perform(stale_session, stale, "forward", world.clerk)
        assert not writes.pending(stale_session)
    s.expire_all()
    assert s.get(Case, case_id).version == 3
    assert counts(s, case_id) == before


def test_effects_that_add_rows_go_through_the_unit_of_work(workflow, world, db):
    s = db.session
    case = register(workflow, s, world, materials_received=[])
    missing = [m.id for m in world.implementation.materials]
    with Statements(db.engine) as sql:
        workflow.perform(s, case, "request_supplement", world.clerk, missing=missing)
    assert "INSERT gk_case_pause" in sql.writes() and "INSERT gk_case_event" in sql.writes()
    s.expire_all()
    fresh = s.get(Case, case.id)
    assert [p.reason for p in fresh.pauses] == ["supplement"]
    assert [e.action for e in fresh.events] == ["register", "request_supplement"]


def test_mapper_listeners_still_see_every_write(workflow, world, db):
    """A plugin listening to flush-time events of the case table gets a real flush."""
    seen = []

    def listener(mapper, connection, target):
        seen.append(target.state)

    event.listen(Case, "before_update", listener)
    try:
        s = db.session
        case = register(workflow, s, world)
        workflow.perform(s, case, "accept", world.clerk)
    finally:
        event.remove(Case, "before_update", listener)
    assert seen == ["accepted"]


def test_a_caller_committing_by_itself_loses_no_event(workflow, world, db, clock):
    s = db.session
    case = register(workflow, s, world)
    case_id = case.id
    workflow.record_event(s, case, "note", case.state, world.clerk, comment="电话联系申请人")
    s.commit()  # without finish(): nothing else is dirty, the queue is written anyway
    assert [e.action for e in s.get(Case, case_id).events] == ["register", "note"]
    assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == "case.note")) == 1


def test_a_rollback_drops_the_queued_event(workflow, world, db):
    s = db.session
    case = register(workflow, s, world)
    case_id = case.id
    workflow.record_event(s, case, "note", case.state, world.clerk)
    assert writes.pending(s)
    s.rollback()
    assert not writes.pending(s)
    s.commit()
    assert [e.action for e in s.get(Case, case_id).events] == ["register"]


def test_pause_rows_are_written_with_the_resume(workflow, world, db, clock):
    """suspend opens a pause (unit of work); resume closes it and moves the deadline."""
    from datetime import date

    s = db.session
    case = register(workflow, s, world)
    for action, who, fields in [("accept", world.clerk, {}), ("forward", world.clerk, {}),
                                ("sign_for", world.dispatch, {}),
                                ("assign", world.dispatch, {"department_id": world.department.id}),
                                ("start_review", world.handler, {})]:
        workflow.perform(s, case, action, who, **fields)
    due = case.due_date
    procedure = world.implementation.special_procedures[0]
    workflow.perform(s, case, "suspend", world.handler, procedure_id=procedure.id)
    clock.day = date(2026, 3, 9)
    workflow.perform(s, case, "resume", world.handler)
    s.expire_all()
    fresh = s.get(Case, case.id)
    assert [(p.reason, p.end is not None) for p in fresh.pauses] == [("special", True)]
    assert fresh.due_date > due
    assert s.scalar(select(func.count()).select_from(CasePause).where(CasePause.case_id == case.id)) == 1

"""Worked examples of the intake rules (行政许可法第三十二条): the §32 clock and 视为受理, the three-state
materials checklist and the 一次性告知书, the 补正 period and 视为撤回."""
from __future__ import annotations

from datetime import date

import pytest

from govkit.cases.deadlines import deadline_status, statuses_sql
from govkit.cases.models import Case
from govkit.cases.workflow import Actor
from govkit.catalog.models import Material
from govkit.desk.documents import case_notice
from govkit.errors import InvalidTransition, ValidationError
from tests.cases.conftest import register
from tests.cases.test_calendar_cli import govkit_cli  # noqa: F401  (fixture)

# November 2026 has no holidays: Mon 11-02 … Fri 11-06, Mon 11-09 … are working days.
RECEIVED = date(2026, 11, 2)


@pytest.fixture
def rows(world, db):
    """The item's materials: 身份证 and 困难情况说明 (必需) and a proxy's 授权委托书 (情形必需)."""
    proxy = Material(name="授权委托书", necessity="情形必需", position=3, condition_text="代办时提交")
    world.implementation.materials.append(proxy)
    db.session.commit()
    ident, hardship = world.implementation.materials[:2]
    return ident.id, hardship.id, proxy.id


def _card(workflow, s, case):
    python = deadline_status(case, workflow.calendar(s), workflow.settings, workflow.today())
    sql = statuses_sql(s, [case.id], workflow.today(), workflow.settings)[case.id]
    assert (python.remaining, python.card) == sql  # the queue (SQL) and the case page (Python) agree
    return python.card, python.remaining


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_deemed_acceptance_after_five_working_days(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received", hardship: "received", proxy: "na"})
    # 11-03 (1), 11-04 (2), 11-05 (3), 11-06 (4), 11-09 (5): the intake clock ends Mon 11-09.
    assert (case.received_date, case.intake_due_date, case.accepted_date) == (RECEIVED, date(2026, 11, 9), None)
    clock.day = date(2026, 11, 5)
    assert _card(workflow, s, case) == ("green", 2)
    clock.day = date(2026, 11, 6)
    assert _card(workflow, s, case) == ("yellow", 1)  # yellow when ≤ 1 working day left
    clock.day = date(2026, 11, 10)
    assert _card(workflow, s, case) == ("red", -1)
    names = [a.name for a in workflow.allowed_actions(s, case, world.clerk)]
    assert "deem_accepted" in names and not {"accept", "refuse", "request_supplement"} & set(names)

    event = workflow.perform(s, case, "deem_accepted", Actor.system())
    assert (event.actor_name, event.data["deemed_accepted_from"]) == ("系统", "2026-11-02")
    # 视为受理: accepted on the day of receipt and the promised 10 working days run from it:
    # 11-03 … 11-06 (4), 11-09 … 11-13 (9), 11-16 (10).
    assert (case.state, case.deemed_accepted, case.accepted_date) == ("accepted", True, RECEIVED)
    assert (case.due_date, case.intake_due_date) == (date(2026, 11, 16), None)
    notice = case_notice(s, case, workflow.settings)
    assert (notice.deemed_accepted, notice.accepted_date, notice.received_date) == (True, RECEIVED, RECEIVED)


def test_deemed_acceptance_applies_when_the_case_is_next_touched(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received", hardship: "received", proxy: "na"})
    clock.day = date(2026, 11, 9)  # the last day: acceptance is still the clerk's
    assert "accept" in [a.name for a in workflow.allowed_actions(s, case, world.clerk)]
    clock.day = date(2026, 11, 12)
    with pytest.raises(InvalidTransition, match="已受理"):
        workflow.perform(s, case, "accept", world.clerk)
    s.rollback()
    case = s.get(Case, case.id)
    assert [e.action for e in case.events] == ["register", "deem_accepted"]
    assert (case.accepted_date, case.deemed_accepted) == (RECEIVED, True)


def test_a_supplement_notice_in_time_stops_the_intake_clock(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received", hardship: "missing", proxy: "na"})
    clock.day = date(2026, 11, 9)
    workflow.perform(s, case, "request_supplement", world.clerk)
    clock.day = date(2026, 11, 30)
    assert workflow.apply_deemed_acceptance(s, case) is None and case.state == "supplement"


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_notice_refused_while_a_row_is_undecided_and_contains_every_missing_row(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received"})  # nothing else pre-decided
    assert {r.material_id: r.status for r in case.materials} == {ident: "received", hardship: None, proxy: None}
    with pytest.raises(ValidationError, match="尚有 2 项未确认（困难情况说明、授权委托书）"):
        workflow.perform(s, case, "request_supplement", world.clerk, missing=["户口簿复印件"])
    s.rollback()
    case = s.get(Case, case.id)
    with pytest.raises(ValidationError, match="未确认"):
        workflow.perform(s, case, "accept", world.clerk)
    s.rollback()
    case = s.get(Case, case.id)
    # The clerk names only the extra item: the two rows marked 缺 are on the notice all the same.
    event = workflow.perform(s, case, "request_supplement", world.clerk,
                             material_states={hardship: "missing", proxy: "missing"}, missing=["户口簿复印件"])
    assert event.data["missing"] == ["困难情况说明", "授权委托书", "户口簿复印件"]
    assert case.supplement_extra == ["户口簿复印件"]
    notice = case_notice(s, case, workflow.settings)
    assert [m.name for m in notice.missing_materials] == ["困难情况说明", "授权委托书", "户口簿复印件"]
    # Default 补正 period SUPPLEMENT_PERIOD_DAYS = 20 working days: 11-03 … 11-30 (20).
    assert (notice.supplement_days, notice.supplement_deadline) == (20, date(2026, 11, 30))
    assert notice.supplement_deadline_provisional is False


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_not_applicable_only_on_conditionally_required_rows(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    with pytest.raises(ValidationError, match="身份证”为必需材料，不能标为“不适用”"):
        register(workflow, s, world, material_states={ident: "na", hardship: "received", proxy: "na"})
    s.rollback()
    case = register(workflow, s, world, material_states={hardship: "received", proxy: "na"})
    with pytest.raises(ValidationError, match="困难情况说明”为必需材料"):
        workflow.perform(s, case, "accept", world.clerk, material_states={hardship: "na"})
    s.rollback()
    case = s.get(Case, case.id)
    # The one click "必需材料均已收取" decides the required rows; 不适用 stays on the proxy's letter.
    workflow.perform(s, case, "accept", world.clerk, all_required_received=True)
    assert {r.material_id: r.status for r in case.materials} == {ident: "received", hardship: "received",
                                                                 proxy: "na"}
    assert case.state == "accepted" and case.accepted_date == RECEIVED


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_supplement_deadline_and_deemed_withdrawal(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    world.implementation.supplement_days = 3  # this item gives the applicant 3 working days
    s.commit()
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received", hardship: "missing", proxy: "na"})
    clock.day = date(2026, 11, 4)  # Wed: 11-05 (1), 11-06 (2), 11-09 (3)
    event = workflow.perform(s, case, "request_supplement", world.clerk)
    assert (event.data["supplement_days"], event.data["supplement_due"]) == (3, "2026-11-09")
    assert (case.supplement_due_date, case_notice(s, case, workflow.settings).supplement_days) == (
        date(2026, 11, 9), 3)
    clock.day = date(2026, 11, 9)
    with pytest.raises(InvalidTransition, match="补正期限（2026年11月9日）尚未届满"):
        workflow.perform(s, case, "withdraw_deemed", world.clerk)
    s.rollback()
    case = s.get(Case, case.id)
    clock.day = date(2026, 11, 10)
    # Flagged (queue card 补正逾期), never closed silently: still waiting for 补正 until the clerk acts.
    assert _card(workflow, s, case) == ("lapsed", None)
    assert workflow.apply_deemed_acceptance(s, case) is None and case.state == "supplement"
    assert "withdraw_deemed" in [a.name for a in workflow.allowed_actions(s, case, world.clerk)]
    assert "withdraw_deemed" not in [a.name for a in workflow.allowed_actions(s, case, world.agent)]
    event = workflow.perform(s, case, "withdraw_deemed", world.clerk)
    assert (case.state, event.action, event.data["supplement_due"], event.data["missing"]) == (
        "withdrawn", "withdraw_deemed", "2026-11-09", ["困难情况说明"])
    assert case.paused_since is None and all(p.end is not None for p in case.pauses)


def test_resubmission_restarts_the_intake_watch_but_never_deems(workflow, world, db, clock, rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED
    case = register(workflow, s, world, material_states={ident: "received", hardship: "missing", proxy: "na"})
    workflow.perform(s, case, "request_supplement", world.clerk, missing_extra="户口簿复印件")
    clock.day = date(2026, 11, 5)
    workflow.perform(s, case, "resubmit", world.agent)
    assert (case.state, case.intake_due_date) == ("registered", date(2026, 11, 12))
    assert {r.material_id: r.status for r in case.materials}[hardship] == "received"
    clock.day = date(2026, 11, 13)
    assert _card(workflow, s, case)[0] == "red"  # shown on the watch …
    assert workflow.apply_deemed_acceptance(s, case) is None  # … but §32 covers only a missing notice



def test_nightly_command_deems_accepted_and_only_lists_lapsed_supplements(govkit_cli, workflow, world, db, clock,  # noqa: F811 (fixture)
                                                                          rows):
    s = db.session
    ident, hardship, proxy = rows
    clock.day = RECEIVED  # long before the real today the command runs on
    late = register(workflow, s, world, material_states={ident: "received", hardship: "received", proxy: "na"})
    waiting = register(workflow, s, world, material_states={ident: "received", hardship: "missing", proxy: "na"})
    workflow.perform(s, waiting, "request_supplement", world.clerk)
    dry = govkit_cli("cases", "deem-accepted", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{late.number}  收件 2026-11-02" in dry.output and "将视为受理 1 件；补正逾期 1 件" in dry.output
    s.expire_all()
    assert s.get(Case, late.id).state == "registered"
    result = govkit_cli("cases", "deem-accepted")
    assert result.exit_code == 0, result.output
    assert f"{waiting.number}  补正期限 2026-11-30 已过" in result.output
    s.expire_all()
    late, waiting = s.get(Case, late.id), s.get(Case, waiting.id)
    assert (late.state, late.accepted_date, late.events[-1].action) == ("accepted", RECEIVED, "deem_accepted")
    assert late.events[-1].actor_name.startswith("系统（命令行")
    assert waiting.state == "supplement"  # 视为撤回 is the clerk's step, never the job's

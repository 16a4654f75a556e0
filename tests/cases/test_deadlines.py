"""Worked deadline examples with cases on real 2025/2026 dates, and SQL ≡ Python status.

Notation in the comments: "(k)" = k-th counted working day; 休 = holiday; 班 = 调休
make-up workday; 停 = paused (not counted). Limits are the implementation's 10 promised days.
"""
from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest

from govkit.cases.calendar import YearSchedule
from govkit.cases.calendar_changes import enter_year_schedule
from govkit.cases.calendar_store import fill_working_days, years_to_enter
from govkit.cases.deadlines import deadline_status, pause_period, statuses_sql
from govkit.cases.models import Case, CaseEvent, CasePause
from govkit.errors import InvalidTransition
from tests.cases.conftest import FakeClock, register
from tests.cases.test_calendar_provisional import clerk  # noqa: F401  (fixture)

pytestmark = pytest.mark.both_backends


def _to_review(workflow, s, world, case):
    workflow.perform(s, case, "forward", world.clerk)
    workflow.perform(s, case, "sign_for", world.dispatch)
    workflow.perform(s, case, "assign", world.dispatch, department_id=world.department.id)
    workflow.perform(s, case, "start_review", world.handler)


def test_national_day_2025_with_make_up_days(workflow, world, db, clock):
    clock.day = date(2025, 9, 26)  # Fri, accepted (not counted)
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    # Sat 09-27 no; Sun 09-28 班 (1); 09-29 (2); 09-30 (3); 10-01…10-08 休;
    # Thu 10-09 (4); Fri 10-10 (5); Sat 10-11 班 (6); 10-13 (7); 10-14 (8); 10-15 (9); Thu 10-16 (10).
    assert case.due_date == date(2025, 10, 16) and not case.due_provisional


def test_spring_festival_2026_special_procedure_pause_and_extension(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 2, 10)  # Tue, accepted
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    # 02-11 (1); 02-12 (2); 02-13 (3); Sat 02-14 班 (4); 02-15…02-23 休; 02-24 (5) … 02-27 (8);
    # Sat 02-28 班 (9); Mon 03-02 (10).
    assert case.due_date == date(2026, 3, 2)
    clock.day = date(2026, 2, 11)
    _to_review(workflow, s, world, case)
    clock.day = date(2026, 2, 12)  # Thu: expert review starts; clock stops from 02-13
    procedure = world.implementation.special_procedures[0]
    event = workflow.perform(s, case, "suspend", world.handler, procedure_id=procedure.id)
    # Allowance 5 working days from 02-12: 02-13 (1), 02-14 班 (2), 02-24 (3), 02-25 (4), 02-26 (5).
    assert event.data["allowance_due"] == "2026-02-26"
    assert deadline_status(case, workflow.calendar(s), workflow.settings, date(2026, 2, 26)).card == "paused"
    # Past the time told to the applicant (行政许可法第四十五条): 特别程序超时, not merely paused.
    assert deadline_status(case, workflow.calendar(s), workflow.settings, date(2026, 2, 27)).card == "overrun"
    clock.day = date(2026, 2, 25)  # Wed: review done; 02-13 … 02-25 停
    workflow.perform(s, case, "resume", world.handler)
    # 02-11 (1); 02-12 (2); 停 02-13…02-25; 02-26 (3); 02-27 (4); 02-28 班 (5); 03-02 (6) … 03-06 (10).
    assert case.due_date == date(2026, 3, 6)
    clock.day = date(2026, 3, 2)
    workflow.perform(s, case, "request_extension", world.handler, days=3, reason="需实地核查")
    assert case.due_date == date(2026, 3, 6)  # a request alone does not move the deadline
    event = workflow.perform(s, case, "extend", world.head, reason="同意延长")
    # 13 days: … 03-06 (10); 03-09 (11); 03-10 (12); 03-11 (13).
    assert case.due_date == date(2026, 3, 11)
    assert event.data["approved_by"] == world.head.name and event.data["old_due"] == "2026-03-06"


def test_late_supplement_notice_counts_as_accepted_from_receipt(workflow, world, db, clock):
    """行政许可法 §32: a 补正 notice after five working days comes too late — the case was accepted on receipt."""
    s = db.session
    clock.day = date(2025, 9, 22)  # Mon, materials received
    case = register(workflow, s, world)
    clock.day = date(2025, 10, 9)
    # Working days after 09-22 up to 10-09: 09-23 … 09-26 (4), 09-28 班 (5), 09-29 (6), 09-30 (7),
    # 10-09 (8) > 5 → the notice is refused, and touching the case deems it accepted from 09-22.
    with pytest.raises(InvalidTransition, match="已受理"):
        workflow.perform(s, case, "request_supplement", world.clerk, missing=[world.implementation.materials[1].id])
    s.rollback()
    case = s.get(Case, case.id)
    assert [e.action for e in case.events] == ["register", "deem_accepted"] and case.deemed_accepted
    # From 09-22: 09-23 (1) … 09-26 (4); 09-28 班 (5); 09-29 (6); 09-30 (7); 10-09 (8); 10-10 (9);
    # Sat 10-11 班 (10).
    assert (case.accepted_date, case.due_date) == (date(2025, 9, 22), date(2025, 10, 11))


def test_december_2026_case_becomes_final_once_2027_is_entered(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 12, 21)  # Mon
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    # 12-22 (1) … 12-25 (4); 12-28 (5) … 12-31 (8); 2027 unpublished: weekdays less the statutory
    # holidays (放假办法 第二条): Fri 2027-01-01 元旦 休; Mon 01-04 (9); Tue 01-05 (10) — 暂定.
    # Statutory 20 days: … 01-05 (10); 01-06 … 01-08 (13); 01-11 … 01-15 (18); 01-18 (19); Tue 01-19 (20) — 暂定.
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 5), True)
    assert (case.legal_due_date, case.legal_due_provisional) == (date(2027, 1, 19), True)
    assert years_to_enter(s, workflow.calendar(s)) == (2027,)
    clock.day = date(2026, 11, 2)
    settled = register(workflow, s, world)
    workflow.perform(s, settled, "accept", world.clerk)  # due 2026-11-16, final
    # The State Council schedule: 元旦 2027-01-01 … 01-03 休, no make-up day.
    schedule = YearSchedule(2027, holidays=[(date(2027, 1, 1), date(2027, 1, 3))])
    changed = enter_year_schedule(s, schedule, world.admin, workflow=workflow)
    s.refresh(case)
    # … 12-31 (8); 01-01 休; Mon 01-04 (9); Tue 01-05 (10) — the same dates, now final.
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 5), False)
    assert (case.legal_due_date, case.legal_due_provisional) == (date(2027, 1, 19), False)
    assert [move.case_id for move in changed] == [case.id] and not changed[0].earlier
    event = s.query(CaseEvent).filter_by(case_id=case.id, action="deadline_recomputed").one()
    assert (event.from_state, event.to_state) == ("accepted", "accepted")
    assert event.data["old_due"] == "2027-01-05" and event.data["new_due"] == "2027-01-05"
    assert (event.data["old_provisional"], event.data["provisional"], event.data["legal_provisional"]) == (
        True, False, False)
    assert years_to_enter(s, workflow.calendar(s)) == ()
    assert s.query(CaseEvent).filter_by(case_id=settled.id, action="deadline_recomputed").count() == 0


def test_sql_and_python_deadline_status_agree(workflow, world, db, clock):
    s = db.session
    calendar = workflow.calendar(s)
    fill_working_days(s, calendar)
    rng = random.Random(20261121)
    base = register(workflow, s, world)
    s.commit()
    cases = []
    for i in range(60):
        accepted = date(2025, 1, 2) + timedelta(days=rng.randrange(0, 760))
        limit = rng.choice([0, 1, 3, 5, 10, 20])
        case = Case(
            number=f"T{i:05d}", progress_token=f"t{i}", state="in_review",
            implementation_id=base.implementation_id,
            accepting_division_id=base.accepting_division_id, accepting_division_code=base.accepting_division_code,
            current_division_id=base.current_division_id, current_division_code=base.current_division_code,
            implementing_division_code=base.implementing_division_code, applicant_name="测",
            applicant_id_number="11010519491231002X", accepted_date=accepted, time_limit_days=limit,
            extension_days=rng.choice([0, 0, 2]),
        )
        case.due_date = calendar.add_working_days(accepted, limit + case.extension_days).due
        kind = rng.random()
        if kind < 0.2:
            case.paused_since = accepted + timedelta(days=rng.randrange(0, 10))
        elif kind < 0.35:
            case.completed_date = accepted + timedelta(days=rng.randrange(0, 30))
        elif kind < 0.4:
            case.due_date = None
        cases.append(case)
    s.add_all(cases)
    s.commit()
    near_due = sorted({c.due_date - timedelta(days=1) for c in cases if c.due_date})[::8]
    days = [date(2025, 10, 1), date(2025, 10, 9), date(2026, 2, 14), date(2026, 3, 2), date(2026, 12, 31),
            date(2027, 1, 4), *near_due]
    all_cards = set()
    for today in days:
        sql = statuses_sql(s, [c.id for c in cases], today, workflow.settings)
        cards = set()
        for case in cases:
            py = deadline_status(case, calendar, workflow.settings, today)
            assert sql[case.id] == (py.remaining, py.card), (case.accepted_date, case.due_date, today)
            cards.add(py.card)
        assert len(cards) >= 3  # the sample exercises several branches each day
        all_cards |= cards
    assert {"green", "yellow", "red", "paused", "on_time", "late", "none"} <= all_cards


# -- how the case page shows a pause (补正 / 特别程序) ----------------------------------------

@pytest.mark.parametrize(("reason", "start", "end", "allowance", "shown"), [
    # Asked Fri 12-04 and resubmitted the same day: stored (12-05, 12-04), no day stopped.
    ("supplement", date(2026, 12, 5), date(2026, 12, 4), None, "补正：2026年12月4日一次性告知，当日补正（未暂停计时）"),
    ("supplement", date(2026, 12, 8), date(2026, 12, 9), None,
     "补正：2026年12月7日一次性告知，2026年12月9日补正（2026年12月8日至2026年12月9日不计入期限）"),
    ("supplement", date(2026, 12, 8), None, None,
     "补正：2026年12月7日一次性告知，尚未补正（自2026年12月8日起暂停计时）"),
    ("special", date(2026, 12, 8), date(2026, 12, 8), 5,
     "特别程序：2026年12月7日开始，2026年12月8日结束（2026年12月8日不计入期限），允许 5 个工作日"),
    ("special_counted", date(2026, 12, 8), None, 5,
     "特别程序：2026年12月7日开始，尚未结束（计入期限），允许 5 个工作日"),
])
def test_pause_period(reason, start, end, allowance, shown):
    assert pause_period(CasePause(reason=reason, start=start, end=end, allowance_days=allowance)) == shown


def test_case_page_shows_a_same_day_supplement_without_an_end_before_its_start(app, db, world, clerk):  # noqa: F811
    from govkit.cases.runtime import workflow_for

    s = db.session
    workflow = workflow_for(app)
    original, workflow.clock = workflow.clock, FakeClock(date(2026, 12, 4))
    try:
        case = register(workflow, s, world)
        workflow.perform(s, case, "request_supplement", world.clerk, missing=[world.implementation.materials[1].id])
        workflow.perform(s, case, "resubmit", world.agent)  # the applicant brings it the same day
        workflow.perform(s, case, "accept", world.clerk)
    finally:
        workflow.clock = original
    assert [(p.start, p.end) for p in case.pauses] == [(date(2026, 12, 5), date(2026, 12, 4))]
    html = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    page = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))
    assert "补正：2026年12月4日一次性告知，当日补正（未暂停计时）" in page
    assert "2026-12-05至2026-12-04" not in page and "至2026年12月4日" not in page

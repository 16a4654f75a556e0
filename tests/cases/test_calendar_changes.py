"""Calendar changes move the deadlines they touch, in one transaction, with an event per case.

Dates: accepted Mon 2026-03-02, 10 promised / 20 statutory working days.
03-03 (1) … 03-06 (4); 03-09 (5) … 03-13 (9); Mon 03-16 (10) = due;
03-17 (11) … 03-20 (14); 03-23 (15) … 03-27 (19); Mon 03-30 (20) = statutory due.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from govkit.cases import calendar as calendar_module
from govkit.cases.calendar import YearSchedule
from govkit.cases.calendar_changes import enter_year_schedule, refresh_calendar, remove_day, set_day
from govkit.cases.deadlines import case_deadline, deadline_status, statuses_sql
from govkit.cases.models import CalendarDay, CalendarYear, Case, CaseEvent, WorkingDay
from govkit.errors import CalendarYearNotCovered, ConcurrentModification, ValidationError
from tests.cases.conftest import register

pytestmark = pytest.mark.both_backends

CLOSED = date(2026, 3, 10)  # Tue, inside the window


@pytest.fixture
def accepted(workflow, world, db):
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    assert (case.due_date, case.legal_due_date) == (date(2026, 3, 16), date(2026, 3, 30))
    return case


def _events(db, case):
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.action == "deadline_recomputed")
                              .order_by(CaseEvent.id)).all()  # without ORDER BY PostgreSQL returns heap order


def test_a_closure_moves_open_deadlines_and_the_sql_table(workflow, world, db, clock, accepted):
    s = db.session
    clock.day = date(2026, 3, 11)
    later = register(workflow, s, world)
    workflow.perform(s, later, "accept", world.clerk)  # window starts after the closed day
    done = register(workflow, s, world)
    workflow.perform(s, done, "accept", world.clerk)
    done.state, done.completed_date = "completed", date(2026, 3, 12)
    s.commit()
    before = {c.id: c.due_date for c in (later, done)}

    moves = set_day(s, CLOSED, False, "防汛停止办公", world.admin, workflow=workflow)

    assert [(m.case_id, m.old_due, m.new_due, m.earlier) for m in moves] == [
        (accepted.id, date(2026, 3, 16), date(2026, 3, 17), False)]
    s.expire_all()
    # … 03-09 (5); 03-10 停; 03-11 (6) … 03-13 (8); 03-16 (9); Tue 03-17 (10).
    assert (accepted.due_date, accepted.legal_due_date) == (date(2026, 3, 17), date(2026, 3, 31))
    assert {c.id: c.due_date for c in (later, done)} == before
    (event,) = _events(db, accepted)
    assert ((event.from_state, event.to_state, event.actor_name, event.role)
            == ("accepted", "accepted", "管理员", "Admin"))
    assert "2026年3月10日改为放假（防汛停止办公）" in event.comment
    assert "2026年3月16日 → 2026年3月17日" in event.comment
    assert event.data["direction"] == "later" and event.data["calendar_days"] == ["2026-03-10"]
    assert event.data["old_legal_due"] == "2026-03-30" and event.data["legal_due"] == "2026-03-31"
    assert not s.get(WorkingDay, CLOSED).is_working
    assert not workflow.calendar(s).is_working_day(CLOSED)
    # List status (SQL table) and one-case status (Python calendar) still agree.
    today = date(2026, 3, 12)
    sql = statuses_sql(s, [accepted.id], today, workflow.settings)[accepted.id]
    python = deadline_status(accepted, workflow.calendar(s), workflow.settings, today)
    assert sql == (python.remaining, python.card) and python.remaining == 3


def test_removing_the_closure_moves_the_deadline_back_earlier_and_says_so(workflow, world, db, accepted):
    s = db.session
    set_day(s, CLOSED, False, "防汛停止办公", world.admin, workflow=workflow)
    moves = remove_day(s, CLOSED, world.admin, workflow=workflow)
    assert [(m.old_due, m.new_due, m.earlier) for m in moves] == [(date(2026, 3, 17), date(2026, 3, 16), True)]
    s.expire_all()
    assert (accepted.due_date, accepted.legal_due_date) == (date(2026, 3, 16), date(2026, 3, 30))
    first, second = _events(db, accepted)
    assert second.data["direction"] == "earlier" and "期限提前" in second.comment
    assert "取消2026年3月10日的日历调整（防汛停止办公）" in second.comment
    assert s.scalar(select(CalendarDay).where(CalendarDay.day == CLOSED)) is None
    assert s.get(WorkingDay, CLOSED).is_working


def test_an_extra_working_day_moves_a_deadline_earlier(workflow, world, db, accepted):
    # Sat 03-14 becomes a working day: … 03-13 (9); Sat 03-14 (10).
    moves = set_day(db.session, date(2026, 3, 14), True, "集中办理日", world.admin, workflow=workflow)
    assert [(m.new_due, m.earlier) for m in moves] == [(date(2026, 3, 14), True)]


def test_a_day_between_due_and_statutory_due_moves_only_the_statutory_date(workflow, world, db, accepted):
    moves = set_day(db.session, date(2026, 3, 20), False, "县城封闭", world.admin, workflow=workflow)
    assert [(m.old_due, m.new_due) for m in moves] == [(date(2026, 3, 16), date(2026, 3, 16))]
    db.session.expire_all()
    assert accepted.legal_due_date == date(2026, 3, 31)
    assert _events(db, accepted)[0].data["direction"] == "same"


def test_a_failed_recompute_leaves_no_half_written_change(workflow, world, db, accepted, monkeypatch):
    s = db.session

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(workflow, "record_event", broken)
    with pytest.raises(RuntimeError, match="outbox down"):
        set_day(s, CLOSED, False, "防汛停止办公", world.admin, workflow=workflow)
    _assert_nothing_changed(db, accepted)
    assert workflow.calendar(s).is_working_day(CLOSED)  # the cache never saw the day


def _assert_nothing_changed(db, case):
    db.session.expire_all()
    assert db.session.scalar(select(CalendarDay).where(CalendarDay.day == CLOSED)) is None
    assert case.due_date == date(2026, 3, 16) and _events(db, case) == []
    assert db.session.get(WorkingDay, CLOSED).is_working


def test_a_case_changed_meanwhile_rolls_the_day_change_back(workflow, world, db, accepted):
    s = db.session
    assert accepted.version  # loaded in this session: the recompute will update this version
    with db.engine.begin() as other:  # someone acts on the case in between
        other.execute(update(Case).where(Case.id == accepted.id).values(version=Case.version + 1))
    with pytest.raises(ConcurrentModification, match="日历调整没有保存"):
        set_day(s, CLOSED, False, "防汛停止办公", world.admin, workflow=workflow)
    _assert_nothing_changed(db, accepted)


@pytest.mark.parametrize(("day", "name", "error", "match"), [
    (date(2062, 1, 5), "县城封闭", CalendarYearNotCovered, "不支持2062年"),
    (date(2003, 1, 6), "县城封闭", CalendarYearNotCovered, "不支持2003年"),
    (CLOSED, "  ", ValidationError, "调整原因"),
])
def test_bad_days_are_refused_and_nothing_is_written(workflow, world, db, accepted, day, name, error, match):
    with pytest.raises(error, match=match):
        set_day(db.session, day, False, name, world.admin, workflow=workflow)
    assert db.session.scalars(select(CalendarDay)).all() == []
    with pytest.raises(ValidationError, match="没有日历调整记录"):
        remove_day(db.session, CLOSED, world.admin, workflow=workflow)


@pytest.mark.parametrize(("schedule", "match"), [
    (YearSchedule(2026, holidays=[date(2026, 1, 1)]), "已由 chinesecalendar 包提供"),
    (YearSchedule(2027), "请录入2027年的放假日期"),
    (YearSchedule(2035, holidays=[date(2035, 1, 1)]), "不支持2035年"),
    (YearSchedule(2027, holidays=[date(2028, 1, 1)]), "不属于2027年"),
])
def test_entering_a_wrong_year_writes_nothing(workflow, world, db, schedule, match):
    with pytest.raises(ValidationError if "不支持" not in match else CalendarYearNotCovered, match=match):
        enter_year_schedule(db.session, schedule, world.admin, workflow=workflow)
    assert db.session.scalars(select(CalendarYear)).all() == []
    assert db.session.scalars(select(CalendarDay)).all() == []


def test_re_entering_a_year_recomputes_final_deadlines_it_touches(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 12, 28)  # Mon
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    enter_year_schedule(s, YearSchedule(2027, holidays=[date(2027, 1, 1)]), world.admin, workflow=workflow)
    s.expire_all()
    # 12-29 (1) … 12-31 (3); 01-01 休; 01-04 (4) … 01-08 (8); 01-11 (9); Tue 01-12 (10).
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 12), False)
    # The notice added 01-04 as a holiday: the final deadline moves too.
    moves = enter_year_schedule(s, YearSchedule(2027, holidays=[(date(2027, 1, 1), date(2027, 1, 4))]),
                                world.admin, workflow=workflow)
    assert [(m.case_id, m.new_due) for m in moves] == [(case.id, date(2027, 1, 13))]


def test_re_entering_a_year_replaces_its_schedule_but_keeps_local_closures(workflow, world, db, clock):
    s = db.session
    clock.day = date(2026, 12, 28)  # Mon
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    # First entry (a typo: 01-05 instead of 01-04 as the extra holiday), plus a local closure on 01-07.
    enter_year_schedule(s, YearSchedule(2027, holidays=[date(2027, 1, 1), date(2027, 1, 5)]), world.admin,
                        workflow=workflow)
    set_day(s, date(2027, 1, 7), False, "县政务中心搬迁", world.admin, workflow=workflow)
    # 12-29 (1) … 12-31 (3); 01-01 休; 01-04 (4); 01-05 休; 01-06 (5); 01-07 停; 01-08 (6); 01-11 (7) … Thu 01-14 (10).
    s.expire_all()
    assert case.due_date == date(2027, 1, 14)
    # The corrected entry drops 01-05: it becomes an ordinary Tuesday again; the local closure stays.
    moves = enter_year_schedule(s, YearSchedule(2027, holidays=[date(2027, 1, 1)]), world.admin,
                                workflow=workflow)
    s.expire_all()
    rows = {d.day: (d.is_working, d.from_schedule) for d in s.scalars(select(CalendarDay))}
    assert date(2027, 1, 5) not in rows
    assert rows[date(2027, 1, 1)] == (False, True) and rows[date(2027, 1, 7)] == (False, False)
    assert s.get(WorkingDay, date(2027, 1, 5)).is_working and not s.get(WorkingDay, date(2027, 1, 7)).is_working
    # 12-29 (1) … 12-31 (3); 01-01 休; 01-04 (4) … 01-06 (6); 01-07 停; 01-08 (7); 01-11 (8) … Wed 01-13 (10).
    assert [(m.case_id, m.old_due, m.new_due) for m in moves] == [(case.id, date(2027, 1, 14), date(2027, 1, 13))]
    assert case.due_date == date(2027, 1, 13)


def test_refresh_after_a_package_upgrade_makes_provisional_deadlines_final(workflow, world, db, clock,
                                                                           monkeypatch):
    s = db.session
    clock.day = date(2026, 12, 21)
    case = register(workflow, s, world)
    workflow.perform(s, case, "accept", world.clerk)
    # 12-22 (1) … 12-31 (8); 01-01 元旦 休 (statutory); 01-04 (9); Tue 01-05 (10) — 暂定.
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 5), True)
    # What upgrading chinesecalendar to a release with 2027 looks like to the calendar; this
    # (hypothetical) release also gives Mon 01-04 off, so the date moves: 01-05 (9), Wed 01-06 (10).
    monkeypatch.setattr(calendar_module, "PACKAGE_YEARS", calendar_module.PACKAGE_YEARS | {2027})
    monkeypatch.setattr(calendar_module, "_PACKAGE_HOLIDAYS",
                        calendar_module._PACKAGE_HOLIDAYS | {date(2027, 1, 1), date(2027, 1, 4)})
    assert refresh_calendar(s, world.admin, workflow=workflow, commit=False, reason="刷新") != []
    s.rollback()  # commit=False: nothing is stored until the caller commits
    s.expire_all()
    assert case.due_provisional and _events(db, case) == []
    moves = refresh_calendar(s, world.admin, workflow=workflow, reason="刷新工作日历（chinesecalendar 9.9）")
    assert [(m.old_due, m.new_due, m.provisional) for m in moves] == [(date(2027, 1, 5), date(2027, 1, 6), False)]
    s.expire_all()
    assert not s.get(WorkingDay, date(2027, 1, 4)).provisional
    assert "chinesecalendar 9.9" in _events(db, case)[0].comment
    assert refresh_calendar(s, world.admin, workflow=workflow) == []  # nothing left to do


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.integers(0, 35), st.sampled_from(["closed", "working", "remove"])),
                    min_size=1, max_size=5))
def test_random_day_changes_keep_deadlines_on_the_calendar(workflow, world, db, accepted, ops):
    """Whatever days are closed, opened or reset: the stored deadline is the calendar's, the SQL
    table agrees, the events chain old → new, and undoing every change restores the original."""
    s = db.session
    for offset, kind in ops:
        day = date(2026, 3, 2) + timedelta(days=offset)
        if kind == "remove":
            if s.scalar(select(CalendarDay).where(CalendarDay.day == day)) is None:
                continue
            remove_day(s, day, world.admin, workflow=workflow)
        else:
            set_day(s, day, kind == "working", "随机调整", world.admin, workflow=workflow)
        s.expire_all()
        calendar = workflow.calendar(s)
        assert accepted.due_date == case_deadline(calendar, accepted).due
        today = date(2026, 3, 5)
        python = deadline_status(accepted, calendar, workflow.settings, today)
        assert statuses_sql(s, [accepted.id], today, workflow.settings)[accepted.id] == (python.remaining, python.card)
    for day in s.scalars(select(CalendarDay.day)).all():
        remove_day(s, day, world.admin, workflow=workflow)
    s.expire_all()
    assert (accepted.due_date, accepted.legal_due_date) == (date(2026, 3, 16), date(2026, 3, 30))
    chain = [(e.data["old_due"], e.data["new_due"]) for e in _events(db, accepted)]
    for (_, new), (old, _) in zip(chain, chain[1:]):
        assert new == old
    assert not chain or chain[-1][1] == "2026-03-16"

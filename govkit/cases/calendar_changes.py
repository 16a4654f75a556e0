"""Changing the deployment calendar, and the deadlines that move with it (日历调整).

Every change is one transaction: the ``gk_calendar_day``/``gk_calendar_year`` rows, the
refilled ``gk_working_day`` table, the recomputed cases with one ``deadline_recomputed``
event and outbox row each. When anything fails the whole change is rolled back and the
error raised; nothing is half-written. The corrected calendar is built from the session
and passed to :meth:`Workflow.recompute_deadline`, so the app's shared calendar cache
never holds uncommitted days; it is invalidated when the change ends.

* :func:`set_day`, :func:`remove_day` — one day (a local closure, an extra working day):
  every open case whose counting window includes the day is recomputed.
  :func:`commit_day_changes` finishes rows the admin screen already changed.
* :func:`enter_year_schedule` — a State Council schedule for a year the package lacks:
  every provisional deadline, and every open case whose window includes the year's days.
* :func:`refresh_calendar` — after ``chinesecalendar`` was upgraded: the SQL table and
  every provisional deadline (``all_open=True``: every open case too).

**Direction.** A calendar correction sets each deadline to what the corrected calendar
gives — later when a closure is added, *earlier* when one is removed or a working day is
added. Workflow transitions never pull a deadline forward (pauses and extensions only
push it; the property test checks that), but a correction is not a transition: the
deadline is N working days by law, so a date kept later than the calendar gives would
count a day the office was open as closed and show a wrong date as final. Keeping it
would also not last — the next resume or extension recomputes from the calendar and
would then move the date earlier inside a transition. An earlier move is marked in the
event (``direction: "earlier"``, comment "期限提前") and reported by the screen and CLI.

Plain Python (no Flask).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from govkit.cases.calendar import (PACKAGE_YEARS, Deadline, WorkingCalendar, YearSchedule,
                                   format_chinese_date)
from govkit.cases.calendar_store import OPEN_CASES, PROVISIONAL, fill_working_days, load_calendar
from govkit.cases.models import CalendarDay, CalendarYear, Case
from govkit.catalog.models import Implementation
from govkit.errors import ConcurrentModification, ValidationError
from govkit.hierarchy.scope import ADMIN_ROLE

if TYPE_CHECKING:
    from govkit.cases.workflow import Actor, Workflow


@dataclass(frozen=True)
class DeadlineMove:
    """One case whose deadline a calendar change recomputed."""

    case_id: int
    case_number: str
    old_due: date | None
    new_due: date | None
    old_provisional: bool
    provisional: bool

    @property
    def earlier(self) -> bool:
        """True when the correction moved the due date forward (see the module docstring)."""
        return self.old_due is not None and self.new_due is not None and self.new_due < self.old_due

    def label(self) -> str:
        """``2027年1月5日 → 2027年1月6日``, provisional dates marked."""
        text = f"{_due_label(self.old_due, self.old_provisional)} → {_due_label(self.new_due, self.provisional)}"
        return f"{text}（期限提前）" if self.earlier else text


def _due_label(due: date | None, provisional: bool) -> str:
    return Deadline(due, provisional).label() if due else "无"


def describe_day(day: date, is_working: bool | None, name: str = "") -> str:
    """``2026年12月31日改为放假（县城封闭）``; ``is_working=None`` = the adjustment was removed."""
    if is_working is None:
        text = f"取消{format_chinese_date(day)}的日历调整"
    else:
        text = f"{format_chinese_date(day)}改为{'上班' if is_working else '放假'}"
    return f"{text}（{name}）" if name else text


# -- single days ----------------------------------------------------------------------------


def set_day(session: Session, day: date, is_working: bool, name: str, actor: "Actor", *,
            workflow: "Workflow | None" = None, commit: bool = True) -> list[DeadlineMove]:
    """Store one day's override (added or changed) and recompute the deadlines it moves."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写调整原因（如“防汛停止办公”），它会记入受影响办件的记录。")
    row = session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        session.add(CalendarDay(day=day, is_working=is_working, name=name))
    else:
        row.is_working, row.name, row.from_schedule = is_working, name, False
    return commit_day_changes(session, [day], actor, f"日历调整：{describe_day(day, is_working, name)}",
                              workflow=workflow, commit=commit)


def remove_day(session: Session, day: date, actor: "Actor", *, workflow: "Workflow | None" = None,
               commit: bool = True) -> list[DeadlineMove]:
    """Delete one day's override (the day follows the package again) and recompute."""
    row = session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if row is None:
        raise ValidationError(f"{format_chinese_date(day)}没有日历调整记录，无需删除。")
    name = row.name
    session.delete(row)
    return commit_day_changes(session, [day], actor, f"日历调整：{describe_day(day, None, name)}",
                              workflow=workflow, commit=commit)


def commit_day_changes(session: Session, days: Iterable[date], actor: "Actor", reason: str, *,
                       workflow: "Workflow | None" = None, commit: bool = True) -> list[DeadlineMove]:
    """Finish ``gk_calendar_day`` rows changed in ``session`` for ``days`` (added, edited or deleted).

    Checks each day's year is one the calendar supports, refills ``gk_working_day`` and
    recomputes every open case whose window includes one of the days; all in the
    session's transaction, committed unless ``commit=False`` (then commit yourself and
    call ``workflow.invalidate_calendar()``). Any error rolls the whole change back.
    """
    workflow = _workflow(workflow)
    days = sorted(set(days))
    with _change(session, workflow, commit):
        calendar = _corrected_calendar(session, workflow)
        for day in days:
            calendar.check_year(day.year)
        fill_working_days(session, calendar)
        cases = _open_cases_touching(session, days[0], days[-1]) if days else []
        moves = _recompute(session, workflow, actor, calendar, cases, reason,
                           {"calendar_days": [d.isoformat() for d in days]})
    return moves


# -- whole years --------------------------------------------------------------------------


def enter_year_schedule(session: Session, schedule: YearSchedule, actor: "Actor", *,
                        workflow: "Workflow | None" = None, commit: bool = True) -> list[DeadlineMove]:
    """Store a year's State Council schedule, make the year published, recompute deadlines.

    Refused (ValidationError / CalendarYearNotCovered, nothing written): a year the package
    already covers (correct single days instead), a year outside the supported range, a
    schedule without any holiday (that would turn weekday guesses into "final" dates), and
    every check of :meth:`YearSchedule.overrides`. Recomputes every provisional deadline and
    every open case whose window includes a day of the schedule (a re-entered year).
    """
    workflow = _workflow(workflow)
    overrides = schedule.overrides()  # validates dates, ranges, make-up days
    if schedule.year in PACKAGE_YEARS:
        raise ValidationError(
            f"{schedule.year}年的节假日安排已由 chinesecalendar 包提供，不能整年录入；"
            "如需调整个别日期，请使用“日历调整”（govkit calendar set-day）。")
    if not any(not o.is_working for o in overrides):
        raise ValidationError(
            f"请录入{schedule.year}年的放假日期（元旦、春节等，按国务院办公厅通知）；"
            "没有放假日期的年度安排会把按周一至周五推算的期限当作正式期限。")
    with _change(session, workflow, commit):
        load_calendar(session, workflow.pm, workflow.settings).check_year(schedule.year)
        days = [o.day for o in overrides]  # YearSchedule keeps every day inside its year
        in_year = session.scalars(select(CalendarDay).where(
            CalendarDay.day.between(date(schedule.year, 1, 1), date(schedule.year, 12, 31)))).all()
        existing = {d.day: d for d in in_year}
        # A re-entered year replaces its earlier schedule: days it no longer lists go back to
        # ordinary weekdays/weekends (single days an admin set stay).
        listed = set(days)
        for row in in_year:
            if row.from_schedule and row.day not in listed:
                session.delete(row)
                days.append(row.day)
        for override in overrides:
            row = existing.get(override.day)
            if row is None:
                session.add(CalendarDay(day=override.day, is_working=override.is_working, name=override.reason,
                                        from_schedule=True))
            else:
                row.is_working, row.name, row.from_schedule = override.is_working, override.reason, True
        year = session.get(CalendarYear, schedule.year)
        if year is None:
            session.add(CalendarYear(year=schedule.year, entered_by=actor.name, entered_at=workflow.now()))
        else:
            year.entered_by, year.entered_at = actor.name, workflow.now()
        calendar = _corrected_calendar(session, workflow)
        fill_working_days(session, calendar)
        cases = _unique(_provisional_cases(session), _open_cases_touching(session, min(days), max(days)))
        moves = _recompute(session, workflow, actor, calendar, cases,
                           f"录入{schedule.year}年节假日安排", {"year": schedule.year})
    return moves


def refresh_calendar(session: Session, actor: "Actor", *, workflow: "Workflow | None" = None,
                     all_open: bool = False, reason: str = "刷新工作日历",
                     commit: bool = True) -> list[DeadlineMove]:
    """Re-apply the calendar (after upgrading ``chinesecalendar``): SQL table + provisional deadlines.

    ``all_open`` also recomputes every open case (when the upgrade corrected days of a
    year that was already published).
    """
    workflow = _workflow(workflow)
    with _change(session, workflow, commit):
        calendar = _corrected_calendar(session, workflow)
        fill_working_days(session, calendar)
        cases = _provisional_cases(session)
        if all_open:
            cases = _unique(cases, session.scalars(_with_deadline_fields(select(Case).where(*OPEN_CASES))).all())
        moves = _recompute(session, workflow, actor, calendar, cases, reason, {})
    return moves


# -- helpers --------------------------------------------------------------------------------


@contextmanager
def _change(session: Session, workflow: "Workflow", commit: bool) -> Iterator[None]:
    """One transaction: finish (commit) at the end, roll everything back on any error."""
    try:
        yield
        workflow.finish(session, commit)
    except (StaleDataError, ConcurrentModification):  # a case changed under us (optimistic lock)
        session.rollback()
        raise ConcurrentModification("重新计算期间有办件被他人修改，日历调整没有保存，请重试。") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        workflow.invalidate_calendar()


def _workflow(workflow: "Workflow | None") -> "Workflow":
    if workflow is not None:
        return workflow
    from govkit.cases.runtime import current_workflow  # deferred: runtime imports Flask; this module must not

    return current_workflow()


def _corrected_calendar(session: Session, workflow: "Workflow") -> WorkingCalendar:
    session.flush()
    return load_calendar(session, workflow.pm, workflow.settings)


def _with_deadline_fields(query: Any) -> Any:
    # recompute_deadline reads the pauses and the implementation's statutory days; the
    # event's outbox row reads the item code.
    return query.options(selectinload(Case.pauses),
                         selectinload(Case.implementation).selectinload(Implementation.item))


def _open_cases_touching(session: Session, first: date, last: date) -> list[Case]:
    """Open cases whose window (acceptance day … later of promised and statutory due) meets ``first … last``."""
    query = select(Case).where(*OPEN_CASES, Case.accepted_date <= last,
                               or_(Case.due_date >= first, Case.legal_due_date >= first))
    return list(session.scalars(_with_deadline_fields(query)))


def _provisional_cases(session: Session) -> list[Case]:
    query = select(Case).where(PROVISIONAL)
    return list(session.scalars(_with_deadline_fields(query)))


def _unique(*groups: Iterable[Case]) -> list[Case]:
    seen: dict[int, Case] = {}
    for group in groups:
        for case in group:
            seen.setdefault(case.id, case)
    return sorted(seen.values(), key=lambda c: c.id)


def _recompute(session: Session, workflow: "Workflow", actor: "Actor", calendar: WorkingCalendar,
               cases: Iterable[Case], reason: str, data: dict[str, Any]) -> list[DeadlineMove]:
    """Recompute ``cases`` on ``calendar``; an event and outbox row per case whose dates changed."""
    moves = []
    for case in cases:
        old_legal = (case.legal_due_date, case.legal_due_provisional)
        old_due, old_provisional = workflow.recompute_deadline(session, case, calendar)
        new_legal = (case.legal_due_date, case.legal_due_provisional)
        if (case.due_date, case.due_provisional, new_legal) == (old_due, old_provisional, old_legal):
            continue
        move = DeadlineMove(case.id, case.number, old_due, case.due_date, old_provisional, case.due_provisional)
        moves.append(move)
        direction = "earlier" if move.earlier else ("later" if old_due != case.due_date else "same")
        workflow.record_event(
            session, case, "deadline_recomputed", case.state, actor, role=ADMIN_ROLE,
            comment=f"{reason}，重新计算办结期限：{move.label()}",
            data={"old_due": old_due, "new_due": case.due_date, "old_provisional": old_provisional,
                  "provisional": case.due_provisional, "old_legal_due": old_legal[0],
                  "legal_due": case.legal_due_date, "legal_provisional": case.legal_due_provisional,
                  "direction": direction, **data},
        )
    return moves

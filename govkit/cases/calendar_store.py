"""The deployment's working-day calendar: package + plugin overrides + database entries.

Layers, later wins: the ``chinesecalendar`` package → ``register_calendar_overrides``
hook results → days stored in ``gk_calendar_day`` (admin screen / entered years). Years
in ``gk_calendar_year`` count as published. :class:`CachedCalendar` keeps the built
calendar for ``CALENDAR_CACHE_SECONDS`` (other worker processes pick changes up within
that time; the process that changed it invalidates at once).

:func:`enter_year_schedule` stores a State Council schedule, refills the SQL working-day
table and recomputes every provisional deadline, recording a ``deadline_recomputed``
event per changed case. Plain Python (no Flask).
"""
from __future__ import annotations

import re
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from govkit.cases.calendar import PACKAGE_YEARS, DayOverride, WorkingCalendar, YearSchedule
from govkit.cases.models import CalendarDay, CalendarYear, Case, WorkingDay
from govkit.errors import ValidationError

if TYPE_CHECKING:
    from govkit.cases.workflow import Actor, Workflow


def load_calendar(session: Session, pm: Any = None, settings: Any = None) -> WorkingCalendar:
    """Build the calendar from the package, the plugins' overrides and the database."""
    overrides: list[DayOverride] = []
    if pm is not None:
        overrides.extend(pm.collect("register_calendar_overrides", settings=settings))
    for day, is_working, name in session.execute(select(CalendarDay.day, CalendarDay.is_working, CalendarDay.name)):
        overrides.append(DayOverride(day, is_working, name))
    years = session.scalars(select(CalendarYear.year)).all()
    return WorkingCalendar(overrides=overrides, entered_years=years)


class CachedCalendar:
    """Callable ``(session) -> WorkingCalendar`` that caches for ``ttl`` seconds."""

    def __init__(self, pm: Any = None, settings: Any = None, ttl: float = 60.0) -> None:
        self.pm, self.settings, self.ttl = pm, settings, ttl
        self._lock = threading.Lock()
        self._value: WorkingCalendar | None = None
        self._loaded = 0.0

    def __call__(self, session: Session) -> WorkingCalendar:
        value = self._value
        if value is not None and time.monotonic() - self._loaded < self.ttl:
            return value
        with self._lock:
            value = load_calendar(session, self.pm, self.settings)
            self._value, self._loaded = value, time.monotonic()
        return value

    def invalidate(self) -> None:
        self._value = None


# -- the SQL working-day table -------------------------------------------------------


def working_day_rows(calendar: WorkingCalendar, first_year: int | None = None,
                     last_year: int | None = None) -> list[dict[str, Any]]:
    """Rows for ``gk_working_day``: every day from ``first_year`` to the last countable year."""
    published = calendar.published_years()
    first = first_year or min(PACKAGE_YEARS)
    last = last_year or (published[-1] + calendar.years_ahead)
    rows, ordinal = [], 0
    for year in range(first, last + 1):
        provisional = not calendar.is_published(year)
        for day, working in calendar.year_days(year):
            ordinal += working
            rows.append({"day": day, "is_working": working, "ordinal": ordinal, "provisional": provisional})
    return rows


def fill_working_days(session: Session, calendar: WorkingCalendar) -> bool:
    """Make ``gk_working_day`` match ``calendar``; True when rows were rewritten."""
    rows = working_day_rows(calendar)
    current = session.execute(
        select(WorkingDay.day, WorkingDay.is_working, WorkingDay.ordinal, WorkingDay.provisional)
        .order_by(WorkingDay.day)).all()
    wanted = [(r["day"], r["is_working"], r["ordinal"], r["provisional"]) for r in rows]
    if [tuple(r) for r in current] == wanted:
        return False
    session.execute(delete(WorkingDay))
    session.execute(insert(WorkingDay), rows)
    return True


# -- entering a year -----------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:(?:~|至|到|—|--)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*(.*)$")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValidationError(f"日期“{text}”无效，请按 2027-02-05 的格式填写。") from None


def parse_schedule_text(year: int, holidays: str, makeup_workdays: str) -> YearSchedule:
    """Parse the admin form: one holiday or ``first~last`` range per line, one make-up day per line."""
    spans: list[date | tuple[date, date]] = []
    for line in holidays.splitlines():
        if not line.strip():
            continue
        match = _RANGE.match(line)
        if not match:
            raise ValidationError(f"放假安排“{line.strip()}”格式不对，请写成“2027-02-05~2027-02-11 春节”。")
        first = _parse_day(match.group(1))
        spans.append((first, _parse_day(match.group(2))) if match.group(2) else first)
    workdays = []
    for line in makeup_workdays.splitlines():
        if line.strip():
            match = _RANGE.match(line)
            if not match or match.group(2):
                raise ValidationError(f"调休上班日“{line.strip()}”应为单个日期，如 2027-02-14。")
            workdays.append(_parse_day(match.group(1)))
    return YearSchedule(year=year, holidays=tuple(spans), makeup_workdays=tuple(workdays))


def years_to_enter(session: Session, calendar: WorkingCalendar) -> tuple[int, ...]:
    """Unpublished years that provisional deadlines reach (the admin banner asks for them)."""
    low, high = session.execute(
        select(func.min(Case.accepted_date), func.max(Case.due_date)).where(Case.due_provisional.is_(True))
    ).one()
    if high is None:
        return ()
    return calendar.unpublished_between(low or high, high)


def enter_year_schedule(session: Session, schedule: YearSchedule, actor: "Actor", *,
                        workflow: "Workflow | None" = None, commit: bool = True) -> list[int]:
    """Store a year's schedule, make it published, recompute provisional deadlines.

    Returns the ids of cases whose deadline changed (each got a ``deadline_recomputed``
    event and outbox row, in the same transaction).
    """
    if workflow is None:
        from govkit.cases.workflow import current_workflow

        workflow = current_workflow()
    overrides = schedule.overrides()  # validates the schedule
    days = [o.day for o in overrides]
    existing = {d.day: d for d in session.scalars(select(CalendarDay).where(CalendarDay.day.in_(days)))}
    for override in overrides:
        row = existing.get(override.day)
        if row is None:
            session.add(CalendarDay(day=override.day, is_working=override.is_working, name=override.reason))
        else:
            row.is_working, row.name = override.is_working, override.reason
    year = session.get(CalendarYear, schedule.year)
    if year is None:
        session.add(CalendarYear(year=schedule.year, entered_by=actor.name, entered_at=workflow.now()))
    else:
        year.entered_by, year.entered_at = actor.name, workflow.now()
    session.flush()
    workflow.invalidate_calendar()
    calendar = workflow.calendar(session)
    fill_working_days(session, calendar)
    changed = recompute_provisional(session, workflow, actor,
                                    f"录入{schedule.year}年节假日安排后重新计算办结期限")
    workflow.finish(session, commit)
    workflow.invalidate_calendar()
    return changed


def recompute_provisional(session: Session, workflow: "Workflow", actor: "Actor", comment: str) -> list[int]:
    """Recompute every provisional deadline; record an event per changed case."""
    cases = session.scalars(
        select(Case).where(Case.due_provisional.is_(True)).options(selectinload(Case.pauses))
    ).all()
    changed = []
    for case in cases:
        old_due, old_provisional = workflow.recompute_deadline(session, case)
        if (case.due_date, case.due_provisional) == (old_due, old_provisional):
            continue
        changed.append(case.id)
        workflow.record_event(
            session, case, "deadline_recomputed", case.state, actor, role="Admin",
            comment=comment,
            data={"old_due": old_due, "new_due": case.due_date, "old_provisional": old_provisional,
                  "provisional": case.due_provisional},
        )
    return changed


def store_days(session: Session, days: Iterable[DayOverride]) -> None:
    """Upsert single-day overrides (the admin calendar screen)."""
    for override in days:
        row = session.scalar(select(CalendarDay).where(CalendarDay.day == override.day))
        if row is None:
            session.add(CalendarDay(day=override.day, is_working=override.is_working, name=override.reason))
        else:
            row.is_working, row.name = override.is_working, override.reason

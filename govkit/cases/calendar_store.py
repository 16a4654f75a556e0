"""The deployment's working-day calendar: package + plugin overrides + database entries.

Layers, later wins: the ``chinesecalendar`` package → ``register_calendar_overrides``
hook results → days stored in ``gk_calendar_day`` (admin screen / entered years). Years
in ``gk_calendar_year`` count as published. :class:`CachedCalendar` keeps the built
calendar for ``CALENDAR_CACHE_SECONDS`` (other worker processes pick changes up within
that time; the process that changed it invalidates at once).

Reading only: changing days or years (and recomputing the deadlines that move) is
:mod:`govkit.cases.calendar_changes`. Plain Python (no Flask).
"""
from __future__ import annotations

import re
import threading
import time
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlalchemy import case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from govkit.cases import states
from govkit.cases.calendar import PACKAGE_YEARS, DayOverride, WorkingCalendar, YearSchedule
from govkit.cases.models import CalendarDay, CalendarYear, Case, WorkingDay
from govkit.errors import ValidationError
from govkit.orm import note_bulk_change


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
    note_bulk_change(session, WorkingDay.__tablename__, "批量重建", len(rows),
                     f"重建工作日表 {rows[0]['day']}～{rows[-1]['day']}" if rows else "清空工作日表")
    return True


# -- entering a year -----------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:(?:~|至|到|—|--)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*(.*)$")


def parse_day(text: str) -> date:
    """``2027-2-5`` or ``2027-02-05`` → a date; a ValidationError in Chinese otherwise."""
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
        first = parse_day(match.group(1))
        spans.append((first, parse_day(match.group(2))) if match.group(2) else first)
    workdays = []
    for line in makeup_workdays.splitlines():
        if line.strip():
            match = _RANGE.match(line)
            if not match or match.group(2):
                raise ValidationError(f"调休上班日“{line.strip()}”应为单个日期，如 2027-02-14。")
            workdays.append(parse_day(match.group(1)))
    return YearSchedule(year=year, holidays=tuple(spans), makeup_workdays=tuple(workdays))


#: Accepted cases not yet finished: the ones whose deadlines still matter.
OPEN_CASES = (Case.accepted_date.is_not(None), Case.completed_date.is_(None),
              Case.state.not_in(sorted(states.FINAL_STATES)))
#: Either due date (promised or statutory) rests on a year without a published schedule.
PROVISIONAL = or_(Case.due_provisional.is_(True), Case.legal_due_provisional.is_(True))
#: The later of the promised and the statutory due date: where a case's deadline window ends.
_WINDOW_END = case((Case.legal_due_date > Case.due_date, Case.legal_due_date),
                   else_=func.coalesce(Case.due_date, Case.legal_due_date))


def years_to_enter(session: Session, calendar: WorkingCalendar) -> tuple[int, ...]:
    """Unpublished years that open cases' provisional deadlines reach (the admin banner asks for them)."""
    low, high = session.execute(
        select(func.min(Case.accepted_date), func.max(_WINDOW_END)).where(*OPEN_CASES, PROVISIONAL)).one()
    if high is None:
        return ()
    return calendar.unpublished_between(low or high, high)


def provisional_counts(session: Session, calendar: WorkingCalendar) -> dict[int, int]:
    """``{unpublished year: open cases with a provisional due date whose window reaches it}``.

    The window runs from acceptance to the later of the promised (承诺) and statutory (法定)
    due dates; ``govkit calendar status`` prints these counts.
    """
    counts = {}
    for year in years_to_enter(session, calendar):
        counts[year] = session.scalar(
            select(func.count()).select_from(Case).where(
                *OPEN_CASES, PROVISIONAL, _WINDOW_END >= date(year, 1, 1),
                func.coalesce(Case.accepted_date, _WINDOW_END) <= date(year, 12, 31)))
    return counts


def package_version() -> str:
    """Installed version of the ``chinesecalendar`` distribution (``?`` when unknown)."""
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:
        return "?"

"""Working-day calendar (工作日历) for case deadlines.

Deadlines are counted in working days (行政许可法 §82). The statutory holidays and
the yearly 调休 make-up workdays come from the ``chinesecalendar`` package (import
name ``chinese_calendar``, ``chinesecalendar>=1.11`` covers 2004–2026); a county
overrides single days (a local closure) or enters a whole year's schedule when the
State Council publishes it before the package does.

A year is *published* when the package covers it or an admin entered it. An
unpublished year is counted as Monday–Friday work minus the seven statutory holidays
that 国务院《全国年节及纪念日放假办法》（2024年修订）第二条 fixes (元旦, 春节 除夕–初三,
清明, 劳动节 5-1/5-2, 端午, 中秋, 国庆 10-1–10-3; :mod:`govkit.cases.statutory_holidays`);
the 补假 and 调休 only the State Council's yearly notice sets are not guessed. So every
result that touches such a year is marked provisional (暂定): a guessed date is never
shown as final.

Plain Python, no Flask: callable from views, the CLI, SQL loaders and tests.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from govkit.cases.statutory_holidays import statutory_holidays
from govkit.errors import CalendarYearNotCovered, ValidationError

_ONE_DAY = timedelta(days=1)

# The package's own data; read directly because its ``is_workday()`` re-validates
# the year on every call and raises NotImplementedError outside its range.
_PACKAGE_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)
PACKAGE_YEARS: frozenset[int] = frozenset(
    range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
)

#: How many years beyond the last published year a date may lie before the
#: calendar refuses it (a typo such as 2062 for 2026 must not silently "work").
DEFAULT_YEARS_AHEAD = 5

Pause = tuple[date, date]


def format_chinese_date(day: date) -> str:
    """Render a date the way notices print it: ``2027年1月5日``."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class DayOverride:
    """One day whose status differs from (or is missing in) the package: 日历调整."""

    day: date
    is_working: bool
    reason: str = ""


@dataclass(frozen=True)
class Deadline:
    """A computed due date (办结期限) and whether it rests on guessed days."""

    due: date
    provisional: bool
    #: Years without a published holiday schedule that the count passed through.
    unpublished_years: tuple[int, ...] = ()

    def label(self) -> str:
        """Printable form; provisional dates carry ``（暂定）``."""
        text = format_chinese_date(self.due)
        return f"{text}（暂定）" if self.provisional else text


@dataclass(frozen=True)
class YearSchedule:
    """A year's holidays and make-up workdays as the State Council notice lists them.

    ``holidays`` items are single dates or inclusive ``(first, last)`` ranges
    (e.g. ``(date(2027, 2, 5), date(2027, 2, 11))`` for 春节); ``makeup_workdays``
    are the 调休上班 Saturdays/Sundays. This is what the admin "enter a year"
    screen builds; :meth:`WorkingCalendar.with_schedule` applies it.
    """

    year: int
    holidays: Sequence[date | Pause] = ()
    makeup_workdays: Sequence[date] = ()
    reason: str = ""

    def holiday_dates(self) -> list[date]:
        """Every holiday date, ranges expanded, each checked to lie in ``year``."""
        days: list[date] = []
        for item in self.holidays:
            first, last = item if isinstance(item, tuple) else (item, item)
            if last < first:
                raise ValidationError(
                    f"放假日期区间有误：{format_chinese_date(first)}晚于"
                    f"{format_chinese_date(last)}，请把起止日期对调后重新录入。"
                )
            day = first
            while day <= last:
                days.append(day)
                day += _ONE_DAY
        return days

    def overrides(self) -> list[DayOverride]:
        """Validate the schedule and turn it into day overrides."""
        reason = self.reason or f"{self.year}年节假日安排"
        holidays = self.holiday_dates()
        for day in [*holidays, *self.makeup_workdays]:
            if day.year != self.year:
                raise ValidationError(
                    f"{format_chinese_date(day)}不属于{self.year}年，"
                    f"请只录入{self.year}年的放假和调休日期。"
                )
        both = sorted(set(holidays) & set(self.makeup_workdays))
        if both:
            raise ValidationError(
                f"{format_chinese_date(both[0])}同时被录入为放假日和调休上班日，请删除其中一项。"
            )
        for day in self.makeup_workdays:
            if day.weekday() < 5:
                raise ValidationError(
                    f"调休上班日{format_chinese_date(day)}是周一至周五，本来就是工作日；"
                    "调休上班日应为周六或周日，请核对国务院通知。"
                )
        return [DayOverride(d, False, reason) for d in holidays] + [
            DayOverride(d, True, reason) for d in self.makeup_workdays
        ]


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days = package data, then county overrides on top (工作日历).

    Immutable: entering a year returns a new calendar (:meth:`with_schedule`),
    so one instance can be shared by threads and requests.
    """

    overrides: Iterable[DayOverride] = ()
    entered_years: Iterable[int] = ()
    years_ahead: int = DEFAULT_YEARS_AHEAD
    _by_day: dict[date, DayOverride] = field(init=False, repr=False, compare=False)
    _published: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Freeze the iterables (a generator would otherwise be consumed once).
        overrides = tuple(self.overrides)
        entered = frozenset(self.entered_years)
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "entered_years", entered)
        object.__setattr__(self, "_by_day", {o.day: o for o in overrides})
        object.__setattr__(self, "_published", PACKAGE_YEARS | entered)

    # -- years ---------------------------------------------------------------

    def is_published(self, year: int) -> bool:
        """True when the package covers ``year`` or an admin entered its schedule."""
        return year in self._published

    def published_years(self) -> tuple[int, ...]:
        """All published years, ascending."""
        return tuple(sorted(self._published))

    def unpublished_between(self, first: date, last: date) -> tuple[int, ...]:
        """Years from ``first`` to ``last`` (inclusive) without a published schedule."""
        low, high = sorted((first.year, last.year))
        return tuple(y for y in range(low, high + 1) if y not in self._published)

    def check_year(self, year: int) -> None:
        """Raise CalendarYearNotCovered when ``year`` is before the data or too far ahead."""
        first, last = min(self._published), max(self._published)
        if year < first:
            raise CalendarYearNotCovered(
                f"工作日历不支持{year}年：节假日数据从{first}年开始。"
                "请核对日期是否录入错误。",
                year=year,
            )
        if year > last + self.years_ahead:
            raise CalendarYearNotCovered(
                f"工作日历不支持{year}年：已发布节假日安排的最晚年份是{last}年，"
                f"最多只能向后按周一至周五及法定节假日推算{self.years_ahead}年。请核对日期是否录入错误；"
                "如日期无误，请管理员先录入之后各年的节假日和调休安排（或升级 chinesecalendar 包）。",
                year=year,
            )

    # -- single days -----------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day (调休上班的周末也算).

        Layers, later wins: Monday–Friday; the package's holidays and 调休 for its years, the
        statutory holidays for unpublished years; the overrides (a local closure, an entered year).
        """
        self.check_year(day.year)
        override = self._by_day.get(day)
        if override is not None:
            return override.is_working
        if day.year in PACKAGE_YEARS:
            if day in _PACKAGE_WORKDAYS:
                return True
            if day in _PACKAGE_HOLIDAYS:
                return False
        elif day.year not in self._published and day in statutory_holidays(day.year):
            return False  # 放假办法 第二条; an entered year's schedule lists its holidays itself
        return day.weekday() < 5

    def next_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """First working day after ``day`` (or ``day`` itself when ``inclusive`` and working)."""
        if inclusive and self.is_working_day(day):
            return day
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def year_days(self, year: int) -> Iterator[tuple[date, bool]]:
        """Every day of ``year`` with its working flag (to fill a SQL calendar table)."""
        self.check_year(year)
        day = date(year, 1, 1)
        while day.year == year:
            yield day, self.is_working_day(day)
            day += _ONE_DAY

    # -- counting ------------------------------------------------------------------

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``.

        Used for remaining days (``today`` → due) and the 5-working-day supplement
        rule. Negative when ``end`` is before ``start`` (days overdue).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def add_working_days(
        self, start: date, n: int, paused: Sequence[Pause] = ()
    ) -> Deadline:
        """Due date ``n`` working days after ``start`` (办结期限).

        The start day is not counted; counting begins the next day; only working
        days outside every paused interval (``(first, last)``, both inclusive:
        补正, 特别程序) count. ``n == 0`` (即办件) is due the start day, or the
        next countable day when the start day is not one. The result is always a
        working day. It is provisional when any year from ``start`` to the due
        date has no published schedule.
        """
        if n < 0:
            raise ValidationError(f"期限天数不能为负数（收到 {n}），请填写 0 或正整数个工作日。")
        for first, last in paused:
            if last < first:
                raise ValidationError(
                    f"暂停区间有误：开始日{format_chinese_date(first)}晚于结束日"
                    f"{format_chinese_date(last)}。"
                )

        def counts(day: date) -> bool:
            return self.is_working_day(day) and not any(a <= day <= b for a, b in paused)

        day = start
        if n == 0:
            while not counts(day):
                day += _ONE_DAY
        else:
            remaining = n
            while remaining:
                day += _ONE_DAY
                remaining -= counts(day)
        unpublished = self.unpublished_between(start, day)
        return Deadline(due=day, provisional=bool(unpublished), unpublished_years=unpublished)

    # -- changing ----------------------------------------------------------------

    def with_overrides(self, extra: Iterable[DayOverride]) -> WorkingCalendar:
        """A new calendar with ``extra`` applied on top (later overrides win)."""
        return WorkingCalendar(
            overrides=(*self.overrides, *extra),
            entered_years=self.entered_years,
            years_ahead=self.years_ahead,
        )

    def with_schedule(self, schedule: YearSchedule) -> WorkingCalendar:
        """A new calendar with ``schedule`` applied and its year marked published.

        The schedule's days win over earlier overrides of the same dates; other
        overrides of that year (a county's local closure) are kept.
        """
        return WorkingCalendar(
            overrides=(*self.overrides, *schedule.overrides()),
            entered_years=(*self.entered_years, schedule.year),
            years_ahead=self.years_ahead,
        )

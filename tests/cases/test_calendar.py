"""Worked examples for the working-day calendar (工作日历).

Every expected date below was counted by hand; the comment under each call shows
the count. Notation: "(k)" = the k-th counted working day; 休 = holiday; 班 =
调休 make-up workday; 停 = paused.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.cases.calendar import (
    PACKAGE_YEARS,
    DayOverride,
    Deadline,
    WorkingCalendar,
    YearSchedule,
)
from govkit.errors import CalendarYearNotCovered, ValidationError


@pytest.fixture
def calendar() -> WorkingCalendar:
    """The calendar exactly as the chinesecalendar package ships it (2004–2026)."""
    return WorkingCalendar()


def test_package_covers_the_years_the_examples_rely_on(calendar: WorkingCalendar) -> None:
    assert {2004, 2025, 2026} <= PACKAGE_YEARS
    assert calendar.is_published(2026)
    assert not calendar.is_published(2027)
    assert calendar.published_years()[0] == 2004


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 2025 春节: 休 01-28 (Tue) … 02-04 (Tue); 班 Sun 01-26 and Sat 02-08.
        (date(2025, 1, 26), True),
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 8), True),
        (date(2025, 2, 9), False),
        # 2025 国庆+中秋: 休 10-01 … 10-08; 班 Sun 09-28 and Sat 10-11.
        (date(2025, 9, 28), True),
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),
        # 2026 春节: 休 02-15 (Sun) … 02-23 (Mon); 班 Sat 02-14 and Sat 02-28.
        (date(2026, 2, 14), True),
        (date(2026, 2, 23), False),
        (date(2026, 2, 28), True),
        # 2026 中秋 休 09-25 … 09-27; 国庆 休 10-01 … 10-07; 班 Sun 09-20 and Sat 10-10.
        (date(2026, 9, 20), True),
        (date(2026, 9, 25), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),
        # Ordinary weekend / weekday.
        (date(2025, 3, 8), False),
        (date(2025, 3, 10), True),
    ],
)
def test_package_days(calendar: WorkingCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_spring_festival_2025(calendar: WorkingCalendar) -> None:
    # Accepted Fri 2025-01-24, 5 working days:
    # Sat 01-25 no; Sun 01-26 班 (1); Mon 01-27 (2); 01-28 … 02-04 休;
    # Wed 02-05 (3); Thu 02-06 (4); Fri 02-07 (5).
    assert calendar.add_working_days(date(2025, 1, 24), 5) == Deadline(
        date(2025, 2, 7), False, ()
    )
    # Accepted Mon 2025-01-27, 4 working days: 01-28 … 02-04 休; 02-05 (1); 02-06 (2);
    # 02-07 (3); Sat 02-08 班 (4) -> the deadline is a Saturday.
    assert calendar.add_working_days(date(2025, 1, 27), 4).due == date(2025, 2, 8)


def test_national_day_2025(calendar: WorkingCalendar) -> None:
    # Accepted Fri 2025-09-26, 10 working days:
    # Sat 09-27 no; Sun 09-28 班 (1); Mon 09-29 (2); Tue 09-30 (3); 10-01 … 10-08 休;
    # Thu 10-09 (4); Fri 10-10 (5); Sat 10-11 班 (6); Sun 10-12 no; Mon 10-13 (7);
    # Tue 10-14 (8); Wed 10-15 (9); Thu 10-16 (10).
    assert calendar.add_working_days(date(2025, 9, 26), 10).due == date(2025, 10, 16)


def test_spring_festival_2026(calendar: WorkingCalendar) -> None:
    # Accepted Thu 2026-02-12, 5 working days:
    # Fri 02-13 (1); Sat 02-14 班 (2); 02-15 … 02-23 休; Tue 02-24 (3); Wed 02-25 (4);
    # Thu 02-26 (5).
    assert calendar.add_working_days(date(2026, 2, 12), 5).due == date(2026, 2, 26)
    # … 7 working days: Fri 02-27 (6); Sat 02-28 班 (7).
    assert calendar.add_working_days(date(2026, 2, 12), 7).due == date(2026, 2, 28)


def test_mid_autumn_and_national_day_2026(calendar: WorkingCalendar) -> None:
    # Accepted Fri 2026-09-18, 10 working days:
    # Sat 09-19 no; Sun 09-20 班 (1); Mon 09-21 (2); 09-22 (3); 09-23 (4); Thu 09-24 (5);
    # 09-25 … 09-27 休 (中秋); Mon 09-28 (6); 09-29 (7); Wed 09-30 (8); 10-01 … 10-07 休;
    # Thu 10-08 (9); Fri 10-09 (10).
    assert calendar.add_working_days(date(2026, 9, 18), 10).due == date(2026, 10, 9)
    # 11 -> Sat 10-10 班 (11); 12 -> Sun 10-11 no, Mon 10-12 (12).
    assert calendar.add_working_days(date(2026, 9, 18), 11).due == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 9, 18), 12).due == date(2026, 10, 12)


def test_same_day_items(calendar: WorkingCalendar) -> None:
    # 即办件 (n = 0) accepted on a working day is due that day …
    assert calendar.add_working_days(date(2025, 3, 10), 0).due == date(2025, 3, 10)
    # … on a make-up Sunday too (Sun 2025-01-26 班) …
    assert calendar.add_working_days(date(2025, 1, 26), 0).due == date(2025, 1, 26)
    # … and accepted during 春节 (Wed 2025-01-29 休) it is due the first working day after:
    # 01-30 … 02-04 休 -> Wed 02-05.
    assert calendar.add_working_days(date(2025, 1, 29), 0).due == date(2025, 2, 5)


def test_supplement_and_special_procedure_pauses(calendar: WorkingCalendar) -> None:
    # Accepted Mon 2025-03-03, 10 working days, no pause:
    # 03-04 (1) 05 (2) 06 (3) 07 (4) | 10 (5) 11 (6) 12 (7) 13 (8) 14 (9) | Mon 03-17 (10).
    start = date(2025, 3, 3)
    assert calendar.add_working_days(start, 10).due == date(2025, 3, 17)
    # 补正 pause Wed 03-05 … Mon 03-10 (both inclusive):
    # 03-04 (1); 03-05 … 03-10 停; 03-11 (2) 12 (3) 13 (4) 14 (5) | 17 (6) 18 (7) 19 (8)
    # 20 (9) Fri 03-21 (10).
    supplement = (date(2025, 3, 5), date(2025, 3, 10))
    assert calendar.add_working_days(start, 10, [supplement]).due == date(2025, 3, 21)
    # Plus a one-day 特别程序 (expert review) on Wed 03-19: 03-19 停, so
    # 20 (8) 21 (9) Mon 03-24 (10).
    review = (date(2025, 3, 19), date(2025, 3, 19))
    assert calendar.add_working_days(start, 10, [supplement, review]).due == date(2025, 3, 24)


def test_extension_counts_on_from_the_original_due_date(calendar: WorkingCalendar) -> None:
    # Promised 10 working days from Mon 2025-03-03 -> Mon 03-17 (see above); an approved
    # extension (延期) of 5 working days: 03-18 (1) 19 (2) 20 (3) 21 (4) Mon 03-24 (5).
    due = calendar.add_working_days(date(2025, 3, 3), 10).due
    assert calendar.add_working_days(due, 5).due == date(2025, 3, 24)
    assert calendar.add_working_days(date(2025, 3, 3), 15).due == date(2025, 3, 24)


def test_working_days_between(calendar: WorkingCalendar) -> None:
    # Materials received Fri 2025-01-24; the 5-working-day supplement window ends on
    # Fri 02-07 (see test_spring_festival_2025).
    received = date(2025, 1, 24)
    assert calendar.working_days_between(received, date(2025, 2, 7)) == 5
    # By Mon 02-10: Sat 02-08 班 (6), Sun 02-09 no, Mon 02-10 (7) -> too late, deemed accepted.
    assert calendar.working_days_between(received, date(2025, 2, 10)) == 7
    # Remaining days on Thu 2025-10-09 for a case due Thu 10-16:
    # 10-10 (1) Sat 10-11 班 (2) 10-13 (3) 10-14 (4) 10-15 (5) 10-16 (6).
    assert calendar.working_days_between(date(2025, 10, 9), date(2025, 10, 16)) == 6
    # Overdue counts negative.
    assert calendar.working_days_between(date(2025, 10, 16), date(2025, 10, 9)) == -6
    assert calendar.working_days_between(received, received) == 0


def test_next_working_day(calendar: WorkingCalendar) -> None:
    # Tue 2025-01-28 (first day of 春节) -> 01-29 … 02-04 休 -> Wed 02-05.
    assert calendar.next_working_day(date(2025, 1, 28)) == date(2025, 2, 5)
    # Fri 2025-02-07 -> Sat 02-08 班.
    assert calendar.next_working_day(date(2025, 2, 7)) == date(2025, 2, 8)
    assert calendar.next_working_day(date(2025, 2, 7), inclusive=True) == date(2025, 2, 7)


def test_local_closure_overrides_the_package(calendar: WorkingCalendar) -> None:
    # The county closes on Wed 2025-03-05 (local festival); 10 working days from Mon 03-03:
    # 03-04 (1); 03-05 closed; 06 (2) 07 (3) | 10 (4) … 14 (8) | 17 (9) Tue 03-18 (10).
    closure = DayOverride(date(2025, 3, 5), False, "县内民族节日放假")
    county = calendar.with_overrides([closure])
    assert county.add_working_days(date(2025, 3, 3), 10).due == date(2025, 3, 18)
    # An override also beats a package 调休 day.
    assert not WorkingCalendar([DayOverride(date(2025, 1, 26), False)]).is_working_day(
        date(2025, 1, 26)
    )


def test_december_2026_case_is_provisional_until_2027_is_entered(
    calendar: WorkingCalendar,
) -> None:
    # Accepted Tue 2026-12-15, 20 working days. 2027 has no published schedule, so its
    # days are Mon–Fri minus the statutory holidays (放假办法 第二条), 元旦 among them:
    # 12-16 (1) 17 (2) 18 (3) | 21 (4) 22 (5) 23 (6) 24 (7) 25 (8) | 28 (9) 29 (10) 30 (11)
    # Thu 12-31 (12) | Fri 2027-01-01 元旦 休 | 01-04 (13) … 01-08 (17) | 01-11 (18) 01-12 (19)
    # Wed 01-13 (20) — but still guessed (调休 and 补假 are unknown), so 暂定.
    accepted = date(2026, 12, 15)
    guessed = calendar.add_working_days(accepted, 20)
    assert guessed == Deadline(date(2027, 1, 13), True, (2027,))
    assert guessed.label() == "2027年1月13日（暂定）"

    # The admin enters 2027 (元旦 2027-01-01 is a holiday): the same count, now final.
    entered = calendar.with_schedule(YearSchedule(2027, holidays=[date(2027, 1, 1)]))
    assert entered.is_published(2027)
    final = entered.add_working_days(accepted, 20)
    assert final == Deadline(date(2027, 1, 13), False, ())
    assert final.label() == "2027年1月13日"


def test_label_of_a_provisional_date(calendar: WorkingCalendar) -> None:
    # Mon 2026-12-28 + 6: 29 (1) 30 (2) 31 (3) | 2027-01-01 元旦 休 | 01-04 (4) 01-05 (5) Wed 01-06 (6).
    assert calendar.add_working_days(date(2026, 12, 28), 6).label() == "2027年1月6日（暂定）"
    # Staying inside 2026 is final: Tue 12-15 + 5 -> 16 17 18 | 21 Tue 12-22.
    inside = calendar.add_working_days(date(2026, 12, 15), 5)
    assert inside == Deadline(date(2026, 12, 22), False, ())


def test_entering_a_year_with_ranges_and_makeup_days(calendar: WorkingCalendar) -> None:
    # A hypothetical 2027 春节 block: 休 Fri 02-05 … Thu 02-11, 班 Sun 02-14.
    schedule = YearSchedule(
        2027,
        holidays=[date(2027, 1, 1), (date(2027, 2, 5), date(2027, 2, 11))],
        makeup_workdays=[date(2027, 2, 14)],
    )
    entered = calendar.with_schedule(schedule)
    # Thu 2027-02-04 + 2: 02-05 … 02-11 休; Fri 02-12 (1); Sat 02-13 no; Sun 02-14 班 (2).
    assert entered.add_working_days(date(2027, 2, 4), 2) == Deadline(
        date(2027, 2, 14), False, ()
    )
    assert len(schedule.overrides()) == 1 + 7 + 1


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (YearSchedule(2027, holidays=[date(2026, 12, 31)]), "不属于2027年"),
        (YearSchedule(2027, makeup_workdays=[date(2027, 2, 10)]), "本来就是工作日"),
        (
            YearSchedule(2027, holidays=[date(2027, 2, 14)], makeup_workdays=[date(2027, 2, 14)]),
            "同时被录入",
        ),
        (YearSchedule(2027, holidays=[(date(2027, 2, 11), date(2027, 2, 5))]), "起止日期对调"),
    ],
)
def test_bad_year_schedules_are_refused(schedule: YearSchedule, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        schedule.overrides()


def test_years_out_of_range(calendar: WorkingCalendar) -> None:
    with pytest.raises(CalendarYearNotCovered, match="2003年") as raised:
        calendar.is_working_day(date(2003, 12, 31))
    assert raised.value.details["year"] == 2003
    # Last published year 2026 + 5 = 2031 is still computed (provisionally) …
    assert calendar.add_working_days(date(2031, 6, 2), 1).provisional
    # … 2032 is refused, with a message naming the year and what to do.
    with pytest.raises(CalendarYearNotCovered, match="不支持2032年.*录入"):
        calendar.add_working_days(date(2031, 12, 20), 20)
    # Entering 2027 moves the horizon one year on.
    later = calendar.with_schedule(YearSchedule(2027))
    assert later.is_working_day(date(2032, 1, 5))


def test_bad_arguments(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValidationError, match="不能为负数"):
        calendar.add_working_days(date(2025, 3, 3), -1)
    with pytest.raises(ValidationError, match="暂停区间"):
        calendar.add_working_days(date(2025, 3, 3), 1, [(date(2025, 3, 5), date(2025, 3, 4))])


def test_year_days_for_a_sql_calendar_table(calendar: WorkingCalendar) -> None:
    days = list(calendar.year_days(2025))
    assert len(days) == 365
    # 2025 runs Wed … Wed: 104 weekend days, 261 weekdays. Weekday holidays: 元旦 1,
    # 春节 6 (01-28 … 01-31, 02-03, 02-04), 清明 1 (04-04), 劳动节 3 (05-01, 05-02, 05-05),
    # 端午 1 (06-02), 国庆+中秋 6 (10-01 … 10-03, 10-06 … 10-08) = 18. Make-up days:
    # 01-26, 02-08, 04-27, 09-28, 10-11 = 5. 261 - 18 + 5 = 248.
    assert sum(working for _, working in days) == 248


# -- properties --------------------------------------------------------------------

_FIRST, _LAST = date(2024, 1, 1), date(2027, 6, 30)
days = st.dates(min_value=_FIRST, max_value=_LAST)
counts = st.integers(min_value=0, max_value=45)
pauses = st.lists(
    st.tuples(days, st.integers(min_value=0, max_value=20)).map(
        lambda p: (p[0], p[0] + timedelta(days=p[1]))
    ),
    max_size=3,
)
_SHARED = WorkingCalendar()


@settings(deadline=None)
@given(start=days, n=counts, paused=pauses)
def test_deadline_monotonic_in_n(start: date, n: int, paused: list[tuple[date, date]]) -> None:
    here = _SHARED.add_working_days(start, n, paused)
    later = _SHARED.add_working_days(start, n + 1, paused)
    assert start <= here.due <= later.due
    if n:
        assert here.due < later.due
    assert _SHARED.is_working_day(here.due)
    assert not any(a <= here.due <= b for a, b in paused)


@settings(deadline=None)
@given(first=days, second=days, n=counts, paused=pauses)
def test_deadline_monotonic_in_start(
    first: date, second: date, n: int, paused: list[tuple[date, date]]
) -> None:
    early, late = sorted((first, second))
    assert (
        _SHARED.add_working_days(early, n, paused).due
        <= _SHARED.add_working_days(late, n, paused).due
    )


@settings(deadline=None)
@given(start=days, n=counts, paused=pauses, extra=pauses)
def test_pauses_never_make_a_deadline_earlier(
    start: date, n: int, paused: list[tuple[date, date]], extra: list[tuple[date, date]]
) -> None:
    without = _SHARED.add_working_days(start, n, paused)
    with_more = _SHARED.add_working_days(start, n, [*paused, *extra])
    assert without.due <= with_more.due


@settings(deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=45))
def test_counting_back_gives_n(start: date, n: int) -> None:
    deadline = _SHARED.add_working_days(start, n)
    assert _SHARED.working_days_between(start, deadline.due) == n
    assert deadline.provisional == (deadline.due.year >= 2027)

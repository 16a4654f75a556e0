"""Provisional years (暂定): the fixed statutory holidays of 国务院《全国年节及纪念日放假办法》
(2024年修订) 第二条, and the 2027 worked example shown everywhere a date is shown or printed.

2027 is unpublished here whatever chinesecalendar release is installed: tests/conftest.py reads
the package as 1.11 ships it (2004–2026). Notation as in test_calendar.py: "(k)" = the k-th counted
working day; 休 = holiday.
"""
from __future__ import annotations

import re
from datetime import date

import chinese_calendar
import pytest
from flask import g

from govkit.cases.calendar import Deadline, DayOverride, WorkingCalendar, YearSchedule
from govkit.cases.statutory_holidays import describe, statutory_holidays
from tests.cases.conftest import VILLAGE, accept_in_app, build_world
from tests.cases.test_api import FreshClient
from tests.cases.test_calendar_cli import govkit_cli  # noqa: F401  (fixture)
from tests.printing.conftest import Poppler

HOLIDAYS_2027 = {
    date(2027, 1, 1): "元旦",
    # 正月初一 is Sat 02-06: 除夕 Fri 02-05 … 初三 Mon 02-08.
    date(2027, 2, 5): "春节", date(2027, 2, 6): "春节", date(2027, 2, 7): "春节", date(2027, 2, 8): "春节",
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节", date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "端午节",  # 五月初五
    date(2027, 9, 15): "中秋节",  # 八月十五
    date(2027, 10, 1): "国庆节", date(2027, 10, 2): "国庆节", date(2027, 10, 3): "国庆节",
}
# chinesecalendar's names for the same festivals.
PACKAGE_NAMES = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day",
                 "劳动节": "Labour Day", "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival",
                 "国庆节": "National Day"}


def test_the_statutory_holidays_of_2027():
    assert dict(statutory_holidays(2027)) == HOLIDAYS_2027
    assert describe(2027) == ("元旦 1月1日；春节 2月5日—2月8日；清明节 4月5日；劳动节 5月1日—5月2日；"
                              "端午节 6月9日；中秋节 9月15日；国庆节 10月1日—10月3日")


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_holidays_are_the_published_ones(year):
    # The years the State Council already published under the 2024 revision: every day the rule
    # computes is a holiday of that festival in the package (the schedules add 补假 and bridges).
    computed = statutory_holidays(year)
    assert len(computed) == 13
    assert {day: chinese_calendar.holidays[day] for day in computed} == {
        day: PACKAGE_NAMES[name] for day, name in computed.items()}


def test_a_2027_deadline_skips_new_year_and_spring_festival_and_stays_provisional():
    calendar = WorkingCalendar()
    # Accepted Mon 2026-12-21, 40 working days: 12-22 (1) … 12-31 (8); Fri 2027-01-01 元旦 休;
    # 01-04 (9) … 01-29 (28); 02-01 (29) … Thu 02-04 (32); Fri 02-05 除夕 休, Mon 02-08 初三 休;
    # 02-09 (33) … 02-12 (36); 02-15 (37) … Thu 02-18 (40).
    deadline = calendar.add_working_days(date(2026, 12, 21), 40)
    assert deadline == Deadline(date(2027, 2, 18), True, (2027,))
    assert deadline.label() == "2027年2月18日（暂定）"
    # Counting weekdays only (what the calendar did before) gave three days earlier.
    weekdays_only = calendar.with_schedule(YearSchedule(2027))
    assert weekdays_only.add_working_days(date(2026, 12, 21), 40) == Deadline(date(2027, 2, 15), False, ())


def test_no_compensation_or_makeup_day_is_guessed():
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2027, 5, 1)) and not calendar.is_working_day(date(2027, 10, 1))
    # 劳动节 and 国庆 fall partly on weekends in 2027; the 补假 day only the notice fixes stays a workday,
    # as do the days the notice will probably bridge (初四 … 初六) — hence 暂定.
    for day in (date(2027, 5, 3), date(2027, 10, 4), date(2027, 2, 9), date(2027, 2, 10)):
        assert calendar.is_working_day(day), day
    # … and no weekend becomes a 调休 workday.
    assert not calendar.is_working_day(date(2027, 2, 20)) and not calendar.is_working_day(date(2027, 9, 26))
    # Later unpublished years get their own lunar dates: 2031 春节 is Thu 01-23, 除夕 Wed 01-22.
    assert not calendar.is_working_day(date(2031, 1, 22)) and calendar.is_working_day(date(2031, 1, 21))


def test_an_entered_year_or_an_override_wins_over_the_rule():
    calendar = WorkingCalendar()
    # An entered schedule is the State Council's word for the whole year: only what it lists is off.
    entered = calendar.with_schedule(YearSchedule(2027, holidays=[date(2027, 1, 1)]))
    assert entered.is_working_day(date(2027, 2, 5)) and not entered.is_working_day(date(2027, 1, 1))
    # A county override of a single day (日历调整) is applied on top, as for published years.
    opened = calendar.with_overrides([DayOverride(date(2027, 6, 9), True, "值班")])
    assert opened.is_working_day(date(2027, 6, 9)) and not calendar.is_working_day(date(2027, 6, 9))


# -- the worked example through the app: API, case page, printed notice, calendar status --------


@pytest.fixture
def long_world(db):
    """An item with 40 promised and 60 statutory working days (long enough to cross 春节)."""
    return build_world(db.session, promised_days=40, legal_days=60)


@pytest.fixture
def clerk(app, login_as):
    client = app.test_client()
    g.pop("_login_user", None)
    login_as("受理员", VILLAGE, test_client=client)
    return FreshClient(client)


def _text(html: str) -> str:
    """Page text without tags and whitespace, so a date and its （暂定） compare as one string."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_2027_deadlines_are_marked_provisional_in_api_page_notice_and_status(
        app, db, long_world, clerk, govkit_cli, tmp_path):  # noqa: F811
    crossing = accept_in_app(app, db.session, long_world, date(2026, 12, 21))
    # Promised: 2027-02-18 (the worked example above). Statutory 60: … 02-18 (40); 02-19 (41);
    # 02-22 (42) … 02-26 (46); 03-01 (47) … 03-05 (51); 03-08 (52) … 03-12 (56); 03-15 (57) … Thu 03-18 (60).
    # The case: promised date final in 2026, statutory date in 2027. Accepted Mon 2026-11-02:
    # 11-03 (1) … 11-30 (20); 12-01 (21) … Mon 12-28 (40) — final; 12-29 (41) … 12-31 (43); 元旦 休;
    # 01-04 (44) … 01-22 (58); 01-25 (59); Tue 01-26 (60) — 暂定.
    legal_only = accept_in_app(app, db.session, long_world, date(2026, 11, 2))
    # A withdrawn case with provisional dates is no longer open: status does not count it.
    withdrawn = accept_in_app(app, db.session, long_world, date(2026, 12, 21))
    from govkit.cases.runtime import workflow_for

    workflow_for(app).perform(db.session, withdrawn, "withdraw", long_world.clerk, reason="申请人书面申请撤回")

    api = {case.id: clerk.get(f"/api/v1/case/{case.id}").json["result"] for case in (crossing, legal_only)}
    fields = ("due_date", "due_provisional", "legal_due_date", "legal_due_provisional")
    assert [tuple(api[crossing.id][f] for f in fields), tuple(api[legal_only.id][f] for f in fields)] == [
        ("2027-02-18", True, "2027-03-18", True), ("2026-12-28", False, "2027-01-26", True)]

    page = _text(clerk.get(f"/desk/case/{crossing.id}").get_data(as_text=True))
    assert "承诺办结2027年2月18日（暂定）" in page and "法定期限2027年3月18日（暂定）" in page
    page = _text(clerk.get(f"/desk/case/{legal_only.id}").get_data(as_text=True))
    assert "承诺办结2026年12月28日法定期限2027年1月26日（暂定）" in page

    poppler = Poppler(tmp_path)
    notice = clerk.get(f"/desk/case/{crossing.id}/print/acceptance_notice")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    printed = re.sub(r"\s+", "", poppler.text(notice.data))
    assert "2027年2月18日（暂定）" in printed
    assert "暂按周一至周五并扣除法定节假日推算（未含调休）" in printed
    printed = re.sub(r"\s+", "", poppler.text(clerk.get(f"/desk/case/{legal_only.id}/print/acceptance_notice").data))
    assert "2026年12月28日" in printed and "暂定" not in printed  # the promised date is final

    status = govkit_cli("calendar", "status")
    assert status.exit_code == 0, status.output
    assert "待录入：2027 年尚无节假日安排，2 件未办结办件的期限为暂定" in status.output
    assert "2027 年暂按法定节假日放假：" + describe(2027) in status.output

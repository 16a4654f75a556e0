"""The deployment calendar: database days, entered years, SQL table, admin screens, banner."""
from __future__ import annotations

from datetime import date

import pytest
from flask import g

from govkit.cases.calendar_store import (fill_working_days, load_calendar, parse_schedule_text, working_day_rows,
                                         years_to_enter)
from govkit.cases.models import CalendarDay, CalendarYear, CaseEvent, WorkingDay
from govkit.errors import ValidationError
from tests.cases.conftest import TOWNSHIP, accept_in_app

pytestmark = pytest.mark.both_backends


def test_parse_schedule_text_reads_ranges_names_and_make_up_days():
    schedule = parse_schedule_text(2027, "2027-01-01~2027-01-03 元旦\n\n2027-2-5 至 2027-02-11 春节\n",
                                   "2027-02-14\n")
    assert schedule.holidays == ((date(2027, 1, 1), date(2027, 1, 3)), (date(2027, 2, 5), date(2027, 2, 11)))
    assert schedule.makeup_workdays == (date(2027, 2, 14),)
    with pytest.raises(ValidationError, match="格式"):
        parse_schedule_text(2027, "元旦放三天", "")
    with pytest.raises(ValidationError, match="单个日期"):
        parse_schedule_text(2027, "", "2027-02-13~2027-02-14")


def test_database_days_and_years_override_the_package(db):
    db.session.add_all([CalendarDay(day=date(2026, 7, 15), is_working=False, name="防汛"),
                        CalendarYear(year=2027, entered_by="管理员")])
    db.session.commit()
    calendar = load_calendar(db.session)
    assert not calendar.is_working_day(date(2026, 7, 15))
    assert calendar.is_published(2027)


def test_working_day_table_ordinals_count_working_days(db):
    calendar = load_calendar(db.session)
    fill_working_days(db.session, calendar)
    db.session.commit()
    rows = {r.day: r for r in db.session.query(WorkingDay).filter(WorkingDay.day.between(date(2026, 9, 30),
                                                                                           date(2026, 10, 12)))}
    # 国庆 2026: 10-01 … 10-07 休; Sat 10-10 班 → after 09-30 up to 10-12: 10-08, 10-09, 10-10, 10-12 = 4.
    assert rows[date(2026, 10, 12)].ordinal - rows[date(2026, 9, 30)].ordinal == 4
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert rows[date(2026, 10, 10)].is_working and not rows[date(2026, 10, 3)].is_working
    assert not fill_working_days(db.session, calendar)  # unchanged → nothing rewritten
    assert working_day_rows(calendar)[-1]["provisional"]


@pytest.fixture
def admin_client(app, login_as):
    client = app.test_client()
    g.pop("_login_user", None)
    login_as("Admin", TOWNSHIP, test_client=client)
    return client


def test_admin_banner_and_enter_year_screen_recompute_provisional_deadlines(app, admin_client, db, world):
    case = accept_in_app(app, db.session, world, date(2026, 12, 21))
    assert case.due_provisional and years_to_enter(db.session, load_calendar(db.session)) == (2027,)
    app.extensions["govkit"].cache.pop("calendar_banner", None)
    g.pop("_login_user", None)
    page = admin_client.get("/calendar/enter-year/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2027 年的节假日安排尚未录入" in html and "暂定" in html
    g.pop("_login_user", None)
    response = admin_client.post("/calendar/enter-year/", data={
        "year": "2027", "holidays": "2027-01-01~2027-01-03 元旦", "makeup": ""}, follow_redirects=True)
    assert response.status_code == 200 and "重新计算了 1 件" in response.get_data(as_text=True)
    # The banner is gone at once, not a minute later (it was cached).
    assert "2027 年的节假日安排尚未录入" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert (case.due_date, case.due_provisional) == (date(2027, 1, 5), False)
    assert db.session.query(CaseEvent).filter_by(case_id=case.id, action="deadline_recomputed").count() == 1
    g.pop("_login_user", None)
    bad = admin_client.post("/calendar/enter-year/", data={"year": "2028", "holidays": "2027-05-01", "makeup": ""})
    assert bad.status_code == 200 and "不属于2028年" in bad.get_data(as_text=True)

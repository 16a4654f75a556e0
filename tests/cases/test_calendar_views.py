"""The 日历调整 admin screen through real form posts (CSRF on): deadlines move, events appear."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from govkit.cases.models import CalendarDay, CalendarYear, CaseEvent, WorkingDay
from govkit.testing.fixtures import create_user
from tests.cases.conftest import TOWNSHIP, accept_in_app, build_world, register

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    from govkit.db import db

    with app.app_context():
        yield app
        db.session.remove()


def _login(app, role):
    client = app.test_client()
    user = create_user(app, role, TOWNSHIP)
    token = TOKEN.search(client.get("/login/").get_data(as_text=True)).group(1)
    response = client.post("/login/", data={"csrf_token": token, "username": user.username, "password": "pw-123456"})
    assert response.status_code == 302
    return client


def _post_form(client, url, data):
    """GET the form for its CSRF token, then POST it like the browser does."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    return client.post(url, data=dict(data, csrf_token=token), follow_redirects=True)


@pytest.fixture
def open_case(csrf_app):
    """A case accepted Mon 2026-03-02, 10 working days: due Mon 2026-03-16."""
    from govkit.db import db

    case = accept_in_app(csrf_app, db.session, build_world(db.session), date(2026, 3, 2))
    assert case.due_date == date(2026, 3, 16)
    return case


def _recomputed(db, case):
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.action == "deadline_recomputed")).all()


def test_admin_adds_edits_and_deletes_a_closure_day(csrf_app, open_case):
    from govkit.db import db

    admin = _login(csrf_app, "Admin")
    added = _post_form(admin, "/calendar/days/add",
                       {"day": "2026-03-10", "is_working": "False", "name": "防汛停止办公"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and "重新计算了 1 件办件的期限" in html
    db.session.expire_all()
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == date(2026, 3, 10)))
    assert (row.is_working, row.name) == (False, "防汛停止办公")
    assert open_case.due_date == date(2026, 3, 17)
    (event,) = _recomputed(db, open_case)
    assert "2026年3月16日 → 2026年3月17日" in event.comment and event.role == "Admin"
    assert not db.session.get(WorkingDay, date(2026, 3, 10)).is_working
    case_page = admin.get(f"/desk/case/{open_case.id}").get_data(as_text=True)
    assert ("日历调整：2026年3月10日改为放假（防汛停止办公），"
            "重新计算办结期限：2026年3月16日 → 2026年3月17日") in case_page
    assert "<b>办结期限重算</b>" in case_page and "deadline_recomputed" not in case_page

    # Edit: the closure turns out to be a working day after all → the deadline comes back, flagged.
    edited = _post_form(admin, f"/calendar/days/edit/{row.id}",
                        {"day": "2026-03-10", "is_working": "True", "name": "防汛取消，照常上班"})
    html = edited.get_data(as_text=True)
    assert "重新计算了 1 件办件的期限" in html and "期限提前" in html and open_case.number in html
    db.session.expire_all()
    assert open_case.due_date == date(2026, 3, 16)
    assert _recomputed(db, open_case)[-1].data["direction"] == "earlier"

    # Delete: 03-10 is an ordinary Tuesday again — no deadline moves, the row is gone.
    page = admin.get("/calendar/days/list/")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    deleted = admin.post(f"/calendar/days/delete/{row.id}", data={"csrf_token": token}, follow_redirects=True)
    assert deleted.status_code == 200 and "重新计算了 0 件办件的期限" in deleted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CalendarDay, row.id) is None and len(_recomputed(db, open_case)) == 2


@pytest.mark.parametrize(("day", "message"), [
    ("2026-02-30", "日期“2026-02-30”无效"),
    ("下周二", "日期“下周二”无效"),
    ("", "请填写日期"),
    ("2062-01-05", "工作日历不支持2062年"),
])
def test_bad_dates_are_form_errors(csrf_app, open_case, day, message):
    from govkit.db import db

    admin = _login(csrf_app, "Admin")
    response = _post_form(admin, "/calendar/days/add", {"day": day, "is_working": "False", "name": "县城封闭"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(CalendarDay)).all() == []
    assert open_case.due_date == date(2026, 3, 16) and _recomputed(db, open_case) == []


def test_a_second_row_for_the_same_day_is_a_form_error(csrf_app, open_case):
    from govkit.db import db

    admin = _login(csrf_app, "Admin")
    _post_form(admin, "/calendar/days/add", {"day": "2026-03-10", "is_working": "False", "name": "防汛停止办公"})
    again = _post_form(admin, "/calendar/days/add", {"day": "2026-03-10", "is_working": "True", "name": "照常上班"})
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "2026年3月10日已有一条日历调整（防汛停止办公）" in html
    db.session.expire_all()
    assert len(db.session.scalars(select(CalendarDay)).all()) == 1
    assert open_case.due_date == date(2026, 3, 17) and len(_recomputed(db, open_case)) == 1


def test_missing_reason_is_a_form_error(csrf_app, open_case):
    from govkit.db import db

    admin = _login(csrf_app, "Admin")
    response = _post_form(admin, "/calendar/days/add", {"day": "2026-03-10", "is_working": "False", "name": ""})
    assert response.status_code == 200 and "该字段是必填字段" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(CalendarDay)).all() == []


@pytest.mark.parametrize("role", ["受理员", "指挥中心", "事项管理员"])
def test_other_roles_cannot_change_the_calendar(app, client, login_as, db, workflow, world, role):
    # CSRF off here (the default test app): only the role check stands between them and the calendar.
    case = register(workflow, db.session, world)
    workflow.perform(db.session, case, "accept", world.clerk)
    login_as(role, TOWNSHIP)
    for url in ("/calendar/days/list/", "/calendar/days/add", "/calendar/enter-year/"):
        response = client.get(url)
        assert response.status_code == 403 or (
            response.status_code == 302 and "/login" in response.headers["Location"]), (url, response.status_code)
    add = client.post("/calendar/days/add", data={"day": "2026-03-10", "is_working": "False", "name": "x"})
    enter = client.post("/calendar/enter-year/", data={"year": "2027", "holidays": "2027-01-01", "makeup": ""})
    assert (add.status_code, enter.status_code) == (403, 403)
    db.session.expire_all()
    assert db.session.scalars(select(CalendarDay)).all() == []
    assert db.session.scalars(select(CalendarYear)).all() == []
    assert case.due_date == date(2026, 3, 16) and _recomputed(db, case) == []

"""Values on screens read as labels (govkit.labels) and FAB's security screens speak Chinese."""
from __future__ import annotations

from datetime import date, datetime, timezone

from govkit.clock import local_date
from govkit.labels import EMPTY, division_name, local_time, shown
from govkit.publicity import complaints
from govkit.testing.fixtures import ensure_division

COUNTY = "621002000000"


def test_shown_values():
    assert shown(None) == shown("") == shown("  ") == EMPTY == "—"
    assert (shown(True), shown(False)) == ("是", "否")
    # Stored instants are UTC (naive from SQLite): shown in Beijing, to the minute.
    assert shown(datetime(2026, 12, 4, 17, 5, 9, 123456)) == "2026-12-05 01:05"
    assert shown(datetime(2026, 12, 4, 17, 5, tzinfo=timezone.utc)) == "2026-12-05 01:05"
    assert shown(date(2026, 12, 4)) == "2026-12-04"
    assert shown(["受理员", None]) == "受理员、—" and shown([]) == EMPTY
    assert shown(0) == 0 and shown("临时救助") == "临时救助"
    assert local_time(None) == EMPTY


def test_dates_are_beijing_dates():
    late_evening_utc = datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    assert local_date(late_evening_utc) == date(2026, 12, 5)
    assert local_date(datetime(2026, 12, 4, 15, 59)) == date(2026, 12, 4)


def test_complaint_numbers_are_dated_in_beijing(app, db, monkeypatch):
    ensure_division(db.session, COUNTY, "示范县")
    monkeypatch.setattr(complaints, "local_date", lambda: date(2026, 12, 5))
    complaint, _code = complaints.file_complaint(db.session, kind="投诉", division_code=COUNTY, subject="排队久",
                                                   content="窗口排队两小时。")
    assert complaint.number.startswith("TS20261205")


def test_division_names_replace_codes(app, db):
    ensure_division(db.session, COUNTY, "示范县")
    with app.test_request_context():
        assert division_name(COUNTY) == "示范县"
        assert division_name("629999999999") == "629999999999"  # unknown: the code, not a blank
        assert division_name(None) == EMPTY


def test_user_and_role_screens_are_chinese(app, client, db, login_as):
    admin = login_as("Admin", COUNTY)
    listing = client.get("/users/list/").get_data(as_text=True)
    assert "姓名" in listing and "系统管理员" in listing
    for english in ("First Name", "Last Name", "Is Active?", "Login count", "Email"):
        assert english not in listing, english
    form = client.get("/users/add").get_data(as_text=True)
    assert 'name="first_name"' in form and 'name="last_name"' not in form and "完整姓名" in form
    assert ">系统管理员<" in form and ">Admin<" not in form  # the role choices by their Chinese names
    assert "Write the user" not in form and "It's not a good policy" not in form
    show = client.get(f"/users/show/{admin.id}").get_data(as_text=True)
    assert "登录次数" in show and "Login Count" not in show
    roles = client.get("/roles/list/").get_data(as_text=True)
    assert "系统管理员" in roles and "can list on" not in roles and "查看列表：用户列表" in roles
    info = client.get("/userinfoeditview/form").get_data(as_text=True)
    assert 'name="first_name"' in info and 'name="last_name"' not in info and "姓名" in info


def test_a_name_from_two_fields_is_kept_whole_in_chinese_order(app, client, db, login_as):
    from govkit.auth.security_screens import one_name

    class User:
        first_name, last_name = "小红", "刘"

    user = User()
    one_name(user)
    assert (user.first_name, user.last_name) == ("刘小红", "")

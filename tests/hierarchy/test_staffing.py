"""无人可办 warnings: departments, windows and divisions whose queue nobody can work."""
from __future__ import annotations

from govkit.hierarchy.models import Department, ServiceCentre
from govkit.hierarchy.scope import Scope
from govkit.hierarchy.staffing import unstaffed_warnings
from govkit.testing.fixtures import create_user, ensure_division

TOWNSHIP = "621002101000"


def test_each_unworkable_queue_is_named_and_staffing_it_clears_the_warning(app, db):
    s = db.session
    town = ensure_division(s, TOWNSHIP, "清河镇")
    window = Department(division_id=town.id, name="便民服务中心", window_no="3号窗口")
    s.add_all([window, ServiceCentre(division_id=town.id, name="清河镇便民服务中心", kind="便民服务中心")])
    s.commit()
    scope = Scope.for_division(TOWNSHIP)
    assert unstaffed_warnings(s, scope) == [
        "无人可办：清河镇的部门（窗口）“便民服务中心（3号窗口）”没有在岗的办理员，分派到这里的办件无人审查。",
        "无人可办：清河镇设有部门（窗口）但没有在岗的指挥中心人员，上报到这里的办件无人签收、分派。",
        "无人可办：清河镇设有服务中心（站）但没有在岗的受理员，申请无人受理。",
    ]
    create_user(app, "办理员", TOWNSHIP, department=window)
    create_user(app, "指挥中心", TOWNSHIP)
    create_user(app, "受理员", TOWNSHIP)
    assert unstaffed_warnings(s, scope) == []
    assert unstaffed_warnings(s, Scope.for_division("621002102000")) == []  # another township: not in scope


def test_the_department_screen_shows_the_warning(app, db, client, login_as):
    s = db.session
    town = ensure_division(s, TOWNSHIP, "清河镇")
    s.add(Department(division_id=town.id, name="民政办"))
    s.commit()
    login_as("指挥中心", TOWNSHIP)
    page = client.get("/departments/list/", follow_redirects=True).get_data(as_text=True)
    assert "无人可办：清河镇的部门（窗口）“民政办”没有在岗的办理员" in page

"""Hierarchy screens: tree navigation, derived fields, export, scoped actions, CSRF, REST moves."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_appbuilder.actions import action

from govkit import hookimpl
from govkit.hierarchy.models import Department, Division, ServiceCentre, Staff
from govkit.hierarchy.sample import load_sample
from govkit.testing.fixtures import create_user
from govkit.web.scoped import register_scope_rule, scope_rule_for


def _division(db, code: str) -> Division:
    return db.session.scalar(sa.select(Division).where(Division.code == code))


def test_division_tree_navigation_for_a_township_handler(app, db, client, login_as):
    load_sample(db.session)
    login_as("办理员", "621002101000")  # 肖金镇
    village, town = _division(db, "621002101201"), _division(db, "621002101000")

    page = client.get(f"/divisions/show/{village.id}").get_data(as_text=True)
    crumbs = page[page.index('class="breadcrumb"'):page.index("</ol>")]
    assert [n for n in ("甘肃省", "庆阳市", "西峰区", "肖金镇", "米王村委会") if n in crumbs] == \
        ["甘肃省", "庆阳市", "西峰区", "肖金镇", "米王村委会"]
    assert f'/divisions/show/{town.id}"' in crumbs  # in scope: linked
    county = _division(db, "621002000000")
    assert f"/divisions/show/{county.id}" not in crumbs  # out of scope: named, not linked
    assert "查看下级区划" not in page

    page = client.get(f"/divisions/show/{town.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]*_flt_0_parent=\d+)"', page).group(1)
    children = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "米王村委会" in children and "三里店村委会" in children and "董志村委会" not in children

    townships = client.get("/divisions/list/?_flt_0_level=4").get_data(as_text=True)
    assert "肖金镇" in townships and "米王村委会" not in townships and "董志镇" not in townships
    assert client.get(f"/divisions/show/{county.id}").status_code == 404


def test_admin_adds_a_division_level_and_parent_come_from_the_code(app, db, client, login_as):
    load_sample(db.session)
    login_as("Admin", "621002000000")
    response = client.post("/divisions/add", data={"code": "621002101299", "name": "新设村委会",
                                                   "urban_rural_class": "220", "active": "y"})
    assert response.status_code == 302
    new = _division(db, "621002101299")
    assert new.level == 5 and new.parent.code == "621002101000"
    client.post("/divisions/add",
                data={"code": "621002109201", "name": "无主村", "urban_rural_class": "", "active": "y"})
    page = client.get("/divisions/list/").get_data(as_text=True)
    assert _division(db, "621002109201") is None and "上级区划 621002109000 不存在" in page


def test_export_is_scoped_and_follows_the_search(app, db, client, login_as):
    load_sample(db.session)
    town = _division(db, "621002101000")
    other = _division(db, "621002102000")
    db.session.add_all([ServiceCentre(division_id=town.id, name="肖金镇便民服务中心", kind="便民服务中心"),
                        ServiceCentre(division_id=other.id, name="董志镇便民服务中心", kind="便民服务中心")])
    db.session.commit()
    login_as("办理员", "621002101000")
    response = client.get("/service-centres/export/")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff区划代码,所属区划,名称,类型")
    assert "肖金镇便民服务中心" in text and "董志镇" not in text
    divisions = client.get("/divisions/export/?_flt_0_level=5").get_data(as_text=True)
    assert divisions.count("\n") == 1 + 5 and "621002101201,米王村委会" in divisions
    listing = client.get("/service-centres/list/").get_data(as_text=True)
    assert "导出 CSV" in listing


class _Touch:
    """A plugin adding an @action to a scoped view, as other features will."""

    @hookimpl
    def register_views(self, appbuilder, app):
        from govkit.hierarchy.views import ServiceCentreView

        class CentreActions(ServiceCentreView):
            route_base = "/centre-actions"
            class_permission_name = "CentreActions"
            govkit_role_permissions = {"指挥中心": ["can_list", "can_show", "touch"]}

            @action("touch", "标记", multiple=True)
            def touch(self, items):
                for item in items if isinstance(items, list) else [items]:
                    item.phone = "touched"
                self.datamodel.session.commit()
                return "done"

        appbuilder.add_view_no_menu(CentreActions)


def test_actions_on_a_scoped_view_stay_in_scope(register_plugin, login_as):
    app = register_plugin(_Touch(), name="touch")
    from govkit.db import db

    with app.app_context():
        load_sample(db.session)
        inside = ServiceCentre(division_id=_division(db, "621002101000").id, name="内", kind="便民服务站")
        outside = ServiceCentre(division_id=_division(db, "621002102000").id, name="外", kind="便民服务站")
        db.session.add_all([inside, outside])
        db.session.commit()
        client = app.test_client()
        login_as("指挥中心", "621002101000", test_client=client)
        assert client.post(f"/centre-actions/action/touch/{outside.id}").status_code == 404
        assert client.post("/centre-actions/action_post",
                           data={"action": "touch", "rowid": [inside.id, outside.id]}).status_code == 404
        assert client.post(f"/centre-actions/action/touch/{inside.id}").get_data(as_text=True) == "done"
        db.session.expire_all()
        assert db.session.get(ServiceCentre, inside.id).phone == "touched"
        assert db.session.get(ServiceCentre, outside.id).phone is None
        assert client.get("/centre-actions/download/x.txt").status_code == 404
        db.session.remove()


def test_edit_form_needs_the_csrf_token(make_app, login_as):
    app = make_app(WTF_CSRF_ENABLED=True)
    from govkit.db import db

    with app.app_context():
        load_sample(db.session)
        centre = ServiceCentre(division_id=_division(db, "621002101000").id, name="旧名", kind="便民服务站")
        db.session.add(centre)
        db.session.commit()
        client = app.test_client()
        user = create_user(app, "指挥中心", "621002000000")  # login_as would post without a token
        page = client.get("/login/").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login/", data={"csrf_token": token, "username": user.username, "password": "pw-123456"})
        assert client.get("/service-centres/list/").status_code == 200
        form = {"division": centre.division_id, "name": "新名", "kind": "便民服务站"}
        client.post(f"/service-centres/edit/{centre.id}", data=form)
        db.session.expire_all()
        if db.session.get(ServiceCentre, centre.id).name == "新名":
            raise AssertionError("edit accepted without a CSRF token")
        page = client.get(f"/service-centres/edit/{centre.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post(f"/service-centres/edit/{centre.id}", data=dict(form, csrf_token=token)).status_code == 302
        db.session.expire_all()
        assert db.session.get(ServiceCentre, centre.id).name == "新名"
        db.session.remove()


def test_rest_put_cannot_move_a_row_out_of_scope(app, db, client, login_as):
    load_sample(db.session)
    department = Department(division_id=_division(db, "621002101000").id, name="民政窗口")
    db.session.add(department)
    db.session.commit()
    login_as("指挥中心", "621002101000")
    outside = _division(db, "621002102000")
    response = client.put(f"/api/v1/department/{department.id}", json={"division": outside.id})
    assert response.status_code == 404 and "管辖范围" in response.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Department, department.id).division_id != outside.id
    ok = client.put(f"/api/v1/department/{department.id}", json={"name": "民政服务窗口"})
    assert ok.status_code == 200 and ok.get_json()["result"]["name"] == "民政服务窗口"


def test_staff_user_dropdown_offers_in_scope_and_unassigned_accounts(app, db, client, login_as):
    load_sample(db.session)
    other = create_user(app, "受理员", "621002102201", username="clerk-dz")
    mine = create_user(app, "受理员", "621002101201", username="clerk-xj")
    login_as("指挥中心", "621002101000", username="dispatch-xj")
    sm = app.appbuilder.sm
    free = sm.add_user("free-user", "待分配", "人员", "free@example.invalid", sm.find_role("受理员"),
                       password="x-123456")
    page = client.get("/staff/add").get_data(as_text=True)
    options = dict((int(v), label) for v, label in re.findall(r'<option value="(\d+)">([^<]*)</option>', page))
    assert mine.id in options and free.id in options and other.id not in options
    assert db.session.scalar(sa.select(Staff).where(Staff.user_id == free.id)) is None


def test_scope_rules_are_detected_and_registrable():
    from flask_appbuilder.security.sqla.models import User

    assert scope_rule_for(Division).code_column == "code"
    assert scope_rule_for(Staff).division_fk == "division_id"
    assert scope_rule_for(User).user

    class Marker:
        pass

    assert scope_rule_for(type("Unmapped", (), {})) is None

    register_scope_rule(Marker, code_column="division_code")
    assert scope_rule_for(Marker).code_column == "division_code"

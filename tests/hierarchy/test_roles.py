"""sync_roles: each duty role gets exactly the declared permissions, menus and FAB basics."""
from __future__ import annotations

from govkit.auth.roles import DUTY_ROLES, declared_permissions, sync_roles


def _pairs(role) -> set[tuple[str, str]]:
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}


def test_duty_roles_hold_exactly_what_views_declare(app):
    sm = app.appbuilder.sm
    wanted = declared_permissions(app.appbuilder)
    for name in DUTY_ROLES:
        assert _pairs(sm.find_role(name)) == wanted[name], name
    clerk = _pairs(sm.find_role("受理员"))
    assert {("can_list", "Division"), ("can_show", "ServiceCentre"), ("can_get", "StaffApi")} <= clerk
    assert ("can_add", "ServiceCentre") not in clerk and ("can_edit", "Division") not in clerk
    assert {("menu_access", "行政区划"), ("menu_access", "层级管理")} <= clerk
    assert {("can_userinfo", "UserDBModelView"), ("can_this_form_get", "ResetMyPasswordView"),
            ("can_this_form_post", "UserInfoEditView")} <= clerk
    assert not any(view in ("UserDBModelView", "RoleModelView") and perm in ("can_list", "can_add")
                   for perm, view in clerk)
    dispatch = _pairs(sm.find_role("指挥中心"))
    assert {("can_add", "ServiceCentre"), ("can_delete", "Staff"), ("can_put", "DepartmentApi")} <= dispatch
    assert ("can_edit", "Division") not in dispatch


def test_resync_revokes_what_is_no_longer_declared(app):
    sm = app.appbuilder.sm
    clerk = sm.find_role("受理员")
    sm.add_permission_role(clerk, sm.find_permission_view_menu("can_delete", "Division"))
    assert ("can_delete", "Division") in _pairs(sm.find_role("受理员"))
    sync_roles(app.appbuilder)
    assert ("can_delete", "Division") not in _pairs(sm.find_role("受理员"))


def test_a_plugin_view_gets_its_menu_entry(register_plugin):
    from flask_appbuilder import BaseView, expose, has_access

    from govkit import hookimpl

    class NoticeBoard(BaseView):
        route_base = "/notice-board"
        default_view = "index"
        govkit_role_permissions = {"代办员": ["can_index"], "监察": ["can_other"]}

        @expose("/")
        @has_access
        def index(self):
            return "ok"

        @expose("/other")
        @has_access
        def other(self):
            return "other"

    class Plugin:
        @hookimpl
        def register_views(self, appbuilder, app):
            appbuilder.add_view(NoticeBoard, "公告栏", category="便民服务")

    app = register_plugin(Plugin(), name="notice-board")
    with app.app_context():
        sm = app.appbuilder.sm
        agent = _pairs(sm.find_role("代办员"))
        assert {("can_index", "NoticeBoard"), ("menu_access", "公告栏"), ("menu_access", "便民服务")} <= agent
        supervisor = _pairs(sm.find_role("监察"))
        # 监察 may call /other but cannot open the entry's default view: no menu entry.
        assert ("can_other", "NoticeBoard") in supervisor and ("menu_access", "公告栏") not in supervisor


def test_menu_shows_what_the_role_may_open(app, client, login_as):
    login_as("受理员", "621002101201")
    page = client.get("/").get_data(as_text=True)
    assert "层级管理" in page and "行政区划" in page and "服务中心" in page
    assert "/users/list/" not in page and "/roles/list/" not in page
    assert client.get("/users/userinfo/").status_code == 200
    assert client.get("/resetmypassword/form").status_code == 200
    assert client.get("/users/list/").status_code == 403

"""Requests the security review saw answer 500: now 404 (ids out of range) or 400 naming the field."""
from __future__ import annotations

from flask import g
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import select

from tests.cases.conftest import ID_NUMBER, VILLAGE, build_world

HUGE = str(2**63)  # one past the largest BIGINT
HUGER = "352019533920741069059805641965568"


def _admin(app, login_as):
    client = app.test_client()
    g.pop("_login_user", None)
    login_as("Admin", VILLAGE, test_client=client)
    return client


def test_ids_beyond_bigint_are_404_on_public_pages_and_the_api(app, db, client, login_as):
    for path in (f"/public/guide/{HUGE}", f"/public/guide/{HUGER}.pdf", f"/public/centre/{HUGE}/board",
                 f"/public/material/{HUGE}/blank"):
        assert client.get(path).status_code == 404, path
    admin = _admin(app, login_as)
    for method, path in (("get", f"/api/v1/case/{HUGE}"), ("get", f"/api/v1/case/{HUGER}/actions"),
                         ("post", f"/api/v1/case/{HUGE}/transition/accept"),
                         ("delete", f"/api/v1/security/users/{HUGER}"), ("delete", f"/api/v1/security/roles/{HUGE}"),
                         ("get", f"/api/v1/security/roles/{HUGE}/permissions/"),
                         ("delete", f"/api/v1/catalog_item/{HUGER}")):
        g.pop("_login_user", None)
        response = getattr(admin, method)(path, json={"version": 1})
        assert response.status_code == 404, (path, response.status_code)
    g.pop("_login_user", None)
    assert admin.get(f"/divisions/show/{HUGE}").status_code == 404


def test_malformed_case_bodies_are_400_naming_the_field(app, db, login_as):
    world = build_world(db.session)
    db.session.commit()
    clerk = app.test_client()
    g.pop("_login_user", None)
    login_as("受理员", VILLAGE, test_client=clerk)
    good = {"implementation_id": world.implementation.id, "applicant_name": "张三", "applicant_id_number": ID_NUMBER}
    for body, field in (({"implementation_id": world.implementation.id}, "applicant_name"),
                        ({**good, "applicant_name": 5}, "applicant_name"),
                        ({**good, "applicant_phone": ["138"]}, "applicant_phone"),
                        ({**good, "form_data": [1, 2]}, "form_data"), ({**good, "form_data": "x"}, "form_data"),
                        ({**good, "implementation_id": "1"}, "implementation_id"),
                        ({**good, "proxy_authorised": "yes"}, "proxy_authorised"),
                        ({**good, "materials_received": {"a": 1}}, "materials_received"), ([1, 2], "JSON 对象")):
        g.pop("_login_user", None)
        response = clerk.post("/api/v1/case/", json=body)
        assert response.status_code == 400 and field in response.json["message"], (body, response.json)
    g.pop("_login_user", None)
    assert clerk.get(f"/api/v1/case/?page={HUGER}").status_code == 400
    g.pop("_login_user", None)
    assert clerk.post("/api/v1/case/", json=good).status_code == 201


def test_malformed_rison_and_fab_security_api_are_4xx(app, db, login_as):
    admin = _admin(app, login_as)
    for q in ("(", "(page:", "1", "'x'", "!(1)", "(a:(b:)"):
        g.pop("_login_user", None)
        response = admin.get("/api/v1/security/users/", query_string={"q": q})
        assert response.status_code == 400 and "q" in response.json["message"], (q, response.json)
    g.pop("_login_user", None)
    response = admin.put("/api/v1/security/users/424242", json={"first_name": "x"})  # FAB: 500 on a missing user
    assert response.status_code == 404
    for body, field in (({}, "permission_id"), ({"permission_id": {}}, "permission_id"),
                        ({"permission_id": 1, "view_menu_id": 10**9}, "view_menu_id")):
        g.pop("_login_user", None)
        response = admin.post("/api/v1/security/permissions-resources/", json=body)
        assert response.status_code == 400 and field in response.json["message"], (body, response.json)
    # a duplicate unique name: FAB 5 lets the IntegrityError through as a 500 (seen by the API fuzz)
    g.pop("_login_user", None)
    assert admin.post("/api/v1/security/resources/", json={"name": "县里的新资源"}).status_code == 201
    for path, body in (("resources/", {"name": "县里的新资源"}), ("roles/", {"name": "Admin"})):
        g.pop("_login_user", None)
        response = admin.post(f"/api/v1/security/{path}", json=body)
        assert response.status_code == 422 and "已存在" in response.json["message"]["name"][0], (path, response.json)
    g.pop("_login_user", None)
    own = db.session.scalar(select(Role.id).where(Role.name == "Admin"))
    assert admin.put(f"/api/v1/security/roles/{own}", json={"name": "Admin"}).status_code == 200  # its own name


def test_a_list_filter_number_the_column_lacks_is_400_naming_it_on_every_model_view(app, db, login_as):
    """FAB looks ``_flt_<n>_<column>`` up in the column's filter list: a number past its end was an IndexError
    (500) on fast lists and plain FAB views alike (``?_flt_8_due_date=…`` on the case list before this check)."""
    admin = _admin(app, login_as)
    for path, label in (("/cases/list/?_flt_8_due_date=2026-01-01", "承诺办结日期"),  # a fast list
                        ("/users/list/?_flt_9_active=1", None),  # FAB's own security screen
                        ("/calendar/days/list/?_flt_9_day=2026-01-01", None)):  # a plain govkit ModelView
        g.pop("_login_user", None)
        response = admin.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 400, (path, response.status_code)
        assert "种筛选方式，请在页面上的搜索框中重新选择筛选条件" in text, (path, text[:300])
        if label:
            assert f"“{label}”没有第 9 种筛选方式" in text
    g.pop("_login_user", None)
    assert admin.get("/cases/list/?_flt_0_due_date=2026-01-01").status_code == 200  # a number it has

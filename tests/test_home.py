"""The home page: a scoped work overview for staff, public links (and no case data) for visitors."""
from __future__ import annotations

import re

from flask import g

from tests.cases.conftest import ID_NUMBER, OTHER_VILLAGE, VILLAGE, actor, build_world


def _queue_count(page: str, label: str) -> int:
    match = re.search(rf'data-queue="{label}">(\d+)<', page)
    assert match, f"no {label} card"
    return int(match.group(1))


def test_visitor_sees_login_and_public_links_only(app, client, db):
    from govkit.cases.runtime import workflow_for

    world = build_world(db.session)
    workflow_for().register_case(db.session, world.implementation, actor=actor("受理员", VILLAGE),
                                 applicant_name="张三", applicant_id_number=ID_NUMBER)
    page = client.get("/").get_data(as_text=True)
    assert "工作人员登录" in page and "/public/progress" in page and "/public/" in page
    assert "张三" not in page and "data-queue" not in page


def test_clerk_sees_counts_of_their_own_queues_in_scope(app, db, login_as):
    from govkit.cases.runtime import workflow_for

    world = build_world(db.session)
    for _ in range(2):
        workflow_for().register_case(db.session, world.implementation, actor=actor("受理员", VILLAGE),
                                     applicant_name="张三", applicant_id_number=ID_NUMBER)
    here, elsewhere = app.test_client(), app.test_client()
    login_as("受理员", VILLAGE, test_client=here)
    g.pop("_login_user", None)
    login_as("受理员", OTHER_VILLAGE, test_client=elsewhere)

    g.pop("_login_user", None)
    page = here.get("/").get_data(as_text=True)
    assert "工作台" in page and "登记办件" in page
    assert _queue_count(page, "待受理") == 2
    assert "/desk/queue/intake" in page
    assert "待分派" not in page  # a dispatch-centre queue, not the clerk's

    g.pop("_login_user", None)
    other = elsewhere.get("/").get_data(as_text=True)
    assert _queue_count(other, "待受理") == 0  # the other village's cases are not counted


def test_admin_without_staff_record_gets_the_overview(app, client, db):
    from govkit.testing.fixtures import create_user

    user = create_user(app, "Admin", VILLAGE)
    response = client.post("/login/", data={"username": user.username, "password": "pw-123456"})
    assert response.status_code in (200, 302)
    response = client.get("/")
    assert response.status_code == 200 and "工作台" in response.get_data(as_text=True)

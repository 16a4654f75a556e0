"""The case REST API: register, read, list, transition — scoped, domain errors as JSON."""
from __future__ import annotations

import pytest
from flask import g

from tests.cases.conftest import ID_NUMBER, OTHER_VILLAGE, TOWNSHIP, VILLAGE, build_world

pytestmark = pytest.mark.both_backends

BASE = "/api/v1/case/"


class FreshClient:
    """Test client that forgets per-request state kept in ``g``.

    The ``app`` fixture keeps one app context pushed, so every request of every client
    shares one ``g`` — and flask-login caches the current user there.
    """

    def __init__(self, client):
        self.client = client

    def _fresh(self):
        for key in ("_login_user", "user", "_govkit_actor", "_govkit_scope"):
            g.pop(key, None)

    def get(self, *args, **kwargs):
        self._fresh()
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        self._fresh()
        return self.client.post(*args, **kwargs)


@pytest.fixture
def world(db):
    return build_world(db.session)


@pytest.fixture
def clients(app, login_as, world):
    """Logged-in test clients per desk."""
    made = {}
    for key, role, code, dept in [("clerk", "受理员", VILLAGE, None), ("agent", "代办员", VILLAGE, None),
                                  ("dispatch", "指挥中心", TOWNSHIP, None),
                                  ("handler", "办理员", TOWNSHIP, world.department),
                                  ("other", "受理员", OTHER_VILLAGE, None), ("supervisor", "监察", TOWNSHIP, None)]:
        client = app.test_client()
        g.pop("_login_user", None)  # else the login page sees the previous client's user
        login_as(role, code, test_client=client, department=dept)
        made[key] = FreshClient(client)
    return made


def _register(client, world, **extra):
    body = {"implementation_id": world.implementation.id, "applicant_name": "张三",
            "applicant_id_number": ID_NUMBER, "applicant_phone": "13800001234"}
    body.update(extra)
    return client.post(BASE, json=body)


def _act(client, pk, action, fields=None, version=None):
    """POST a transition carrying the case's current version (what a client read before deciding)."""
    if version is None:
        shown = client.get(f"{BASE}{pk}")
        version = shown.json["result"]["version"] if shown.status_code == 200 else 1
    return client.post(f"{BASE}{pk}/transition/{action}", json={**(fields or {}), "version": version})


def test_full_lifecycle_through_the_api(clients, world):
    response = _register(clients["clerk"], world)
    assert response.status_code == 201, response.json
    case = response.json["result"]
    assert case["state"] == "registered" and case["number"].startswith(VILLAGE)
    pk = case["id"]
    steps = [("clerk", "accept", {}), ("clerk", "forward", {}), ("dispatch", "sign_for", {}),
             ("dispatch", "assign", {"department_id": world.department.id}),
             ("handler", "start_review", {}), ("handler", "approve", {"result_number": "R-2026-1"}),
             ("handler", "complete", {}),
             ("agent", "deliver", {"method": "代办员送达", "receiver": "张三"})]
    for who, action, fields in steps:
        response = _act(clients[who], pk, action, fields)
        assert response.status_code == 200, (action, response.json)
    result = response.json["result"]
    assert result["state"] == "delivered" and result["state_label"] == "已送达" and result["event_id"]
    shown = clients["clerk"].get(f"{BASE}{pk}").json["result"]
    assert shown["deadline"]["card"] in ("on_time", "late") and shown["allowed_actions"] == []


def test_out_of_scope_case_is_404_everywhere(clients, world):
    pk = _register(clients["clerk"], world).json["result"]["id"]
    other = clients["other"]
    assert other.get(f"{BASE}{pk}").status_code == 404
    assert other.get(f"{BASE}{pk}/actions").status_code == 404
    response = _act(other, pk, "accept")
    assert response.status_code == 404 and "管辖范围" in response.json["message"]
    assert all(c["id"] != pk for c in other.get(BASE).json["result"])
    assert [c["id"] for c in clients["clerk"].get(BASE).json["result"]] == [pk]
    # The township sees the village's case (its subtree), with the ID number masked for 监察.
    seen = clients["supervisor"].get(f"{BASE}{pk}").json["result"]
    assert seen["applicant_id_number"] != ID_NUMBER and seen["applicant_id_number"].endswith("002X")


def test_domain_errors_are_json_with_4xx(clients, world):
    pk = _register(clients["clerk"], world).json["result"]["id"]
    response = _act(clients["handler"], pk, "approve", {"result_number": "x"})
    assert response.status_code == 409 and "已登记" in response.json["message"]
    response = _act(clients["agent"], pk, "accept")
    assert response.status_code == 403 and "受理员" in response.json["message"]
    response = _act(clients["clerk"], pk, "refuse")
    assert response.status_code == 400 and "原因" in response.json["message"]
    response = _act(clients["clerk"], pk, "teleport")
    assert response.status_code == 409
    response = _register(clients["clerk"], world, applicant_id_number="110105194912310021")
    assert response.status_code == 400 and "身份证" in response.json["message"]


def test_list_filters_by_state_and_reports_cards(clients, world):
    first = _register(clients["clerk"], world).json["result"]["id"]
    _register(clients["clerk"], world)
    _act(clients["clerk"], first, "accept")
    listed = clients["clerk"].get(f"{BASE}?state=accepted").json["result"]
    assert [c["id"] for c in listed] == [first]
    assert listed[0]["deadline"]["card"] in ("green", "yellow") and listed[0]["deadline"]["remaining_days"] > 0


def test_api_needs_login(app, world):
    assert FreshClient(app.test_client()).get(BASE).status_code == 401


def test_admin_case_list_is_scoped(clients, world):
    _register(clients["clerk"], world)
    number = clients["clerk"].get(BASE).json["result"][0]["number"]
    page = clients["clerk"].get("/cases/list/")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    other = clients["other"].get("/cases/list/")
    assert other.status_code == 200 and number not in other.get_data(as_text=True)


def test_admin_case_list_filters_by_a_state_chosen_by_its_chinese_label(clients, world):
    """状态 is a list of Chinese labels compared with ``=`` (index-backed), in the form and in the URL; a filter
    number the column does not have is a 400 naming it, not a 500."""
    first = _register(clients["clerk"], world).json["result"]
    second = _register(clients["clerk"], world).json["result"]
    _act(clients["clerk"], first["id"], "accept")
    client = clients["clerk"]

    def listed(query: str) -> str:
        page = client.get("/cases/list/" + query)
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        return page.get_data(as_text=True)

    page = listed("?_flt_0_state=accepted")
    assert first["number"] in page and second["number"] not in page
    page = listed("?_flt_0_state=已登记")  # the label a clerk reads works too
    assert second["number"] in page and first["number"] not in page
    page = listed("?_flt_0_state=accept")  # a prefix of a code is no longer a match
    assert first["number"] not in page and second["number"] not in page
    form = listed("")  # the search form, as FAB embeds it in the page's script (JSON: tags and CJK escaped)
    assert r'\u003coption value=\"accepted\"\u003e\u5df2\u53d7\u7406\u003c/option\u003e' in form  # 已受理
    wrong = client.get("/cases/list/?_flt_3_state=accepted")
    assert wrong.status_code == 400 and "“状态”没有第 4 种筛选方式" in wrong.get_data(as_text=True)


def test_openapi_documents_the_transition_endpoint(app, login_as):
    client = FreshClient(app.test_client())
    g.pop("_login_user", None)
    login_as("Admin", TOWNSHIP, test_client=client.client)
    spec = client.get("/api/v1/_openapi").json
    assert "post" in spec["paths"]["/api/v1/case/{pk}/transition/{action}"]


def test_a_transition_needs_the_version_and_a_stale_one_is_409(clients, world):
    """Optimistic locking on the API: two transitions decided on the same version — only the first wins."""
    clerk = clients["clerk"]
    pk = _register(clerk, world).json["result"]["id"]
    shown = clerk.get(f"{BASE}{pk}")
    version = shown.json["result"]["version"]
    assert shown.headers["ETag"] == f'"{version}"'
    missing = clerk.post(f"{BASE}{pk}/transition/accept", json={})
    assert missing.status_code == 428 and "version" in missing.json["message"]
    first = clerk.post(f"{BASE}{pk}/transition/accept", json={"version": version})
    assert first.status_code == 200 and first.json["result"]["version"] == version + 1
    stale = clerk.post(f"{BASE}{pk}/transition/forward", json={"version": version})
    assert stale.status_code == 409 and stale.json["version"] == version + 1 and "修改" in stale.json["message"]
    stale = clerk.post(f"{BASE}{pk}/transition/forward", json={}, headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 409 and stale.json["version"] == version + 1
    assert clerk.get(f"{BASE}{pk}").json["result"]["state"] == "accepted"
    bad = clerk.post(f"{BASE}{pk}/transition/forward", json={"version": "x"})
    assert bad.status_code == 400 and "version" in bad.json["message"]
    done = clerk.post(f"{BASE}{pk}/transition/forward", json={}, headers={"If-Match": f'"{version + 1}"'})
    assert done.status_code == 200 and done.json["result"]["version"] == version + 2

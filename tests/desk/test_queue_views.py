"""Work queues per role: which cases each user sees, counts, actions as buttons, errors as flashes."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.hierarchy.models import Department

from .conftest import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, actor_of, valid_id

pytestmark = pytest.mark.both_backends


@pytest.fixture
def office(app, world, user_client, db):
    """Users of every duty and one case in each step of the way."""
    from govkit.cases.runtime import workflow_for

    wf = workflow_for(app)
    dept = db.session.scalar(select(Department).where(Department.name == "民政局"))
    users = {
        "clerk": user_client("受理员", VILLAGE),
        "other_clerk": user_client("受理员", OTHER_VILLAGE),
        "town": user_client("受理员", TOWNSHIP),
        "dispatch": user_client("指挥中心", COUNTY),
        "handler": user_client("办理员", COUNTY, department=dept.id),
        "supervisor": user_client("监察", COUNTY),
    }
    actors = {k: actor_of(app, u) for k, (_, u) in users.items()}

    def new(clerk="clerk", name="申请人"):
        return wf.register_case(db.session, world.implementation_id, actor=actors[clerk], applicant_name=name,
                                applicant_id_number=valid_id(), form_data={"household_size": "2", "hardship": "疾病"})

    def run(case, *steps):
        for who, action, fields in steps:
            wf.perform(db.session, case, action, actors[who], **fields)
        return case

    cases = {
        "registered": new(name="甲"),
        "accepted": run(new(name="乙"), ("clerk", "accept", {})),
        "forwarded": run(new(name="丙"), ("clerk", "accept", {}), ("clerk", "forward", {})),
        "at_county": run(new(name="丁"), ("clerk", "accept", {}), ("clerk", "forward", {}), ("town", "sign_for", {}),
                         ("town", "forward", {}), ("dispatch", "sign_for", {})),
        "other": new("other_clerk", name="戊"),
    }
    cases["assigned"] = run(new(name="己"), ("clerk", "accept", {}), ("clerk", "forward", {}), ("town", "sign_for", {}),
                            ("town", "forward", {}), ("dispatch", "sign_for", {}),
                            ("dispatch", "assign", {"department_id": dept.id}))
    cases["completed"] = run(new(name="庚"), ("clerk", "accept", {}), ("clerk", "forward", {}),
                             ("town", "sign_for", {}), ("town", "forward", {}), ("dispatch", "sign_for", {}),
                             ("dispatch", "assign", {"department_id": dept.id}), ("handler", "start_review", {}),
                             ("handler", "approve", {"result_number": "民低保〔2026〕1号"}),
                             ("handler", "complete", {}))
    # Make the accepted case overdue (a red card) without waiting for the calendar.
    cases["accepted"].due_date = wf.today() - timedelta(days=3)
    db.session.commit()
    return users, cases


def numbers_in(client, queue):
    response = client.get(f"/desk/queue/{queue}")
    assert response.status_code == 200, (queue, response.status_code)
    return response.get_data(as_text=True)


QUEUE_CONTENTS = [
    ("clerk", "intake", {"registered"}),
    ("clerk", "forward", {"accepted"}),
    ("clerk", "deliver", {"completed"}),
    ("clerk", "due", {"accepted"}),
    ("other_clerk", "intake", {"other"}),
    ("town", "sign", {"forwarded"}),
    ("dispatch", "assign", {"at_county"}),
    ("handler", "review", {"assigned"}),
    ("supervisor", "due", {"accepted"}),
]


def test_queue_contents_per_role(office):
    users, cases = office
    for who, queue, expected in QUEUE_CONTENTS:
        page = numbers_in(users[who][0], queue)
        for key, case in cases.items():
            assert (case.number in page) == (key in expected), (who, queue, key)


def test_queues_shown_follow_the_role(office):
    users, _ = office
    supervisor = users["supervisor"][0]
    assert supervisor.get("/desk/queue/intake").status_code == 404
    assert supervisor.get("/desk/queue/due").status_code == 200
    page = users["clerk"][0].get("/desk/queue/intake").get_data(as_text=True)
    assert "受理台" in page and "待受理" in page and "待分派" not in page
    assert '<b class="n">1</b>' in page  # the count badge
    assert '<b class="n red">1</b>' in page  # one overdue case
    assert "红牌" in users["supervisor"][0].get("/desk/queue/due").get_data(as_text=True)


def test_fab_menu_shows_counts(office):
    users, _ = office
    page = users["town"][0].get("/desk/queue/sign").get_data(as_text=True)
    assert "待签收" in page
    home = users["town"][0].get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/desk/queue/sign"' in home and '待签收 <span class="badge">1</span>' in home
    assert 'href="/desk/queue/assign"' not in home  # only the queues of the user's role
    supervisor = users["supervisor"][0].get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/desk/queue/due"' in supervisor and "受理台" not in supervisor


def test_action_buttons_and_inline_sign_for(office, db):
    users, cases = office
    town = users["town"][0]
    case = cases["forwarded"]
    page = town.get("/desk/queue/sign").get_data(as_text=True)
    assert f'/desk/case/{case.id}/act/sign_for' in page
    response = town.post(f"/desk/case/{case.id}/act/sign_for",
                         data={"version": case.version, "next": "/desk/queue/sign"})
    assert response.headers["Location"].endswith("/desk/queue/sign")
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "signed"
    # A second click (stale version) is refused cleanly, not a 500.
    page = town.post(f"/desk/case/{case.id}/act/sign_for", data={"version": case.version - 1},
                     follow_redirects=True).get_data(as_text=True)
    assert "未能签收" in page


def test_required_fields_are_asked_and_domain_errors_flash(office, db):
    users, cases = office
    handler = users["handler"][0]
    case = cases["assigned"]
    handler.post(f"/desk/case/{case.id}/act/start_review", data={})
    form = handler.get(f"/desk/case/{case.id}/act/approve").get_data(as_text=True)
    assert 'name="result_number"' in form
    page = handler.post(f"/desk/case/{case.id}/act/approve", data={}, follow_redirects=True).get_data(as_text=True)
    assert "未能准予许可：请填写“证照/结果文号”" in page
    # The clerk may not approve a county case: the message says why, in Chinese.
    page = users["clerk"][0].get(f"/desk/case/{case.id}/act/approve", follow_redirects=True).get_data(as_text=True)
    assert "不能执行" in page or "管辖范围" in page
    assert users["other_clerk"][0].get(f"/desk/case/{case.id}/act/approve").status_code == 404
    page = handler.post(f"/desk/case/{case.id}/act/approve", data={"result_number": "民低保〔2026〕2号"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已准予许可" in page


def test_deliver_from_the_queue(office, db):
    users, cases = office
    clerk = users["clerk"][0]
    case = cases["completed"]
    pdf = clerk.get(f"/desk/case/{case.id}/print/delivery_receipt")
    assert pdf.data.startswith(b"%PDF")
    page = clerk.post(f"/desk/case/{case.id}/act/deliver", data={"method": "代办员送达", "receiver": "庚"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已送达" in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "delivered"

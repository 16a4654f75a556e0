"""Transfer batches and home visits through HTTP: bundle, send, sign, print; request, schedule, record."""
import re

import pytest
from sqlalchemy import select

from govkit.desk.models import HomeVisit, TransferBatch

from .conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE, make_case


def test_transfer_batch_through_the_screens(app, world, user_client, db):
    clerk, _ = user_client("受理员", VILLAGE)
    town, _ = user_client("受理员", TOWNSHIP)
    other, _ = user_client("受理员", OTHER_VILLAGE)
    c1, c2 = make_case(db.session, world), make_case(db.session, world)
    db.session.commit()
    form = clerk.get("/desk/transfers/new").get_data(as_text=True)
    assert c1.number in form and "城关镇" in form
    response = clerk.post("/desk/transfers/new", data={"destination": TOWNSHIP, "case_id": [c1.id, c2.id],
                                                       f"sheets-{c1.id}": "5"})
    batch = db.session.scalar(select(TransferBatch))
    assert response.headers["Location"].endswith(f"/desk/transfers/{batch.id}")
    assert other.get(f"/desk/transfers/{batch.id}").status_code == 404
    page = clerk.post(f"/desk/transfers/{batch.id}/send", data={"carrier": "李四"}, follow_redirects=True)
    assert "已发出，送往城关镇" in page.get_data(as_text=True)
    assert batch.number in town.get("/desk/transfers/?view=sign").get_data(as_text=True)
    # The sender cannot sign for its own batch.
    page = clerk.post(f"/desk/transfers/{batch.id}/sign", data={}, follow_redirects=True).get_data(as_text=True)
    assert "只有接收单位的工作人员才能签收" in page
    page = town.post(f"/desk/transfers/{batch.id}/sign", data={"note": "原件齐全"}, follow_redirects=True)
    assert "全部交接完成" in page.get_data(as_text=True)
    pdf = town.get(f"/desk/transfers/{batch.id}/print?hop=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert batch.number not in town.get("/desk/transfers/?view=overdue").get_data(as_text=True)


def test_home_visit_through_the_screens(app, world, user_client, db):
    clerk, user = user_client("代办员", VILLAGE)
    other, _ = user_client("代办员", OTHER_VILLAGE)
    page = clerk.post("/desk/visits/new", data={"division_code": VILLAGE, "applicant_name": "刘奶奶",
                                                "applicant_phone": "13800001111", "reason": "高龄",
                                                "address": "东村二组 5 号"}, follow_redirects=True)
    assert "已登记刘奶奶的上门预约" in page.get_data(as_text=True)
    visit = db.session.scalar(select(HomeVisit))
    assert other.get(f"/desk/visits/{visit.id}").status_code == 404
    page = clerk.post(f"/desk/visits/{visit.id}/schedule",
                      data={"agent_user_id": user.id, "scheduled_date": "2000-01-01"},
                      follow_redirects=True).get_data(as_text=True)
    assert "上门日期不能早于今天" in page
    from govkit.desk.web import today  # noqa: F401  (the app's local today)
    from govkit.cases.runtime import workflow_for

    day = workflow_for(app).today().isoformat()
    page = clerk.post(f"/desk/visits/{visit.id}/schedule", data={"agent_user_id": user.id, "scheduled_date": day,
                                                                  "slot": "上午"}, follow_redirects=True)
    assert "上午上门" in page.get_data(as_text=True)
    case = make_case(db.session, world)
    db.session.commit()
    page = clerk.post(f"/desk/visits/{visit.id}/record", data={"outcome": "已上门采集材料", "case_number": case.number},
                      follow_redirects=True).get_data(as_text=True)
    assert "已记录上门办理情况" in page and case.number in page
    listing = clerk.get("/desk/visits/?status=已上门").get_data(as_text=True)
    assert "刘奶奶" in listing and "138****1111" in listing and "13800001111" not in listing
    assert re.search("已上门", listing)


@pytest.mark.parametrize("role, transfer, visit", [("监察", False, False), ("办理员", True, False),
                                                   ("受理员", True, True)])
def test_new_buttons_only_for_roles_that_may_use_them(app, world, user_client, role, transfer, visit):
    client, _ = user_client(role, TOWNSHIP)
    assert ("/desk/transfers/new" in client.get("/desk/transfers/").get_data(as_text=True)) is transfer
    assert ("/desk/visits/new" in client.get("/desk/visits/").get_data(as_text=True)) is visit
    # The button is shown exactly when following it is allowed.
    assert (client.get("/desk/transfers/new").status_code != 403) is transfer
    assert (client.get("/desk/visits/new").status_code != 403) is visit

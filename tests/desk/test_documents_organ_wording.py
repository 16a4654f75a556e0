"""Documents are issued in the implementing organ's name and worded by item type (issue 19, items 2–3).

A 低保 (行政确认) is 予以确认, a 临时救助 (行政给付) is 给付, only a 行政许可 is 准予行政许可 —
on the decision documents, the 送达回证, the desk's case page and the public timeline alike.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from govkit.cases.models import CaseEvent
from govkit.catalog.models import Implementation
from govkit.hierarchy.models import Organ
from govkit.publicity.progress import progress_of
from tests.printing.conftest import Poppler

from .conftest import COUNTY, VILLAGE, make_case

WORDING = [("01", "准予行政许可", "不予行政许可"), ("07", "予以确认", "不予确认"), ("05", "给付", "不予给付")]


def _flat(text: str) -> str:
    return "".join(text.split())


def _accepted(db, world):
    """A case the desk accepted (its history holds ``accept``: a 受理通知书 may be issued)."""
    case = make_case(db.session, world)
    case.received_date, case.accepted_date = date(2026, 3, 2), date(2026, 3, 3)
    db.session.add(CaseEvent(case_id=case.id, action="accept", from_state="registered", to_state="accepted",
                             actor_name="测试", division_code=VILLAGE))
    db.session.commit()
    return case


def _decided(db, world, decision: str):
    case = make_case(db.session, world, state="delivered" if decision == "approved" else "denied")
    case.received_date, case.accepted_date = date(2026, 3, 2), date(2026, 3, 3)
    case.decision = decision
    if decision == "approved":
        case.result_number = "测民〔2026〕第 0456 号"
        case.delivery_method, case.delivery_receiver = "直接送达", "张三"
        case.delivered_at = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
    else:
        case.decision_reason = "家庭人均收入高于当地标准"
    # The history the issuing path checks: a 送达回证 follows 办结, the decision documents their decision.
    steps = [("accept", "accepted")] + ([("approve", "approved"), ("complete", "completed"), ("deliver", "delivered")]
                                        if decision == "approved" else [("deny", "denied")])
    for action, to_state in steps:
        db.session.add(CaseEvent(case_id=case.id, action=action, from_state=None, to_state=to_state,
                                 actor_name="测试", division_code=COUNTY))
    db.session.commit()
    return case


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
@pytest.mark.parametrize("item_type,grant,deny", WORDING)
def test_decision_wording_follows_the_item_type(item_type, grant, deny, desk_app, desk_world, user_client, db,
                                                tmp_path):
    db.session.get(Implementation, desk_world.implementation_id).item_type = item_type
    approved, denied = _decided(db, desk_world, "approved"), _decided(db, desk_world, "denied")
    clerk, _ = user_client("受理员", VILLAGE)
    poppler = Poppler(tmp_path)

    page = clerk.get(f"/desk/case/{denied.id}").get_data(as_text=True)
    assert f"<dd>{deny}</dd>" in page and f"{deny}决定书" in page
    assert "准予许可" not in page and "不予许可" not in page

    progress = progress_of(db.session, denied, rated=False)
    assert progress.state_label == deny and deny in [step.label for step in progress.steps]
    assert f"《{deny}决定书》" in progress.next_step

    decision = clerk.get(f"/desk/case/{denied.id}/print/decision_deny")
    assert decision.status_code == 200, decision.get_data(as_text=True)[:500]
    text = _flat(poppler.text(decision.data))
    assert f"{deny}决定书" in text and f"本机关决定：{deny}" in text and "家庭人均收入高于当地标准" in text
    # 低保 is implemented by the county 民政局: it decides, and review lies with the county government.
    assert "测试县民政局" in text and "测试县人民政府申请行政复议" in text and "测试县人民法院提起行政诉讼" in text

    receipt = clerk.get(f"/desk/case/{approved.id}/print/delivery_receipt")
    text = _flat(poppler.text(receipt.data))
    assert f"{grant}决定书（测民〔2026〕第0456号）" in text
    assert "2026年3月20日" in text, "the 送达回证 carries its delivery date"
    grant_pdf = clerk.get(f"/desk/case/{approved.id}/print/decision_grant")
    assert f"本机关决定：{grant}" in _flat(poppler.text(grant_pdf.data))


def test_documents_name_the_organ_and_the_receiving_point(desk_app, desk_world, user_client, db, tmp_path):
    case = _accepted(db, desk_world)
    clerk, _ = user_client("受理员", VILLAGE)
    text = _flat(Poppler(tmp_path).text(clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data))
    # Issued by the implementing organ (the county's 民政局), received by the village on its behalf.
    assert "测试县民政局" in text and "东村代收" in text and "测试县人民政府" not in text
    assert "（印章）" not in text, "the organ's seal image replaces the placeholder"
    # Links come from PUBLIC_BASE_URL (http://localhost in tests), never a default address.
    assert "登录localhost凭办件编号" in text and "127.0.0.1" not in text


def test_an_incomplete_organ_is_refused_naming_organ_and_field(desk_app, desk_world, user_client, db):
    organ = db.session.scalar(select(Organ).where(Organ.full_name == "测试县民政局"))
    organ.court, organ.phone = None, ""
    case = _accepted(db, desk_world)
    clerk, _ = user_client("受理员", VILLAGE)
    response = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "实施机关“测试县民政局”的文书信息不完整，缺少：行政诉讼管辖法院、联系电话" in html


def test_admin_list_shows_incomplete_organs(desk_app, desk_world, user_client, db):
    db.session.get(Implementation, desk_world.implementation_id).department_id = None
    organ = db.session.scalar(select(Organ).where(Organ.full_name == "测试县人民政府"))
    organ.review_body = None
    db.session.commit()
    admin, _ = user_client("Admin", COUNTY)
    html = admin.get("/organs/list/").get_data(as_text=True)
    assert "缺少：行政复议机关" in html
    assert "完整" in html  # the township government is complete

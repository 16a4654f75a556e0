"""Questions (网上咨询) and information requests (依申请公开) filed by a signed-in applicant account are linked
to it, listed under 我的办件 (我的咨询 / 我的申请) and answered through the message channel — and no
applicant reaches another applicant's question, request or reply letter by number, document id or API (IDOR)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govkit.online.models import Applicant, DevMessage
from govkit.online.session import SESSION_KEY
from govkit.orm import utcnow
from tests.inforequest.test_inforequest import STAMP, _setup

pytestmark = pytest.mark.both_backends  # the ownership condition is SQL: check it on PostgreSQL too

MINE_ID, OTHER_ID = "11010519491231002X", "110105194912310097"


def _log_in(client, applicant_id: int, epoch: int) -> None:
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"id": applicant_id, "epoch": epoch}


def _ask(client, impl_id: int, subject: str) -> str:
    html = client.get(f"/public/consult/ask/{impl_id}").get_data(as_text=True)
    data = {"subject": subject, "content": "能否网上办理？", "name": "提问人", "phone": "13912345678",
            "form_stamp": STAMP.search(html).group(1)}
    page = client.post(f"/public/consult/ask/{impl_id}", data=data).get_data(as_text=True)
    return re.search(r"(ZX\d{14})", page).group(1)


def _apply(client, organ_id: int, id_number: str, name: str) -> str:
    html = client.get("/public/foi/apply").get_data(as_text=True)
    data = {"organ": str(organ_id), "applicant_type": "自然人", "name": name, "id_number": id_number,
            "phone": "13912345678", "description": "2025 年东关村低保资金发放名册", "delivery": "邮寄",
            "address": "示范县城关镇幸福路 8 号", "medium": "纸质", "form_stamp": STAMP.search(html).group(1)}
    page = client.post("/public/foi/apply", data=data)
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r"(YSQ\d{14})", page.get_data(as_text=True)).group(1)


def test_linked_listed_notified_and_nobody_elses(make_app, login_as):
    app = make_app(COMPLAINT_MIN_FILL_SECONDS=0, CONSULT_RATE_LIMIT="50 per hour",
                   INFO_REQUEST_RATE_LIMIT="50 per hour")
    mine_client, other_client, staff, anonymous = (app.test_client() for _ in range(4))
    with app.app_context():
        from govkit.consult.models import Question
        from govkit.db import db
        from govkit.inforequest.models import InfoRequest

        world, organ, _other_organ, _calendar, _issuer = _setup(app)
        mine = Applicant(kind="person", name="欧阳秀英", id_number=MINE_ID, phone="13700000001",
                         phone_verified_at=utcnow())
        other = Applicant(kind="person", name="张三", id_number=OTHER_ID, phone="13700000002",
                          phone_verified_at=utcnow())
        db.session.add_all([mine, other])
        db.session.commit()
        ids, impl_id, organ_id, town = (mine.id, other.id), world.impl.id, organ.id, world.town.code
        _log_in(mine_client, mine.id, mine.session_epoch)
        _log_in(other_client, other.id, other.session_epoch)

    # Signed in, the forms start from the account's name and phone, and what is filed is linked to it.
    form = mine_client.get(f"/public/consult/ask/{impl_id}").get_data(as_text=True)
    assert 'value="欧阳秀英"' in form and 'value="13700000001"' in form and "我的咨询" in form
    my_question, their_question = _ask(mine_client, impl_id, "我的咨询标题"), _ask(other_client, impl_id, "别人的咨询")
    anonymous_question = _ask(anonymous, impl_id, "匿名咨询")
    my_request = _apply(mine_client, organ_id, MINE_ID, "欧阳秀英")
    their_request = _apply(other_client, organ_id, OTHER_ID, "张三")
    with app.app_context():
        from govkit.db import db

        links = dict(db.session.execute(select(Question.number, Question.applicant_id)).all())
        assert links == {my_question: ids[0], their_question: ids[1], anonymous_question: None}
        links = dict(db.session.execute(select(InfoRequest.number, InfoRequest.applicant_id)).all())
        assert links == {my_request: ids[0], their_request: ids[1]}
        question_pk = db.session.scalar(select(Question.id).where(Question.number == my_question))
        request_pk = db.session.scalar(select(InfoRequest.id).where(InfoRequest.number == my_request))

    # 我的办件 shows the tabs; each tab lists the account's own only.
    assert "我的咨询" in mine_client.get("/online/").get_data(as_text=True)
    listing = mine_client.get("/public/consult/mine").get_data(as_text=True)
    assert my_question in listing and their_question not in listing and anonymous_question not in listing
    listing = mine_client.get("/public/foi/mine").get_data(as_text=True)
    assert my_request in listing and their_request not in listing

    # Staff answer and reply on their handling pages: the asker's account gets a message on the dev channel.
    login_as("办理员", town, test_client=staff)
    staff.post(f"/admin/questions/handle/{question_pk}/act", data={"action": "answer", "answer": "可以网上办理。"})
    staff.post(f"/admin/info-requests/handle/{request_pk}/act", data={"action": "reply", "reply_type": "予以公开"})
    with app.app_context():
        from govkit.db import db

        sent = db.session.execute(select(DevMessage.applicant_id, DevMessage.kind, DevMessage.phone, DevMessage.text)
                                  .order_by(DevMessage.id)).all()
        assert [(a, k, p) for a, k, p, _ in sent] == [(ids[0], "reply", "13700000001")] * 2
        assert my_question in sent[0].text and my_request in sent[1].text and "予以公开" in sent[1].text
        document_id = db.session.get(InfoRequest, request_pk).reply_document_id
    detail = mine_client.get(f"/public/consult/mine/{my_question}").get_data(as_text=True)
    assert "可以网上办理" in detail
    detail = mine_client.get(f"/public/foi/mine/{my_request}").get_data(as_text=True)
    assert "予以公开" in detail and f"/documents/{document_id}.pdf" in detail
    pdf = mine_client.get(f"/public/foi/mine/{my_request}/documents/{document_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    api = mine_client.get("/public/foi/api/mine").get_json()
    assert [r["number"] for r in api["requests"]] == [my_request] and api["requests"][0]["documents"]
    assert mine_client.get(f"/public/consult/api/mine/{my_question}").get_json()["answer"] == "可以网上办理。"

    # IDOR: the other applicant reaches none of it — by number, document id or API; nor anyone unsigned.
    for url in (f"/public/consult/mine/{my_question}", f"/public/foi/mine/{my_request}",
                f"/public/foi/mine/{my_request}/documents/{document_id}.pdf",
                f"/public/foi/mine/{their_request}/documents/{document_id}.pdf",
                f"/public/consult/api/mine/{my_question}", f"/public/foi/api/mine/{my_request}"):
        response = other_client.get(url)
        assert response.status_code == 404, url
        body = response.get_data(as_text=True)
        assert my_question not in body and "可以网上办理" not in body
    assert my_request not in other_client.get("/public/foi/api/mine").get_data(as_text=True)
    assert my_question not in other_client.get("/public/consult/api/mine").get_data(as_text=True)
    for url in ("/public/consult/mine", f"/public/foi/mine/{my_request}", "/public/foi/api/mine"):
        assert anonymous.get(url).status_code in (302, 401), url
    # An applicant session is no staff login: the staff screens by id are closed to it.
    assert mine_client.get(f"/admin/questions/show/{question_pk}").status_code == 302
    assert mine_client.get(f"/admin/info-requests/handle/{request_pk}").status_code == 302

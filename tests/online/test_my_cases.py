"""我的办件: an applicant sees every case of theirs (online or at a counter under their ID number), its
timeline, deadlines (暂定 marked), documents and rating — and nobody else's case or document, by number,
document id or API (IDOR, like the staff authorization matrix). Status messages reach them on case events."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.cases.outbox import drain, handlers_of
from govkit.online.models import Applicant, DevMessage
from govkit.online.session import SESSION_KEY
from govkit.orm import utcnow
from govkit.printing.models import SUPERSEDED, VALID, IssuedDocument
from govkit.publicity.models import Rating
from govkit.state import get_state
from tests.publicity.world import APPLICANT, make_case, make_world

pytestmark = pytest.mark.both_backends  # the ownership condition is SQL: check it on PostgreSQL too

OTHER_ID = "11010519491231002X"


@pytest.fixture
def world(app, db, tmp_path):
    w = make_world(db.session)
    mine = Applicant(kind="person", name=APPLICANT["name"], id_number=APPLICANT["id"], phone="13700000001",
                     phone_verified_at=utcnow())
    other = Applicant(kind="person", name="张三", id_number=OTHER_ID, phone="13700000002", phone_verified_at=utcnow())
    db.session.add_all([mine, other])
    db.session.flush()
    # Mine: one registered at a counter under my ID number (no account link), one filed online (linked).
    counter = make_case(db.session, w, number="621002100201C0000001", state="completed")
    online = make_case(db.session, w, number="621002100201202612050001", state="accepted", provisional=True,
                       events=(("register", "registered"), ("accept", "accepted")))
    online.applicant_account_id = mine.id
    online.completed_date = None
    # Another applicant's case, and a case of another person that merely has my phone number.
    theirs = make_case(db.session, w, number="621002100201C0000002", state="completed")
    theirs.applicant_id_number, theirs.applicant_name = OTHER_ID, "张三"
    stranger = make_case(db.session, w, number="621002100201C0000003", state="completed")
    stranger.applicant_id_number, stranger.applicant_phone = "44052419800101001" + "3", mine.phone
    docs = {}
    from govkit.desk.storage import FileStore

    store = FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**6)
    for case in (counter, theirs):
        for status in (VALID, SUPERSEDED):
            pdf = f"%PDF-1.4 {case.number} {status}".encode()
            row = IssuedDocument(document_number=f"{case.number[-4:]}-{status}", template_name=f"k-{status}",
                                 title="受理通知书", case_id=case.id, issuing_body="城关镇民政办",
                                 sha256=store.put(pdf), size=len(pdf), status=status)
            db.session.add(row)
            db.session.flush()
            docs[case.number, status] = row.id
    db.session.commit()
    return {"mine": mine.id, "other": other.id, "docs": docs}


def log_in(app, client, applicant_id):
    with app.app_context():
        from govkit.db import db

        epoch = db.session.get(Applicant, applicant_id).session_epoch
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"id": applicant_id, "epoch": epoch}


def test_my_cases_lists_counter_and_online_cases_with_deadlines_documents_and_rating(app, client, db, world):
    log_in(app, client, world["mine"])
    page = client.get("/online/").get_data(as_text=True)
    assert "621002100201C0000001" in page and "621002100201202612050001" in page
    assert "621002100201C0000002" not in page and "621002100201C0000003" not in page
    assert "（暂定）" in page  # the online case's promised date is provisional
    detail = client.get("/online/case?no=621002100201202612050001").get_data(as_text=True)
    assert "承诺办结期限" in detail and "（暂定）" in detail and "下一步" in detail and "无需您再做什么" in detail
    done = client.get("/online/case?no=621002100201C0000001").get_data(as_text=True)
    assert "服务评价（好差评）" in done and "受理通知书" in done
    valid, superseded = world["docs"]["621002100201C0000001", VALID], world["docs"]["621002100201C0000001", SUPERSEDED]
    assert f"/documents/{valid}" in done and f"/documents/{superseded}" not in done
    pdf = client.get(f"/online/documents/{valid}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and b"C0000001 valid" in pdf.data
    assert client.get(f"/online/documents/{superseded}").status_code == 404
    rated = client.post("/online/rate", data={"no": "621002100201C0000001", "level": "非常满意"})
    assert rated.status_code == 302
    rating = db.session.scalar(select(Rating))
    assert (rating.level, rating.channel) == ("非常满意", "网上办事大厅")
    assert "本办件已评价" in client.get("/online/case?no=621002100201C0000001").get_data(as_text=True)
    api = client.get("/online/api/cases").get_json()
    assert sorted(c["number"] for c in api["cases"]) == ["621002100201202612050001", "621002100201C0000001"]
    one = client.get("/online/api/case?no=621002100201C0000001").get_json()
    assert one["documents"] and one["steps"]


def test_an_applicant_reaches_no_other_case_or_document_idor(app, client, db, world):
    log_in(app, client, world["mine"])
    theirs_doc = world["docs"]["621002100201C0000002", VALID]
    mine_doc = world["docs"]["621002100201C0000001", VALID]
    theirs_id = db.session.scalar(select(Case.id).where(Case.number == "621002100201C0000002"))
    for url in ("/online/case?no=621002100201C0000002",               # another applicant's case by number
                "/online/case?no=621002100201C0000003",               # a case that only shares my phone number
                f"/online/case?no={theirs_id}",                        # by database id
                "/online/case?no=621002100201X9999999",               # a number that does not exist: the same 404
                "/online/case?no=",
                f"/online/documents/{theirs_doc}",                     # their document
                "/online/documents/999999"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/online/documents/{mine_doc}").status_code == 200
    assert client.get("/online/api/case?no=621002100201C0000002").status_code == 404
    assert client.post("/online/rate", data={"no": "621002100201C0000002", "level": "不满意"}).status_code == 404
    assert db.session.scalar(select(Rating)) is None
    # Not logged in: the login page (browser) or 401 (API), never the data.
    anonymous = app.test_client()
    assert anonymous.get("/online/case?no=621002100201C0000001").status_code == 302
    assert anonymous.get(f"/online/documents/{mine_doc}").status_code == 302
    assert anonymous.get("/online/api/cases").status_code == 401
    # A forged or stale session (wrong epoch) is no login.
    with anonymous.session_transaction() as session:
        session[SESSION_KEY] = {"id": world["mine"], "epoch": 99}
    assert anonymous.get("/online/api/cases").status_code == 401
    # The other applicant sees theirs and not mine.
    log_in(app, client, world["other"])
    assert client.get("/online/case?no=621002100201C0000002").status_code == 200
    assert client.get("/online/case?no=621002100201C0000001").status_code == 404
    assert client.get(f"/online/documents/{mine_doc}").status_code == 404
    assert client.get(f"/online/documents/{theirs_doc}").status_code == 200


def test_status_messages_reach_the_applicant_through_the_development_channel(app, db, world):
    from govkit.cases.runtime import workflow_for
    from govkit.cases.workflow import Actor

    workflow = workflow_for()
    case = db.session.scalar(select(Case).where(Case.number == "621002100201202612050001"))
    case.state = "supplement"
    case.supplement_due_date = date.today() + timedelta(days=10)
    workflow.record_event(db.session, case, "request_supplement", "accepted", Actor.system())
    workflow.finish(db.session, commit=True)
    stranger = db.session.scalar(select(Case).where(Case.number == "621002100201C0000003"))
    stranger.state = "delivered"
    workflow.record_event(db.session, stranger, "deliver", "completed", Actor.system())
    workflow.finish(db.session, commit=True)
    assert db.session.scalar(select(DevMessage)) is None  # queued in the outbox, not sent inside the change
    state = get_state(app)
    assert drain(db.session, None, handlers=handlers_of(state.pm, state.settings)) == (1, 0)  # the relay
    rows = list(db.session.scalars(select(DevMessage)))
    assert [(m.phone, m.kind, m.case_number) for m in rows] == [("13700000001", "supplement", case.number)]
    assert "一次性告知" in rows[0].text and APPLICANT["id"] not in rows[0].text

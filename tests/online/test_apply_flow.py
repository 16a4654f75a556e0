"""Online application over HTTP (网上申报, issue 22 item 3): a server-side draft, uploads checked like the
desk's, the declaration, submission into 网上申报 at the implementing organ's receiving point, pre-review
(一次性告知 补正 online → 网上补正 → accept; refuse with reasons), notices issued and delivered electronically,
and nobody else reaching the draft, its files, documents or case (IDOR). 行政许可法 §29, §32, §33."""
from __future__ import annotations

import base64
import hashlib
import io

import pytest
from sqlalchemy import func, select

from govkit.cases.models import Attachment, Case, CaseEvent
from govkit.printing.models import IssuedDocument
from tests.desk.conftest import COUNTY, OTHER_VILLAGE, VILLAGE, build_world, valid_id
from tests.desk.test_storage import image_bytes, pdf_bytes

EXE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
def app(make_app, tmp_path):
    from tests.plugins import desk_form_plugin

    application = make_app(plugins=[("desk_form_plugin", desk_form_plugin)], UPLOAD_MAX_BYTES=60_000,
                           STORAGE_DIR=str(tmp_path / "storage"))
    with application.app_context():
        yield application
        from govkit.db import db as _db

        _db.session.remove()


def _client_class():
    from flask import g
    from flask.testing import FlaskClient

    class Fresh(FlaskClient):
        """No ``g`` shared with the test's app context (the staff user, the applicant, the scope)."""

        def open(self, *args, **kwargs):
            for key in ("_login_user", "_govkit_actor", "_govkit_scope", "_gk_applicant"):
                g.pop(key, None)
            return super().open(*args, **kwargs)

    return Fresh


@pytest.fixture
def world(app, db):
    from govkit.catalog.models import Implementation

    built = build_world(db.session)
    impl = db.session.get(Implementation, built.implementation_id)
    impl.online_mode = "全程网办"
    db.session.commit()
    return built


@pytest.fixture
def applicant_client(app, db):
    """``applicant_client(name, id_number, phone)`` → a client logged in as a new applicant account."""
    from govkit.online.models import Applicant
    from govkit.online.session import SESSION_KEY

    app.test_client_class = _client_class()

    def make(name, id_number, phone):
        from govkit.orm import utcnow

        account = Applicant(kind="person", name=name, id_number=id_number, phone=phone, phone_verified_at=utcnow())
        db.session.add(account)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_KEY] = {"id": account.id, "epoch": account.session_epoch}
        return client, account

    return make


@pytest.fixture
def staff_client(app):
    from govkit.testing.fixtures import create_user

    app.test_client_class = _client_class()

    def make(role, code):
        user = create_user(app, role, code)
        client = app.test_client()
        assert client.post("/login/", data={"username": user.username, "password": "pw-123456"}).status_code in (200,
                                                                                                             302)
        return client, user

    return make


def _signature_png() -> bytes:
    """A PNG no material upload uses (so the storage check sees the signature file alone)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (90, 30), 255).save(out, "PNG")
    return out.getvalue()


def _stored(app):
    from pathlib import Path

    return sorted(p.name for p in Path(app.config["GOVKIT_STORAGE_DIR"]).rglob("*") if p.is_file())


def post(client, url, data=None, **kwargs):
    return client.post(url, data=data or {}, follow_redirects=True, **kwargs)


def upload(client, base, material_id, name, data):
    return client.post(f"{base}/upload", data={"material_id": str(material_id), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def start(client, world):
    response = client.post(f"/online/apply/{world.implementation_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].split("?")[0].replace("http://localhost", "")


def fill_and_submit(client, world, id_number):
    base = start(client, world)
    page = post(client, f"{base}/form", {"item-household_size": "3", "item-hardship": "疾病",
                                         "applicant_phone": "13900000001"}).get_data(as_text=True)
    assert "申请表已保存" in page
    for material_id in world.material_ids:
        assert "已上传 1 个文件" in upload(client, base, material_id, "材料.pdf", pdf_bytes()).get_data(as_text=True)
    assert "申请人声明已确认" in post(client, f"{base}/consent", {"agree": "1", "id_number": id_number}).get_data(
        as_text=True)
    page = post(client, f"{base}/submit").get_data(as_text=True)
    assert "申请已提交" in page, page[:2000]
    return base


def case_of(db, base):
    from govkit.online.apply_models import OnlineApplication

    application = db.session.get(OnlineApplication, int(base.rsplit("/", 1)[1]))
    db.session.refresh(application)
    return db.session.get(Case, application.case_id)


def test_draft_submit_supplement_resubmit_accept(app, db, world, applicant_client, staff_client):
    me, account = applicant_client("李四", valid_id(seq="013"), "13900000001")
    base = start(me, world)
    assert "草稿" in me.get(base).get_data(as_text=True)
    post(me, f"{base}/form", {"item-household_size": "3", "item-hardship": "疾病"})

    # The draft is stored server-side: a new browser (new cookie jar) of the same account finds it.
    again, _ = applicant_client("李四乙", valid_id(seq="021"), "13900000009")
    with again.session_transaction() as session:
        session["gk_applicant"] = {"id": account.id, "epoch": account.session_epoch}
    listing = again.get("/online/apply/").get_data(as_text=True)
    assert "草稿（未提交）" in listing
    assert start(again, world) == base  # one open draft per item, resumed
    assert 'value="3"' in again.get(base).get_data(as_text=True)

    # Uploads are checked by content like the desk's scans: an .exe named .pdf is refused, nothing stored.
    page = upload(me, base, world.material_ids[0], "户口簿.pdf", EXE).get_data(as_text=True)
    assert "Windows 可执行程序" in page
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    page = post(me, f"{base}/submit").get_data(as_text=True)
    assert "还不能提交" in page and "请上传“居民身份证”" in page and "请完成申请人声明" in page
    for material_id in world.material_ids:
        upload(me, base, material_id, "材料.png", image_bytes("PNG"))
    page = post(me, f"{base}/consent", {"agree": "1", "id_number": valid_id(seq="099")}).get_data(as_text=True)
    assert "与申请人证件号码不一致" in page
    post(me, f"{base}/consent", {"agree": "1", "id_number": account.id_number})
    assert "申请已提交" in post(me, f"{base}/submit").get_data(as_text=True)

    case = case_of(db, base)
    # Registered at the implementing organ's receiving point (the county), waiting for pre-review; the §32
    # clock runs from submission; the uploads are the case's attachments; the account owns the case.
    assert (case.state, case.accepting_division_code, case.implementing_division_code) == ("online", COUNTY, COUNTY)
    assert case.received_date is not None and case.intake_due_date > case.received_date
    assert case.accepted_date is None and case.applicant_account_id == account.id
    assert case.form_data["household_size"] == 3
    assert db.session.scalar(select(func.count()).where(Attachment.case_id == case.id)) == 3
    late = upload(me, base, world.material_ids[0], "x.pdf", pdf_bytes()).get_data(as_text=True)
    assert "只能上传一次性告知书列明需补正的材料" in late, late

    # Pre-review at the county: a village clerk cannot reach it; the county's 受理员 sends one 一次性告知.
    village, _ = staff_client("受理员", VILLAGE)
    assert village.get(f"/desk/prereview/{case.id}").status_code == 404
    clerk, _ = staff_client("受理员", COUNTY)
    page = clerk.get(f"/desk/prereview/{case.id}").get_data(as_text=True)
    assert "网上预审" in page and "申请人网上申报" in page and "勾选声明并核对身份证号" in page
    ident, household, income = world.material_ids
    states = {f"m-{ident}": "received", f"m-{household}": "missing", f"m-{income}": "received"}
    page = post(clerk, f"/desk/prereview/{case.id}/decide", {**states, "action": "request_supplement_online",
                                                             "version": str(case.version)}).get_data(as_text=True)
    assert "一次性告知书" in page and "已出具并电子送达申请人" in page, page[:3000]
    db.session.refresh(case)
    assert case.state == "online_supplement" and case.paused_since is not None
    from govkit.cases.outbox import drain, handlers_of
    from govkit.online.models import DevMessage
    from govkit.state import get_state

    state = get_state(app)
    assert drain(db.session, None, handlers=handlers_of(state.pm, state.settings)) == (2, 0)  # the relay
    told = db.session.scalars(select(DevMessage).where(DevMessage.case_number == case.number)).all()
    assert [m.kind for m in told] == ["status", "supplement"] and told[1].phone == account.phone  # development channel

    # The applicant sees exactly the missing row, may upload only it, and must upload it before resubmitting.
    page = me.get(base).get_data(as_text=True)
    supplement = page[page.index('id="supplement"'):page.index('id="documents"')]
    assert "户口簿" in supplement and "居民身份证" not in supplement and "家庭收入证明" not in supplement
    assert "下载《一次性告知书》" in page
    assert "只能上传一次性告知书列明" in upload(me, base, ident, "再传.pdf", pdf_bytes()).get_data(as_text=True)
    assert "请先上传一次性告知书列明的全部材料：户口簿" in post(me, f"{base}/resubmit").get_data(as_text=True)
    upload(me, base, household, "户口簿.pdf", pdf_bytes())
    assert "补正材料已提交" in post(me, f"{base}/resubmit").get_data(as_text=True)
    db.session.refresh(case)
    assert case.state == "online" and case.paused_since is None
    assert db.session.scalar(select(func.count()).where(Attachment.case_id == case.id)) == 4
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                       CaseEvent.action == "resubmit_online")).one()
    assert event.actor_name == "申请人 李四" and event.role == "申请人"

    # Accept: an ordinary case on the working-day clock; the acceptance notice is issued and delivered.
    states[f"m-{household}"] = "received"
    page = post(clerk, f"/desk/prereview/{case.id}/decide", {**states, "action": "accept"}).get_data(as_text=True)
    assert "受理通知书" in page and "已出具并电子送达申请人" in page
    db.session.refresh(case)
    assert case.state == "accepted" and case.accepted_date is not None and case.due_date is not None
    notice = db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id,
                                                             IssuedDocument.template_name == "acceptance_notice")).one()
    page = me.get(base).get_data(as_text=True)
    assert "下载《受理通知书》" in page and "已受理" in page
    pdf = me.get(f"{base}/document/{notice.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    from govkit.printing import issued

    check = issued.verify(db.session, notice.document_number, hashlib.sha256(pdf.data).hexdigest())
    assert check.matches and check.document.status == "valid"


def test_refuse_with_reasons_and_idor(app, db, world, applicant_client, staff_client):
    owner, account = applicant_client("王五", valid_id(seq="031"), "13900000002")
    base = fill_and_submit(owner, world, account.id_number)
    case = case_of(db, base)
    other, _ = applicant_client("赵六", valid_id(seq="041"), "13900000003")
    application_id = int(base.rsplit("/", 1)[1])
    upload_id = db.session.scalar(select(func.min(Attachment.id)))
    # Another applicant reaches nothing of it: page, files, uploads, consent, submission, documents.
    for url in (base, f"{base}/file/1", f"{base}/document/1"):
        assert other.get(url).status_code == 404, url
    for url in (f"{base}/form", f"{base}/consent", f"{base}/submit", f"{base}/resubmit",
                f"{base}/upload/{upload_id}/delete"):
        assert other.post(url, data={"agree": "1"}).status_code == 404, url
    assert other.post(f"{base}/upload", data={"material_id": str(world.material_ids[0]),
                                              "file": (io.BytesIO(pdf_bytes()), "x.pdf")},
                      content_type="multipart/form-data").status_code == 404
    assert case.number not in other.get("/online/apply/").get_data(as_text=True)
    # Without an account the pages send to the login; a staff login is not an applicant.
    anonymous = app.test_client()
    guide = anonymous.get(f"/public/guide/{world.implementation_id}").get_data(as_text=True)
    assert "网上办理深度" in guide and "全程网办" in guide and "在线申请" in guide  # the public guide (item 2)
    assert anonymous.get(base).status_code == 302 and "/online/login" in anonymous.get(base).headers["Location"]
    clerk, _ = staff_client("受理员", COUNTY)
    assert clerk.get(base).status_code == 302

    # Refusal needs a reason; then the 不予受理通知书 is issued and the applicant sees the reason.
    page = post(clerk, f"/desk/prereview/{case.id}/decide", {"action": "refuse"}).get_data(as_text=True)
    assert "未能不予受理" in page and "原因" in page
    page = post(clerk, f"/desk/prereview/{case.id}/decide",
                {"action": "refuse", "reason": "申请人家庭人均收入高于低保标准。"}).get_data(as_text=True)
    assert "不予受理通知书" in page
    db.session.refresh(case)
    assert case.state == "refused"
    page = owner.get(base).get_data(as_text=True)
    assert "申请人家庭人均收入高于低保标准" in page and "下载《不予受理通知书》" in page
    notice = db.session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id)).one()
    assert other.get(f"{base}/document/{notice.id}").status_code == 404
    assert owner.get(f"{base}/document/{notice.id}").status_code == 200
    # An upload of another application is not reachable through this one (ids are checked per owner).
    other_base = start(other, world)
    assert other.get(f"{other_base}/file/{upload_id}").status_code == 404
    assert application_id != int(other_base.rsplit("/", 1)[1])


def test_kiosk_agent_applies_for_a_villager_with_a_signature(app, db, world, staff_client):
    agent, user = staff_client("代办员", VILLAGE)
    page = agent.get("/online/terminal/").get_data(as_text=True)
    assert 'class="kiosk"' in page and "城乡居民最低生活保障审核确认" in page
    response = agent.post(f"/online/terminal/begin/{world.implementation_id}",
                          data={"name": "孙七", "id_number": valid_id(seq="051"), "phone": "13900000005"})
    assert response.status_code == 302
    base = response.headers["Location"].replace("http://localhost", "")
    page = agent.get(base).get_data(as_text=True)
    assert "网上代申办" in page and "canvas" in page and "本人委托村代办员" in page
    post(agent, f"{base}/form", {"item-household_size": "2", "item-hardship": "残疾"})
    for material_id in world.material_ids:
        upload(agent, base, material_id, "扫描.jpg", image_bytes("JPEG"))
    signature = "data:image/png;base64," + base64.b64encode(_signature_png()).decode()
    files = _stored(app)
    refused = post(agent, f"{base}/consent", {"signature": signature}).get_data(as_text=True)
    assert "请阅读并勾选申请人声明" in refused and _stored(app) == files  # no signature kept without consent
    assert "申请人声明已确认" in post(agent, f"{base}/consent", {"agree": "1", "signature": signature}).get_data(
        as_text=True)
    page = post(agent, f"{base}/submit").get_data(as_text=True)
    assert "申请已提交" in page, page[page.find('class="notice'):][:300]
    case = case_of(db, base)
    assert case.state == "online" and case.proxy_name and case.registered_by_id == user.id
    assert case.accepting_division_code == COUNTY and case.applicant_village_code == VILLAGE
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert event.action == "submit_online" and "网上代申办" in event.comment and event.role == "代办员"
    clerk, _ = staff_client("受理员", COUNTY)
    page = clerk.get(f"/desk/prereview/{case.id}").get_data(as_text=True)
    assert "网上代申办：代办员" in page and "手写签名" in page
    assert clerk.get(f"/desk/prereview/{case.id}/signature").data.startswith(b"\x89PNG")
    # Another village's 代办员 cannot reach it; a clerk (not 代办员) cannot use the terminal.
    neighbour, _ = staff_client("代办员", OTHER_VILLAGE)
    assert neighbour.get(base).status_code == 404
    assert clerk.get("/online/terminal/").status_code in (302, 403)

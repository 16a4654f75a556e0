"""Issuing case documents (出具文书) through the desk and the service: an issued document is an event,
never changes, is superseded (never overwritten) and verifies with its status; plugins add kinds."""
from __future__ import annotations

import hashlib
import re
import subprocess
import threading

import pytest
from sqlalchemy import func, select

from govkit.cases.models import Case, CaseEvent, OutboxMessage
from govkit.printing.kinds import BUILTIN_KINDS, CaseDocumentKind, DocumentNotAllowed, KindRegistry
from govkit.printing.models import SUPERSEDED, VALID, IssuedDocument

from .conftest import VILLAGE, actor_of
from .test_intake_views import intake_data
from .test_verify_views import check, public_client, verdict


@pytest.fixture
def app(make_app, tmp_path):
    """The desk app with the county's form plugin and a plugin that adds a case document."""
    from tests.plugins import case_document_plugin, desk_form_plugin

    application = make_app(plugins=[("desk_form_plugin", desk_form_plugin),
                                    ("case_document_plugin", case_document_plugin)],
                           UPLOAD_MAX_BYTES=60_000, STORAGE_DIR=str(tmp_path / "storage"),
                           PUBLIC_BASE_URL="https://zwfw.example.gov.cn")
    with application.app_context():
        yield application
        from govkit.db import db as _db

        _db.session.remove()


def new_case(world, clerk, db, **extra) -> Case:
    response = clerk.post(f"/desk/intake/item/{world.implementation_id}", data=intake_data(world, **extra))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalar(select(Case).order_by(Case.id.desc()))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, check=True).stdout.decode()


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def issuer(app):
    from govkit.cases.runtime import workflow_for
    from govkit.desk.issuing import Issuer
    from govkit.desk.storage import FileStore
    from govkit.printing.kinds import kinds_for
    from govkit.printing.registry import registry_for
    from govkit.state import get_state

    state = get_state(app)
    return Issuer(templates=registry_for(state), kinds=kinds_for(state), workflow=workflow_for(),
                  store=FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**6), settings=state.settings)


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_acceptance_notice_of_a_refused_case_is_refused_and_nothing_is_issued(desk_world, user_client, db, app,
                                                                              monkeypatch):
    clerk, user = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db, decision="refuse", refuse_reason="不属于本事项受理范围")
    assert case.state == "refused"
    page = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "不予受理通知书" in page and "/print/acceptance_notice" not in page  # the print box offers what is allowed

    response = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice", follow_redirects=True)
    assert response.mimetype == "text/html" and "本办件未受理，不能出具受理通知书。" in response.get_data(as_text=True)
    assert count(db, IssuedDocument) == 0
    assert db.session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "document_issued")) == 0

    # The service refuses before rendering anything.
    from govkit.desk.issuing import issue_document

    service = issuer(app)
    monkeypatch.setattr(service.templates, "render", lambda *a, **k: pytest.fail("rendered a refused document"))
    with pytest.raises(DocumentNotAllowed, match="本办件未受理，不能出具受理通知书"):
        issue_document(db.session, case, "acceptance_notice", actor_of(app, user), service)
    assert count(db, IssuedDocument) == 0


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_printing_twice_serves_the_same_bytes_one_issue_one_event(desk_world, user_client, db, app):
    clerk, user = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    version = case.version
    first = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice")
    second = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data  # byte-identical

    row = db.session.scalar(select(IssuedDocument))
    assert count(db, IssuedDocument) == 1
    assert (row.template_name, row.title, row.case_id, row.status) == (
        "acceptance_notice", "受理通知书", case.id, VALID)
    assert (row.sha256, row.size, row.issued_by_id) == (
        hashlib.sha256(first.data).hexdigest(), len(first.data), user.id)
    # The issuing organ is the implementing one (测试县民政局, the county's department decides 低保), never the village.
    department_id = db.session.get(Case, case.id).implementation.department_id
    assert department_id is not None
    assert (row.division_code, row.department_id, row.issuing_body) == ("621002000000", department_id, "测试县民政局")
    assert re.fullmatch(rf"621002000000-{department_id}-\d{{4}}-00001", row.document_number)
    assert re.fullmatch(r"[0-9a-f]{16}", row.check_code)

    events = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "document_issued")).all()
    assert len(events) == 1 and events[0].data["document_number"] == row.document_number
    assert events[0].data["sha256"] == row.sha256
    outbox = db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "case.document_issued")).all()
    assert len(outbox) == 1 and outbox[0].payload["data"]["document_number"] == row.document_number
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == version  # issuing does not make open desk pages stale

    # A second case of the same organ takes the next number of the same year.
    other = new_case(desk_world, clerk, db)
    assert clerk.get(f"/desk/case/{other.id}/print/acceptance_notice").status_code == 200
    numbers = sorted(db.session.scalars(select(IssuedDocument.document_number)))
    assert numbers[1].endswith("-00002") and numbers[1][:-6] == numbers[0][:-6]


def test_the_printed_document_carries_its_number_and_qr_factors(desk_world, user_client, db, tmp_path):
    clerk, _ = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    pdf = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data
    row = db.session.scalar(select(IssuedDocument))
    text = pdf_text(pdf, tmp_path)
    assert row.document_number in text and "测试县" in text

    from govkit.printing.qr import document_url

    url = document_url("https://zwfw.example.gov.cn/public/progress", case.number, case.progress_token,
                       row.document_number, row.check_code)
    # The token, the document number and its short hash all travel in the fragment (never sent to the server).
    assert url.endswith(f"#t={case.progress_token}&doc={row.document_number}&h={row.check_code}")


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_reissue_supersedes_and_verify_says_so_for_the_old_pdf(desk_app, desk_world, user_client, db):
    clerk, _ = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    old_pdf = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data
    old = db.session.scalar(select(IssuedDocument))

    assert clerk.post(f"/desk/case/{case.id}/reissue/acceptance_notice", data={"reason": ""}).status_code == 302
    assert count(db, IssuedDocument) == 1  # a reason is required
    response = clerk.post(f"/desk/case/{case.id}/reissue/acceptance_notice", data={"reason": "延期后办结期限变更"},
                          follow_redirects=True)
    assert "已重新出具受理通知书" in response.get_data(as_text=True)
    db.session.expire_all()
    old, new = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)).all()
    assert (old.status, old.superseded_by_id, old.status_reason) == (SUPERSEDED, new.id, "延期后办结期限变更")
    assert new.status == VALID and new.document_number != old.document_number
    new_pdf = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data
    assert new_pdf != old_pdf and hashlib.sha256(new_pdf).hexdigest() == new.sha256
    assert hashlib.sha256(old_pdf).hexdigest() == old.sha256  # the old file and row are kept as they were

    public = public_client(desk_app)
    status, html = check(public, old.document_number, old_pdf)
    assert status == 200 and verdict(html) == "已失效"
    assert "已被替代" in html and new.document_number in html and "不再有效" in html
    status, html = check(public, new.document_number, new_pdf)
    assert verdict(html) == "一致" and "有效" in html
    assert case.applicant_name not in html and case.progress_token not in html


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_tampered_pdf_is_not_issued_and_the_qr_code_verifies(desk_app, desk_world, user_client, db):
    clerk, _ = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    pdf = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data
    row = db.session.scalar(select(IssuedDocument))
    public = public_client(desk_app)
    tampered = pdf.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in pdf else pdf + b"\n% edited\n"
    status, html = check(public, row.document_number, tampered)
    assert status == 200 and verdict(html) == "不一致" and "文件与签发时的文件不同" in html
    status, html = check(public, row.document_number, sha256=row.check_code)  # the QR code's short hash
    assert verdict(html) == "一致" and "校验码" in html
    status, html = check(public, row.document_number, sha256="0" * 16)
    assert verdict(html) == "不一致"
    # The lookup is a POST; a GET with the factors in the URL answers nothing.
    page = public.get(f"/public/verify?no={row.document_number}&sha256={row.check_code}").get_data(as_text=True)
    assert verdict(page) is None


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_plugin_document_is_printed_with_the_case_form_data(desk_world, user_client, db, tmp_path):
    clerk, _ = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    page = clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)
    assert "/print/home_check_notice" in page and "入户核查通知书" in page
    response = clerk.get(f"/desk/case/{case.id}/print/home_check_notice")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = re.sub(r"\s+", "", pdf_text(response.data, tmp_path))  # a long label wraps in its cell
    for label, value in (("家庭人口（人）", "3"), ("家庭月收入（元）", "900"), ("困难类型", "疾病")):
        assert label + value in text
    row = db.session.scalar(select(IssuedDocument).where(IssuedDocument.template_name == "home_check_notice"))
    assert row is not None and row.document_number in text and row.title == "入户核查通知书"
    assert clerk.get(f"/desk/case/{case.id}/print/home_check_notice").data == response.data
    assert clerk.get(f"/desk/case/{case.id}/print/no_such_document").status_code == 404

    refused = new_case(desk_world, clerk, db, decision="refuse", refuse_reason="不属于本事项受理范围")
    page = clerk.get(f"/desk/case/{refused.id}/print/home_check_notice", follow_redirects=True).get_data(as_text=True)
    assert "本办件未受理，不能出具入户核查通知书。" in page


def test_kinds_declare_when_they_may_be_issued():
    registry = KindRegistry()
    for kind in BUILTIN_KINDS:
        registry.register(kind, source="govkit")
    names = lambda state, *history: [k.name for k in registry.allowed(state, history)]  # noqa: E731
    assert names("refused", "register", "refuse") == ["refusal_notice"]
    assert names("accepted", "register", "accept") == ["acceptance_notice"]
    assert names("accepted", "register", "deem_accepted") == ["acceptance_notice"]  # 视为受理 (§32)
    assert names("accepted", "register", "request_supplement", "resubmit", "accept") == [
        "acceptance_notice", "supplement_notice"]
    assert names("completed", "register", "accept", "approve", "complete") == [
        "acceptance_notice", "decision_grant", "delivery_receipt"]
    # The decision documents (行政许可法 §38, §42, §45) follow the step that makes them.
    assert names("completed", "register", "accept", "assign", "start_review", "deny", "complete") == [
        "acceptance_notice", "decision_deny", "delivery_receipt"]
    assert names("in_review", "register", "accept", "assign", "start_review", "request_extension", "extend") == [
        "acceptance_notice", "extension_notice"]
    assert names("suspended", "register", "accept", "assign", "start_review", "suspend") == [
        "acceptance_notice", "special_procedure_notice"]
    rules = {k.name: (k.after, k.states, k.requirement) for k in BUILTIN_KINDS}
    # The steps that issue a document by themselves (§42, §45) and the one that supersedes the 受理通知书.
    assert {k.name: (k.issue_on, k.reissue_on) for k in BUILTIN_KINDS if k.issue_on or k.reissue_on} == {
        "acceptance_notice": ((), ("extend",)), "extension_notice": (("extend",), ()),
        "special_procedure_notice": (("suspend",), ())}
    assert rules["extension_notice"] == (("extend",), (), "未批准延期")
    assert rules["special_procedure_notice"] == (("suspend",), (), "未进入特别程序")
    assert rules["decision_grant"] == (("approve",), (), "未作出准予决定")
    assert rules["decision_deny"] == (("deny",), (), "未作出不予决定")
    # A requested extension not yet approved by the organ's head (机关负责人) gives no notice.
    assert names("in_review", "register", "accept", "assign", "start_review", "request_extension") == [
        "acceptance_notice"]
    registry.register(CaseDocumentKind(name="acceptance_notice", title="受理通知书", after=("accept",),
                                       states=("accepted",)), source="county")
    assert names("completed", "register", "accept") == []
    from govkit.errors import PluginError

    with pytest.raises(PluginError, match="after"):
        registry.register(CaseDocumentKind(name="x", title="X", after=()), source="bad")


@pytest.mark.both_backends  # the losers' INSERT … ON CONFLICT DO NOTHING on both databases
def test_concurrent_printing_issues_one_document(desk_app, desk_world, user_client, db):
    clerk, user = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    case_id, actor = case.id, actor_of(desk_app, user)
    db.session.commit()
    results, errors = [], []

    def print_once():
        from govkit.db import db as _db
        from govkit.desk.issuing import issue_document

        with desk_app.app_context():
            try:
                copy = issue_document(_db.session, _db.session.get(Case, case_id), "acceptance_notice",
                                      actor, issuer(desk_app))
                _db.session.commit()
                results.append(copy.pdf)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=print_once) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 4 and len(set(results)) == 1
    assert db.session.scalar(
        select(func.count()).select_from(IssuedDocument).where(IssuedDocument.status == VALID)) == 1


def test_issued_copies_are_stored_whole(tmp_path):
    from govkit.desk.storage import FileStore

    store = FileStore(tmp_path, 10)
    sha = store.put(b"%PDF-1.7 issued bytes longer than the upload limit")
    assert store.read(sha) == b"%PDF-1.7 issued bytes longer than the upload limit"
    assert store.put(b"%PDF-1.7 issued bytes longer than the upload limit") == sha
    assert store.stale_incoming() == []
    store.path_for(sha).write_bytes(b"%PDF-1.7 changed")
    from govkit.errors import GovkitError

    with pytest.raises(GovkitError, match="已损坏"):
        store.read(sha)


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_the_issuing_organs_head_withdraws_a_document_with_a_reason(desk_app, desk_world, user_client, db):
    """撤销文书: only the issuing organ's 机关负责人 (or Admin), in scope, with a reason and the CSRF token;
    recorded in the audit trail; verify then answers 已撤销. Refusals change nothing."""
    from govkit.audit.models import AuditEntry
    from govkit.printing.models import WITHDRAWN

    from .conftest import COUNTY, OTHER_TOWNSHIP

    clerk, _ = user_client("受理员", VILLAGE)
    case = new_case(desk_world, clerk, db)
    pdf = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice").data
    document = db.session.scalar(select(IssuedDocument))
    url = f"/desk/case/{case.id}/withdraw-document/{document.id}"
    assert document.division_code == COUNTY  # issued by the county 民政局 (the implementing organ)
    assert url not in clerk.get(f"/desk/case/{case.id}").get_data(as_text=True)  # no form for a clerk

    head, _ = user_client("机关负责人", COUNTY)
    other_head, _ = user_client("机关负责人", OTHER_TOWNSHIP)

    def refused(client, data, message):
        page = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
        db.session.expire_all()
        assert message in page and db.session.get(IssuedDocument, document.id).status == VALID
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "撤销文书")) == 0

    refused(clerk, {"reason": "误出具"}, "只有出具机关（测试县民政局）的机关负责人可以撤销文书")
    assert other_head.post(url, data={"reason": "误出具"}).status_code == 404  # not in the township's scope
    refused(head, {"reason": " "}, "撤销文书须说明原因")
    desk_app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused(head, {"reason": "误出具"}, "表单令牌失效")  # no token: refused
        page = head.get(f"/desk/case/{case.id}").get_data(as_text=True)
        assert url in page and "撤销文书" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = head.post(url, data={"reason": "受理日期填写错误，误出具", "csrf_token": token},
                             follow_redirects=True)
    finally:
        desk_app.config["WTF_CSRF_ENABLED"] = False
    assert f"已撤销受理通知书 {document.document_number}" in response.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(IssuedDocument, document.id)
    assert (row.status, row.status_reason) == (WITHDRAWN, "受理日期填写错误，误出具")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "撤销文书"))
    assert entry.row_key == str(document.id) and document.document_number in entry.summary
    assert "已撤销：受理日期填写错误" in head.get(f"/desk/case/{case.id}").get_data(as_text=True)
    again = head.post(url, data={"reason": "再撤一次"}, follow_redirects=True).get_data(as_text=True)
    assert "已撤销，不能再撤销" in again
    status, html = check(public_client(desk_app), document.document_number, pdf)
    assert status == 200 and verdict(html) == "已失效" and "撤销" in html


@pytest.mark.both_backends
def test_issuing_a_document_costs_a_fixed_number_of_statements(desk_app, desk_world, user_client, db):
    """The issue path of a case fresh from the database (as a print request has it) reads what the notice
    needs in few statements and writes without a savepoint or a unit-of-work flush: the case, its history
    (the actions the kind is checked against and the notice's steps, one query), one SELECT of the
    implementation with its division, department, item, organ row, the receiving point and the case's valid
    copy (instead of six lazy loads and two queries), the number, the notice's checklist and legal basis,
    then one INSERT each for the document, the event and the outbox row."""
    from sqlalchemy import event

    from govkit.desk.issuing import issue_document

    clerk, user = user_client("受理员", VILLAGE)
    case_id = new_case(desk_world, clerk, db).id
    actor, service = actor_of(desk_app, user), issuer(desk_app)
    db.session.commit()
    db.session.expunge_all()
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        copy = issue_document(db.session, db.session.get(Case, case_id), "acceptance_notice", actor, service)
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert copy.new
    statements = [s for s in seen if not s.startswith(("BEGIN", "COMMIT"))]
    assert len(statements) == 9, "\n".join(statements)
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    assert [s.split(" (")[0] for s in statements if s.startswith("INSERT")] == [
        "INSERT INTO gk_document_number_seq", "INSERT INTO gk_issued_document", "INSERT INTO gk_case_event",
        "INSERT INTO gk_outbox"]
    assert [s for s in statements if s.startswith("UPDATE")] == []  # the case row is not written

    # What was written is what a flush would have written: the row, one event and its outbox row.
    db.session.expire_all()
    row = db.session.get(IssuedDocument, copy.document.id)
    assert (row.status, row.case_id, row.sha256) == (VALID, case_id, hashlib.sha256(copy.pdf).hexdigest())
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                        CaseEvent.action == "document_issued")).all()
    assert len(events) == 1 and events[0].data["document_number"] == row.document_number

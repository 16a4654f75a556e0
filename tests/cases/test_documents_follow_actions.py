"""Documents an action brings are issued with it, whoever performs it (issues 19 and 20).

行政许可法第四十五条: when a special procedure starts the applicant is told in writing — the
特别程序告知书 is issued in the 中止 transaction. 第四十二条: an approved extension issues its
延期通知书, and the 受理通知书 whose promised date it moved is superseded (verify says so).
Worked example: accepted Mon 2026-03-02; 专家评审 (5 working days) from Tue 03-03 until 03-10.
"""
from __future__ import annotations

import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from govkit.cases.models import CaseEvent, OutboxMessage
from govkit.cases.runtime import workflow_for
from govkit.errors import GovkitError
from govkit.hierarchy.models import Organ
from govkit.printing.models import SUPERSEDED, VALID, IssuedDocument
from tests.cases.conftest import register


@pytest.fixture
def app_workflow(app, clock):
    """The app's own workflow (the one its desk, API and commands use, with the desk's follower)."""
    workflow = workflow_for(app)
    original, workflow.clock = workflow.clock, clock
    yield workflow
    workflow.clock = original


def _issuer(app, workflow):
    from govkit.desk.issuing import issuer_for
    from govkit.desk.storage import FileStore
    from govkit.state import get_state

    return issuer_for(get_state(app), workflow=workflow, store=FileStore(app.config["GOVKIT_STORAGE_DIR"], 10**6))


def _in_review(workflow, s, world):
    case = register(workflow, s, world)
    for step, who, fields in [("accept", world.clerk, {}), ("forward", world.clerk, {}),
                              ("sign_for", world.dispatch, {}),
                              ("assign", world.dispatch, {"department_id": world.department.id}),
                              ("start_review", world.handler, {})]:
        workflow.perform(s, case, step, who, **fields)
    return case


def _docs(s, case):
    return {(d.template_name, d.status): d for d in s.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id).order_by(IssuedDocument.id))}


def _text(app, workflow, document, tmp_path) -> str:
    from govkit.desk.issuing import stored_pdf

    path = tmp_path / "doc.pdf"
    path.write_bytes(stored_pdf(_issuer(app, workflow), document))
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return "".join(out.decode().split())


@pytest.mark.both_backends  # a must-show of issues 19/20: SQLite and PostgreSQL
def test_suspension_and_extension_issue_their_notices_in_the_same_transaction(app, app_workflow, world, db, clock,
                                                                               tmp_path):
    from govkit.desk.issuing import issue_document

    s, workflow = db.session, app_workflow
    case = _in_review(workflow, s, world)
    accepted = issue_document(s, case, "acceptance_notice", world.clerk, _issuer(app, workflow)).document
    s.commit()

    clock.day = date(2026, 3, 3)
    workflow.perform(s, case, "suspend", world.handler, procedure_id=world.implementation.special_procedures[0].id)
    docs = _docs(s, case)
    notice = docs[("special_procedure_notice", VALID)]
    assert notice.title == "特别程序告知书" and notice.issued_by_name == world.handler.name
    text = _text(app, workflow, notice, tmp_path)
    assert "特别程序告知书" in text and "专家评审" in text and "2026年3月10日" in text and "不计算在办理时限内" in text
    events = [e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                          .order_by(CaseEvent.id))]
    assert events[-2:] == ["suspend", "document_issued"]
    assert s.scalar(select(OutboxMessage).where(OutboxMessage.topic == "case.document_issued",
                                                OutboxMessage.payload["data"]["kind"].as_string()
                                                == "special_procedure_notice")) is not None

    clock.day = date(2026, 3, 9)
    workflow.perform(s, case, "resume", world.handler)
    assert ("special_procedure_notice", VALID) in _docs(s, case)  # resuming issues nothing new
    workflow.perform(s, case, "request_extension", world.handler, days=5, reason="需补充入户调查")
    assert ("extension_notice", VALID) not in _docs(s, case)  # only an approved extension is notified
    workflow.perform(s, case, "extend", world.head, reason="需补充入户调查")
    docs = _docs(s, case)
    extension = docs[("extension_notice", VALID)]
    text = _text(app, workflow, extension, tmp_path)
    assert "延期通知书" in text and "需补充入户调查" in text and "5个工作日" in text and world.head.name in text
    # The 受理通知书 promised a date the extension moved: a new one supersedes it, nothing is overwritten.
    s.refresh(accepted)
    renewed = docs[("acceptance_notice", VALID)]
    assert (accepted.status, accepted.superseded_by_id) == (SUPERSEDED, renewed.id)
    assert accepted.status_reason == "批准延期，办结期限变更"
    assert renewed.document_number != accepted.document_number
    # /public/verify says so for the old PDF, and confirms the new one.
    from govkit.desk.issuing import stored_pdf
    from tests.desk.test_verify_views import check, public_client, verdict

    public = public_client(app)
    status, html = check(public, accepted.document_number, stored_pdf(_issuer(app, workflow), accepted))
    assert status == 200 and verdict(html) == "已失效" and "已被替代" in html and renewed.document_number in html
    status, html = check(public, renewed.document_number, stored_pdf(_issuer(app, workflow), renewed))
    assert verdict(html) == "一致"


def test_an_organ_that_cannot_issue_undoes_the_suspension_with_a_clear_message(app, app_workflow, world, db, clock):
    s, workflow = db.session, app_workflow
    case = _in_review(workflow, s, world)
    organ = s.scalar(select(Organ).where(Organ.department_id == world.department.id))
    organ.review_body = None
    s.commit()
    clock.day = date(2026, 3, 3)
    with pytest.raises(GovkitError, match="复议机关"):
        workflow.perform(s, case, "suspend", world.handler,
                         procedure_id=world.implementation.special_procedures[0].id)
    s.expire_all()
    assert case.state == "in_review" and case.special_due is None
    assert s.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "suspend")) is None
    assert _docs(s, case) == {}


def test_a_workflow_without_followers_issues_nothing(workflow, world, db, clock):
    """A bare Workflow (no desk) performs the step alone: the documents come with the app's desk."""
    s = db.session
    case = _in_review(workflow, s, world)
    clock.day = date(2026, 3, 3)
    workflow.perform(s, case, "suspend", world.handler, procedure_id=world.implementation.special_procedures[0].id)
    assert _docs(s, case) == {}

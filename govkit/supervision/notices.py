"""督办通知书 of a 督办单, issued through the documents path (govkit.desk.issuing). No Flask.

The first print issues the notice under the supervising division's next document number
(frozen bytes, verifiable on /public/verify) and links it to the order; later prints return
the stored bytes. The caller commits.
"""
from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from govkit.desk.issuing import IssuedCopy, Issuer, issue_organ_document, stored_pdf
from govkit.printing.context import SupervisionNotice
from govkit.printing.kinds import SUPERVISION_NOTICE
from govkit.printing.models import IssuedDocument
from govkit.printing.qr import public_base_url
from govkit.supervision import orders
from govkit.supervision.models import SupervisionOrder


def print_notice(session: Session, order: SupervisionOrder, issuer: Issuer, actor: Any,
                 today: date | None = None) -> IssuedCopy:
    """The order's 督办通知书 (issued on first use)."""
    if order.document_id is not None:
        document = session.get(IssuedDocument, order.document_id)
        return IssuedCopy(document, stored_pdf(issuer, document), False)
    division = orders.division_of(session, order.issuer_division_code)
    unit = orders.division_of(session, order.target_division_code)
    previous = session.get(SupervisionOrder, order.escalated_from_id) if order.escalated_from_id else None
    escalated = "" if previous is None else \
        f"{orders.division_of(session, previous.issuer_division_code).name}督办单（序号 {previous.id}）逾期或未办结"
    base = public_base_url(issuer.settings)
    day = today or issuer.workflow.today()

    def build(number: str) -> SupervisionNotice:
        return SupervisionNotice(
            document_number=number, issuing_body=division.name, addressee=unit.name,
            subject=f"{order.subject_name} {order.subject_label}", reason=order.reason,
            response_days=order.response_days, due_date=order.due_date, due_date_provisional=order.due_provisional,
            issued_on=day, order_id=order.id, escalated_from=escalated,
            verify_url=f"{base}/public/verify" if base else "")

    history = tuple(event.action for event in order.events)
    copy = issue_organ_document(session, SUPERVISION_NOTICE, build, actor, organ=division,
                                templates=issuer.templates, store=issuer.store, settings=issuer.settings,
                                today=day, now=issuer.workflow.now(),
                                check=partial(SUPERVISION_NOTICE.require, order.state, history))
    order.document_id = copy.document.id
    orders.record(session, order, "print", order.state, orders.Actor(getattr(actor, "name", "") or "系统",
                                                                     getattr(actor, "user_id", None)),
                  f"出具督办通知书 {copy.document.document_number}")
    return copy

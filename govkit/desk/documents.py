"""Printable documents offered by the desk: which notices a case has, and rendering them.

:func:`case_notice` is the case → print-context adapter (a
:class:`~govkit.printing.context.CaseNotice` with personal data masked); the
app's template registry renders it and :func:`issue_case_document` records each
PDF it serves (for the public verify page).
The transfer list (交接单) context is built here from a transfer batch hop.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases import states as S
from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.cases.models import Case, CaseEvent
from govkit.desk.models import TransferBatch, TransferHop
from govkit.hierarchy.models import Division
from govkit.printing import CaseNotice, TransferBatch as TransferList
from govkit.printing.issued import issue, seal_if_configured
from govkit.printing.registry import registry_for

CASE_DOCUMENTS: dict[str, str] = {
    "acceptance_notice": "受理通知书",
    "supplement_notice": "一次性告知书",
    "refusal_notice": "不予受理通知书",
    "delivery_receipt": "送达回证",
}


def printable_documents(case: Case) -> list[tuple[str, str]]:
    """``(template name, title)`` of the notices this case can print now."""
    names = []
    if case.accepted_date is not None:
        names.append("acceptance_notice")
    if any(p.reason == "supplement" for p in case.pauses) or case.state == S.SUPPLEMENT:
        names.append("supplement_notice")
    if case.state == S.REFUSED:
        names.append("refusal_notice")
    if case.state in (S.COMPLETED, S.DELIVERED):
        names.append("delivery_receipt")
    return [(n, CASE_DOCUMENTS[n]) for n in names]


def registry(state: Any):
    """The app's print-template registry (built from the ``register_print_templates`` hook)."""
    return registry_for(state)


def _division_name(session: Session, code: str | None) -> str:
    if not code:
        return ""
    return session.scalar(select(Division.name).where(Division.code == code)) or code


def case_notice(session: Session, case: Case, settings: Any, staff_name: str = ""):
    """A :class:`CaseNotice` for ``case`` (masked personal data)."""
    impl = case.implementation
    missing_event = session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "request_supplement")
        .order_by(CaseEvent.id.desc()).limit(1)
    )
    missing_names = list((missing_event.data or {}).get("missing", [])) if missing_event else []
    by_name = {row.material.name: row.material for row in case.materials}
    base = str(settings.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return CaseNotice(
        case_number=case.number,
        document_number=case.number,
        applicant_name=case.applicant_name,
        item_name=impl.name,
        item_code=impl.item.basic_code,
        implementation_code=impl.code,
        issuing_body=_division_name(session, case.accepting_division_code),
        division_name=_division_name(session, case.accepting_division_code),
        applicant_id_masked=mask_id_number(case.applicant_id_number or ""),
        applicant_phone_masked=mask_phone(case.applicant_phone) if case.applicant_phone else "",
        received_date=case.received_date,
        accepted_date=case.accepted_date,
        materials_received=[(r.material.name, r.material.form, r.material.copies) for r in case.materials if r.received],
        missing_materials=[(n, (by_name[n].acceptance_standard or "") if n in by_name else "") for n in missing_names],
        legal_days=impl.legal_days,
        promised_days=impl.promised_days,
        due_date=case.due_date,
        due_date_provisional=case.due_provisional,
        supplement_deadline=case.supplement_due_date,
        supplement_deadline_provisional=case.supplement_due_provisional,
        supplement_days=(missing_event.data or {}).get("supplement_days") if missing_event else None,
        deemed_accepted=case.deemed_accepted,
        contact_person=staff_name,
        contact_phone=impl.consult_phone or "",
        progress_url=f"{base}/public/progress",
        progress_token=case.progress_token,
        verify_url=f"{base}/public/verify",
        refusal_reason=case.refusal_reason or "",
        decision={"approved": "准予许可", "denied": "不予许可"}.get(case.decision or "", ""),
        result_number=case.result_number or "",
        delivery_method=case.delivery_method or "",
        delivery_receiver=case.delivery_receiver or "",
    )


def issue_case_document(state: Any, session: Session, name: str, case: Case, staff_name: str = "",
                        user_id: int | None = None) -> bytes:
    """Render notice ``name`` for ``case``, seal it when a seal certificate is configured, and record
    the issue (for the public verify page). Returns the exact bytes to serve; the caller commits."""
    context = case_notice(session, case, state.settings, staff_name)
    pdf = registry(state).render(name, context, item_code=context.item_code)
    title = CASE_DOCUMENTS.get(name, name)
    pdf, signed = seal_if_configured(pdf, state.settings, reason=title, location=context.issuing_body or None)
    issue(session, pdf, document_number=context.document_number, template_name=name, title=title,
          issuing_body=context.issuing_body, division_code=case.accepting_division_code, case_id=case.id,
          issued_by_id=user_id, signed=signed)
    return pdf


def transfer_context(session: Session, batch: TransferBatch, hop: TransferHop | None):
    """The 交接单 context of one hop of a batch (the first hop of a draft)."""
    from_code = hop.from_code if hop else batch.origin_division_code
    to_code = hop.to_code if hop else batch.destination_division_code
    cases = []
    for item in batch.items:
        case = item.case
        received = [(r.material.name, r.material.form, r.material.copies) for r in case.materials
                    if r.received and r.material.form != "电子"]
        cases.append((case.number, case.applicant_name, case.implementation.name, received))
    return TransferList(
        batch_number=batch.number,
        from_name=_division_name(session, from_code),
        to_name=_division_name(session, to_code),
        sent_on=hop.sent_on if hop else None,
        cases=cases,
        sender=hop.sent_by_name if hop else "",
        receiver=(hop.received_by_name or "") if hop else "",
        received_on=hop.received_at.date() if hop and hop.received_at else None,
        note=batch.note or "",
    )

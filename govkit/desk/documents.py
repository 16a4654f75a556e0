"""Printable documents offered by the desk: which notices a case has, and rendering them.

:func:`case_notice` is the case → print-context adapter (a
:class:`~govkit.printing.context.CaseNotice` with personal data masked); the
issuing service (:mod:`govkit.desk.issuing`) numbers, renders, stores and records
each document.
The transfer list (交接单) context is built here from a transfer batch hop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case as sql_case, select
from sqlalchemy.orm import Session

from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.cases.models import MATERIAL_RECEIVED, Case, CaseEvent, CaseMaterial
from govkit.catalog.models import Material
from govkit.clock import local_date
from govkit.catalog.wording import DecisionWording, wording_for
from govkit.desk.models import TransferBatch, TransferHop
from govkit.hierarchy.models import Division
from govkit.hierarchy.organs import organ_for_case
from govkit.printing import CaseNotice, TransferBatch as TransferList
from govkit.printing.kinds import CaseDocumentKind, KindRegistry
from govkit.printing.qr import public_base_url
from govkit.printing.registry import TemplateRegistry, registry_for


def case_actions(session: Session, case: Case) -> set[str]:
    """The actions in the case's history (what document kinds are checked against)."""
    return set(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id).distinct()))


def printable_documents(session: Session, case: Case, kinds: KindRegistry,
                        templates: TemplateRegistry | None = None) -> list[tuple[str, str]]:
    """``(kind name, title)`` of the documents this case may have issued now (the case page's print box).

    With ``templates``, only kinds whose template prints for the case's item.
    """
    allowed = kinds.allowed(case.state, case_actions(session, case))
    if templates is not None:
        code = case.implementation.item.basic_code
        allowed = [k for k in allowed if k.template in templates
                   and any(t.applies(code) for t in templates.history(k.template))]
    return [(kind.name, kind_title(case, kind)) for kind in allowed]


def wording_of(case: Case) -> DecisionWording:
    """The decision wording of ``case``'s item type (准予行政许可 / 予以确认 / 给付 / 予以办结 …)."""
    return wording_for(case.implementation.effective_item_type)


def kind_title(case: Case, kind: CaseDocumentKind) -> str:
    """The title ``kind`` carries for ``case``: decision documents are worded by the item type."""
    wording = wording_of(case)
    return {"decision_grant": wording.grant_title, "decision_deny": wording.deny_title}.get(kind.name, kind.title)


def registry(state: Any):
    """The app's print-template registry (built from the ``register_print_templates`` hook)."""
    return registry_for(state)


def _division_name(session: Session, code: str | None) -> str:
    if not code:
        return ""
    return session.scalar(select(Division.name).where(Division.code == code)) or code


#: The steps whose last event a notice reads (补正, 延期, 特别程序, the decision).
NOTICE_EVENTS = ("request_supplement", "request_supplement_online", "extend", "suspend", "approve", "deny")


def _last_events(session: Session, case: Case) -> dict[str, CaseEvent]:
    """The last event of each of :data:`NOTICE_EVENTS` in the case's history, in one query."""
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action.in_(NOTICE_EVENTS)).order_by(CaseEvent.id))
    return {event.action: event for event in events}  # later ones replace earlier ones


@dataclass(frozen=True)
class CaseHistory:
    """What issuing reads from a case's history: the actions in it (what document kinds are checked
    against, as :func:`case_actions`) and the last event of each of :data:`NOTICE_EVENTS` (what the
    notice says about 补正, 延期, 特别程序 and the decision: rows with ``id``, ``action``, ``at``,
    ``comment`` and ``data``)."""

    actions: frozenset[str]
    last: dict[str, Any]


def _history_statement():
    # The data of the notice's steps only: the other events' payloads (checklists …) are not decoded.
    data = sql_case((CaseEvent.action.in_(NOTICE_EVENTS), CaseEvent.data), else_=None)
    return (select(CaseEvent.id, CaseEvent.action, CaseEvent.at, CaseEvent.comment, data.label("data"))
            .where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.id))


_HISTORY = _history_statement()


def case_history(session: Session, case: Case) -> CaseHistory:
    """The case's :class:`CaseHistory` in one query (instead of :func:`case_actions` and the notice's own)."""
    rows = session.execute(_HISTORY, {"case_id": case.id}).all()
    last = {row.action: row for row in rows if row.action in NOTICE_EVENTS}  # later ones replace earlier ones
    return CaseHistory(frozenset(row.action for row in rows), last)


def _day(value: Any) -> date | None:
    """A date kept in event data (ISO text in JSON) as a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _local_day(value: datetime | None) -> date | None:
    # Beijing time: a step at 23:30 UTC happened the next day locally.
    return local_date(value) if value is not None else None


_CHECKLIST = (select(Material.name, Material.form, Material.copies, Material.acceptance_standard, CaseMaterial.status)
              .join(CaseMaterial.material).where(CaseMaterial.case_id == bindparam("case_id"))
              .order_by(CaseMaterial.id))


def _checklist(session: Session, case: Case) -> list[Any]:
    """The case's materials checklist as rows (``name``, ``form``, ``copies``, ``acceptance_standard``,
    ``status``), in checklist order: from the loaded ``case.materials``, else one query of columns (no
    ORM objects for rows the notice only reads)."""
    if "materials" in case.__dict__:
        return [_ChecklistRow(r.material.name, r.material.form, r.material.copies, r.material.acceptance_standard,
                              r.status) for r in case.materials]
    return session.execute(_CHECKLIST, {"case_id": case.id}).all()


class _ChecklistRow(NamedTuple):
    name: str
    form: str
    copies: int
    acceptance_standard: str | None
    status: str | None


def case_notice(session: Session, case: Case, settings: Any, staff_name: str = "", *, organ: Any = None,
                history: CaseHistory | None = None):
    """A :class:`CaseNotice` for ``case`` (masked personal data), issued in the implementing organ's name.

    Raises :class:`~govkit.errors.OrganIncomplete` when the organ lacks what documents need;
    ``organ``: the case's :func:`organ_for_case` when the caller has it already; ``history``: the
    case's :func:`case_history` when the caller read it already.
    """
    impl = case.implementation
    organ = organ or organ_for_case(session, case)
    wording = wording_of(case)
    last = history.last if history is not None else _last_events(session, case)
    asked = [e for e in (last.get("request_supplement"), last.get("request_supplement_online")) if e is not None]
    missing_event = max(asked, key=lambda e: e.id) if asked else None
    supplement = (missing_event.data or {}) if missing_event else {}
    missing_names = list(supplement.get("missing", []))
    checklist = _checklist(session, case)
    by_name = {row.name: row for row in checklist}
    extension = last.get("extend")
    extension_data = (extension.data or {}) if extension else {}
    special = last.get("suspend")
    special_data = (special.data or {}) if special else {}
    decisions = [e for e in (last.get("approve"), last.get("deny")) if e is not None]
    decided = max(decisions, key=lambda e: e.id) if decisions else None
    base = public_base_url(settings)
    return CaseNotice(
        case_number=case.number,
        document_number=case.number,
        applicant_name=case.applicant_name,
        item_name=impl.name,
        item_code=impl.item.basic_code,
        item_type=wording.type_name,
        implementation_code=impl.code,
        issuing_body=organ.name,
        division_name=organ.receiving_point or organ.name,
        received_on_behalf=organ.received_on_behalf,
        seal_image_path=organ.seal_image_path,
        review_body=organ.review_body,
        court=organ.court,
        applicant_id_masked=mask_id_number(case.applicant_id_number or ""),
        applicant_phone_masked=mask_phone(case.applicant_phone) if case.applicant_phone else "",
        received_date=case.received_date,
        accepted_date=case.accepted_date,
        materials_received=[(r.name, r.form, r.copies) for r in checklist if r.status == MATERIAL_RECEIVED],
        missing_materials=[(n, (by_name[n].acceptance_standard or "") if n in by_name else "") for n in missing_names],
        legal_days=impl.legal_days,
        promised_days=impl.promised_days,
        due_date=case.due_date,
        due_date_provisional=case.due_provisional,
        supplement_deadline=case.supplement_due_date,
        supplement_deadline_provisional=case.supplement_due_provisional,
        supplement_days=(supplement.get("supplement_days") or int(settings.get("SUPPLEMENT_PERIOD_DAYS") or 20)
                         if case.supplement_due_date else None),
        deemed_accepted=case.deemed_accepted,
        contact_person=staff_name,
        contact_phone=impl.consult_phone or organ.phone,
        progress_url=f"{base}/public/progress",
        progress_token=case.progress_token,
        verify_url=f"{base}/public/verify",
        refusal_reason=case.refusal_reason or "",
        legal_basis=impl.effective_legal_basis or "",
        decision=wording.label(case.decision),
        decision_title=wording.title(case.decision),
        decision_reason=case.decision_reason or "",
        decision_date=_local_day(decided.at) if decided else None,
        appealable=wording.appealable,
        result_number=case.result_number or "",
        extension_days=extension_data.get("days"),
        extension_reason=(extension.comment or extension_data.get("reason") or "") if extension else "",
        extension_approved_by=extension_data.get("approved_by") or "",
        previous_due_date=_day(extension_data.get("old_due")),
        special_procedure=special_data.get("procedure") or "",
        special_procedure_days=special_data.get("allowance_days"),
        special_procedure_until=_day(special_data.get("allowance_due")),
        special_procedure_counted=bool(special_data.get("counts_in_deadline")),
        delivery_method=case.delivery_method or "",
        delivery_receiver=case.delivery_receiver or "",
        delivery_date=_local_day(case.delivered_at),
    )


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

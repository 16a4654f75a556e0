"""Issuing case documents (出具文书): one path for every kind, built-in or from a plugin. No Flask.

Issuing is an event. :func:`issue_document` checks that the case's history allows the
kind (行政许可法 §32: a 受理通知书 only once accepted, a 不予受理通知书 only once refused),
takes the next document number of the issuing organ and year, renders the PDF, seals it
when a seal certificate is configured, stores the exact bytes in the file store and
writes the :class:`~govkit.printing.models.IssuedDocument` row with a ``document_issued``
case event and its outbox row — in the caller's transaction.

An issued document never changes: asking for it again returns the stored bytes.
:func:`supersede_document` issues a new document under a new number and marks the old
one superseded; nothing is overwritten.

Crash safety: the PDF file is written (temporary file, fsync, rename) before the row, and
is named by its hash, so a crash leaves no row without its file and at worst a file
without a row (harmless; the same bytes are never issued twice). Two desks printing the
same notice at once: a partial unique index allows one valid document per case and kind,
so the second one's insert fails and it serves the first one's bytes.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from govkit.cases import writes
from govkit.cases.models import Case
from govkit.catalog.models import Implementation
from govkit.desk.documents import CaseHistory, case_actions, case_history, case_notice, kind_title, printable_documents
from govkit.hierarchy.organs import IssuingOrgan, centre_name, missing_fields, organ_for_case, organ_label
from govkit.desk.storage import FileStore
from govkit.errors import GovkitError, OrganIncomplete, PermissionDenied, ValidationError
from govkit.hierarchy.models import Department, Division, Organ
from govkit.hierarchy.scope import ADMIN_ROLE
from govkit.printing.issued import seal_if_configured
from govkit.printing.kinds import CaseDocumentKind, DocumentNotAllowed, KindRegistry, LetterKind, kinds_for
from govkit.printing.models import SUPERSEDED, VALID, WITHDRAWN, DocumentNumberSequence, IssuedDocument
from govkit.printing.registry import TemplateRegistry, registry_for

__all__ = ["Issuer", "IssuedCopy", "DocumentNotAllowed", "issuer_for", "kinds_for", "issue_document",
           "action_follower", "supersede_document", "withdraw_document", "withdraw_issued", "may_withdraw",
           "issue_organ_document", "issuing_organ", "next_document_number", "issued_documents", "stored_pdf"]

EVENT = "document_issued"


class UnknownDocument(GovkitError):
    """No case document kind has that name."""

    status_code = 404


@dataclass(frozen=True)
class Issuer:
    """What issuing needs from the app: its templates, its document kinds, its workflow (for
    the case event), the file store for the PDF bytes and the settings (seal, public address).

    ``form_labels(case)`` gives the item's labels of the case's form fields (the screens
    read them from the ``item_application_form`` hook); None gives none.
    """

    templates: TemplateRegistry
    kinds: KindRegistry
    workflow: Any
    store: FileStore
    settings: Any
    form_labels: Callable[[Case], Mapping[str, str]] | None = None


def issuer_for(state: Any, *, workflow: Any, store: FileStore,
               form_labels: Callable[[Case], Mapping[str, str]] | None = None) -> Issuer:
    """The :class:`Issuer` of one app, from its ``get_state(app)`` (templates and kinds built from its plugins)."""
    return Issuer(templates=registry_for(state), kinds=kinds_for(state), workflow=workflow, store=store,
                  settings=state.settings, form_labels=form_labels)


@dataclass(frozen=True)
class IssuedCopy:
    """An issued document and its exact bytes; ``new`` is False for a reprint of a stored one."""

    document: IssuedDocument
    pdf: bytes
    new: bool


def issuing_organ(session: Session, case: Case) -> tuple[Division, Department | None]:
    """The issuing organ (实施机关) of ``case``: division + department of its implementation.

    A village service point only receives on the organ's behalf (代收); it never issues.
    """
    impl = case.implementation
    return impl.division, impl.department


def organ_name(division: Division, department: Department | None) -> str:
    """The organ's name as printed: 示范县 + 民政局 → 示范县民政局 (the division's name alone without a department)."""
    if department is None:
        return division.name
    return department.name if department.name.startswith(division.name) else division.name + department.name


def next_document_number(session: Session, division: Division, department: Department | None, year: int) -> str:
    """Take the next number of the organ's per-year sequence: ``<division code>-<department id>-<year>-<00001>``.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (as case numbers): the row lock
    (PostgreSQL) or the write lock (SQLite) serialises concurrent issues of one organ until
    commit, and a rolled-back issue gives its number back with its transaction.
    """
    department_id = department.id if department is not None else 0
    statement = _number_statement(session.get_bind().dialect.name)
    sequence = int(session.execute(statement, {"division_code": division.code, "department_id": department_id,
                                               "year": year}).scalar_one())
    return f"{division.code}-{department_id}-{year}-{sequence:05d}"


@functools.cache
def _number_statement(dialect: str) -> Any:
    """The number upsert with bound parameters, built once (no statement building and cache key per issue)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DocumentNumberSequence.__table__
    return (insert(table).values(division_code=bindparam("division_code"), department_id=bindparam("department_id"),
                                 year=bindparam("year"), last=1)
            .on_conflict_do_update(index_elements=[table.c.division_code, table.c.department_id, table.c.year],
                                   set_={"last": table.c.last + 1})
            .returning(table.c.last))


def _kind(issuer: Issuer, name: str) -> CaseDocumentKind:
    kind = issuer.kinds.get(name)
    if kind is None:
        raise UnknownDocument(f"没有名为 {name} 的办件文书。", name=name)
    return kind


def _check_allowed(session: Session, case: Case, kind: CaseDocumentKind, history: CaseHistory | None = None) -> None:
    actions = history.actions if history is not None else case_actions(session, case)
    kind.require(case.state, actions, case=case.number)


def _current(session: Session, case: Case, kind: CaseDocumentKind) -> IssuedDocument | None:
    return session.scalar(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id, IssuedDocument.template_name == kind.name,
        IssuedDocument.status == VALID))


def stored_pdf(issuer: Issuer, document: IssuedDocument) -> bytes:
    """The exact bytes of an issued document, from the file store."""
    if not issuer.store.exists(document.sha256):
        raise ValidationError(f"文书 {document.document_number} 的 PDF 文件不在存储中，请联系系统管理员恢复存储目录。")
    return issuer.store.read(document.sha256)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def check_code(context: Any) -> str:
    """The short hash a document's QR code carries: 16 hex digits of the SHA-256 of what it says.

    The fields as they are (tuples and lists as JSON arrays, dates as ISO text) — what
    ``dataclasses.asdict`` gave, without its deep copy of every value.
    """
    values = {f.name: getattr(context, f.name) for f in fields(context)}
    canonical = json.dumps(values, ensure_ascii=False, sort_keys=True, default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return str(value)


def issue_document(session: Session, case: Case, kind_name: str, actor: Any, issuer: Issuer, *,
                   today: date | None = None, _supersede: IssuedDocument | None = None,
                   reason: str = "") -> IssuedCopy:
    """Issue document ``kind_name`` for ``case`` (or return the one already issued); the caller commits.

    Raises :class:`~govkit.printing.kinds.DocumentNotAllowed` (nothing rendered, nothing
    written) when the case's history does not allow the kind.
    """
    kind = _kind(issuer, kind_name)
    history = case_history(session, case)  # the actions the kind is checked against and the notice's steps
    _check_allowed(session, case, kind, history)
    existing, issuing = _current_and_organ(session, case, kind)
    if existing is not None and _supersede is None:
        return IssuedCopy(existing, stored_pdf(issuer, existing), False)

    day = today or issuer.workflow.today()
    organ = issuing()  # raises OrganIncomplete naming what the organ lacks
    division, department = issuing_organ(session, case)
    body = organ.name
    title = kind_title(case, kind)
    number = next_document_number(session, division, department, day.year)
    form_data = {str(k): _text(v) for k, v in (case.form_data or {}).items()}
    labels = dict(issuer.form_labels(case)) if issuer.form_labels and form_data else {}
    context = case_notice(session, case, issuer.settings, getattr(actor, "name", ""), organ=organ,
                          history=history).replace(
        document_number=number, issuing_body=body, issued_on=day, form_data=form_data, form_labels=labels,
        extra=form_data)
    context = context.replace(check_code=check_code(context))
    pdf = issuer.templates.render(kind.template, context, item_code=context.item_code)
    # The organ's own certificate (its passphrase from the environment variable it names), else the deployment's.
    passphrase = os.environ.get(organ.seal_passphrase_env) if organ.seal_passphrase_env else None
    pdf, signed = seal_if_configured(pdf, issuer.settings, reason=title, location=body or None,
                                     p12_path=organ.seal_p12_path or None, passphrase=passphrase)
    sha = issuer.store.put(pdf)

    now = issuer.workflow.now()
    row = IssuedDocument(
        document_number=number, template_name=kind.name, title=title, case_id=case.id,
        division_code=division.code, department_id=department.id if department is not None else None,
        issuing_body=body[:200], sha256=sha, check_code=context.check_code, size=len(pdf), issued_at=now,
        issued_by_id=getattr(actor, "user_id", None), issued_by_name=getattr(actor, "name", "")[:100],
        signed=signed, status=VALID)
    data = {"kind": kind.name, "title": title, "document_number": number, "sha256": sha}
    if _supersede is not None:
        # The old row leaves the "one valid per case and kind" index before the new one enters it.
        _supersede.status, _supersede.status_changed_at = SUPERSEDED, now
        _supersede.status_reason = (reason or "")[:200] or None
        session.flush()
        data.update(supersedes=_supersede.document_number, reason=reason)
    if not _insert_row(session, row):
        # Someone issued this kind for this case a moment ago: serve theirs (the number is spent).
        winner = _current(session, case, kind)
        if winner is None:
            raise ValidationError(f"文书编号 {number} 已被占用，请重试。")
        return IssuedCopy(winner, stored_pdf(issuer, winner), False)
    if _supersede is not None:
        _supersede.superseded_by_id = row.id
    comment = f"{title} {number}" + (f"（替代 {_supersede.document_number}）" if _supersede is not None else "")
    issuer.workflow.record_event(session, case, EVENT, case.state, actor, comment=comment, data=data)
    # Not the versioned fast path: issuing does not change the case, so a desk page still open
    # on it (its forms carry the version) stays current.
    writes.write_events(session)
    session.flush()
    return IssuedCopy(row, pdf, True)


@functools.cache
def _insert_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = IssuedDocument.__table__
    return insert(table).on_conflict_do_nothing().returning(table.c.id)


_ROW_COLUMNS = tuple(column.key for column in IssuedDocument.__table__.columns if column.key != "id")


def _insert_row(session: Session, row: IssuedDocument) -> bool:
    """INSERT ``row`` with one Core statement and make it a persistent object; False when a unique
    index refused it (another desk's valid document of the same case and kind, inserted first).

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: no savepoint (a failed insert would abort a
    PostgreSQL transaction) and no unit of work for one new row.
    """
    values = {name: getattr(row, name) for name in _ROW_COLUMNS}
    inserted = session.connection().execute(_insert_statement(session.get_bind().dialect.name), values).first()
    if inserted is None:
        return False
    for name, value in (("id", inserted[0]), *values.items()):
        set_committed_value(row, name, value)
    make_transient_to_detached(row)
    session.add(row)
    return True


@functools.cache
def _organ_statement() -> Any:
    """The implementation (with division, department, item), its organ row, the receiving division,
    its service centre's name and the case's valid copy of the kind (if any) — built once, so
    SQLAlchemy's compiled cache serves every call."""
    same_department = or_(Organ.department_id == Implementation.department_id,
                          and_(Organ.department_id.is_(None), Implementation.department_id.is_(None)))
    received = aliased(Division)
    accepting = bindparam("accepting_division_id")
    current = and_(IssuedDocument.case_id == bindparam("case_id"),
                   IssuedDocument.template_name == bindparam("template_name"), IssuedDocument.status == VALID)
    return (select(Implementation, Organ, received, centre_name(accepting), IssuedDocument)
            .outerjoin(Organ, and_(Organ.division_id == Implementation.division_id, same_department))
            .outerjoin(received, received.id == accepting)
            .outerjoin(IssuedDocument, current)
            .where(Implementation.id == bindparam("implementation_id"))
            .options(joinedload(Implementation.division), joinedload(Implementation.department),
                     joinedload(Implementation.item)).limit(1))


def _current_and_organ(session: Session, case: Case,
                       kind: CaseDocumentKind) -> tuple[IssuedDocument | None, Callable[[], IssuingOrgan]]:
    """The case's valid copy of ``kind`` (None when there is none) and a function giving the issuing organ
    (:func:`~govkit.hierarchy.organs.organ_for_case`, which raises OrganIncomplete), read in one statement.

    A case fresh from the database (a print request) would lazy-load its implementation, the
    implementation's division, department and item, the organ row, the receiving point's service
    centre and division one by one, and look for its valid copy in another query: here one ``SELECT``
    joins them. A case whose implementation is loaded already takes the plain path.
    """
    if "implementation" in case.__dict__:
        return _current(session, case, kind), lambda: organ_for_case(session, case)
    implementation, row, division, centre, current = session.execute(
        _organ_statement(), {"implementation_id": case.implementation_id, "case_id": case.id,
                             "template_name": kind.name, "accepting_division_id": case.accepting_division_id}).one()
    # As the lazy loads would have set them (and keeping the loaded objects alive in the session).
    set_committed_value(case, "implementation", implementation)
    if "accepting_division" not in case.__dict__:
        set_committed_value(case, "accepting_division", division)
    return current, lambda: organ_for_case(session, case, row=row, centre=centre)


def supersede_document(session: Session, case: Case, kind_name: str, actor: Any, issuer: Issuer, *,
                       reason: str, today: date | None = None) -> IssuedCopy:
    """Issue ``kind_name`` again under a new number; the valid one becomes superseded (被替代). The caller commits.

    For a change that makes the issued document wrong (an extension, a corrected calendar,
    a corrected applicant name). Without a valid document this simply issues one.
    """
    if not (reason or "").strip():
        raise ValidationError("重新出具文书须说明原因（如：延期后办结期限变更）。")
    kind = _kind(issuer, kind_name)
    _check_allowed(session, case, kind)
    old = _current(session, case, kind)
    return issue_document(session, case, kind_name, actor, issuer, today=today, _supersede=old,
                          reason=reason.strip()) if old is not None else \
        issue_document(session, case, kind_name, actor, issuer, today=today)


def action_follower(kinds: KindRegistry, issuer: Callable[[], Issuer]) -> Callable[[Session, Case, str, Any], None]:
    """A workflow follower (:meth:`Workflow.add_follower`) issuing what an action brings, in its transaction.

    For every kind whose ``issue_on`` names the action: issue it (superseding a valid copy —
    a second extension's notice replaces the first), e.g. the 特别程序告知书 when a special
    procedure starts (行政许可法第四十五条: the applicant is told in writing) and the 延期通知书 when
    an extension is approved (第四十二条). For every kind whose ``reissue_on`` names it: supersede
    the valid copy, if any (the 受理通知书 promised a date the extension moved). ``issuer`` is
    called only when the action brings something.
    """
    def follow(session: Session, case: Case, action: str, actor: Any) -> None:
        following = kinds.following(action)
        if not following:
            return
        service = issuer()
        reason = AUTO_REASONS.get(action, action)
        for kind in following:
            if action in kind.issue_on or _current(session, case, kind) is not None:
                supersede_document(session, case, kind.name, actor, service, reason=reason)
    return follow


#: Why an action supersedes a valid copy (stored as the old copy's status reason, shown by verify).
AUTO_REASONS = {"extend": "批准延期，办结期限变更", "suspend": "进入特别程序"}


def withdraw_document(session: Session, document: IssuedDocument, *, reason: str, at: Any) -> None:
    """Mark an issued document withdrawn (撤销), e.g. issued in error; verify then says so. The caller commits."""
    if not (reason or "").strip():
        raise ValidationError("撤销文书须说明原因。")
    document.status, document.status_changed_at, document.status_reason = WITHDRAWN, at, reason.strip()[:200]


def issue_organ_document(session: Session, kind: CaseDocumentKind | LetterKind, build: Callable[[str], Any],
                         actor: Any, *, organ: Organ | Division, templates: TemplateRegistry, store: FileStore,
                         settings: Any, today: date, now: Any, check: Callable[[], None] | None = None,
                         title: str = "") -> IssuedCopy:
    """Issue a document that belongs to no case, in ``organ``'s name; the caller commits.

    One path for the letters of a government information request (依申请公开的答复书、告知书,
    ``organ`` their :class:`~govkit.hierarchy.models.Organ`) and a division's own documents
    (督办通知书 and 电子监察月报, ``organ`` the supervising :class:`~govkit.hierarchy.models.Division`):
    ``check()`` (the kind's check, e.g. ``SUPERVISION_NOTICE.require(order.state, history)``; raises
    :class:`~govkit.printing.kinds.DocumentNotAllowed`) runs before anything is numbered; then the
    organ's per-year number, ``build(number)`` (the template's context for that number: a dataclass
    with ``check_code``), the registered print template, the seal, the exact bytes in the file store
    and an :class:`IssuedDocument` row with ``case_id`` empty, so ``/public/verify`` checks it like
    any notice. ``title`` names the document (default: the kind's title; e.g. the month of a report).
    An :class:`Organ` lacking what a document needs is refused with
    :class:`~govkit.errors.OrganIncomplete` naming it (nothing written); it is issued under its full
    name and seal, a division under its name and the deployment's seal. The caller keeps the row and
    serves its stored bytes on a reprint.
    """
    if check is not None:
        check()
    if isinstance(organ, Organ):
        missing = missing_fields(organ)
        if missing:
            name = organ.full_name or organ_label(organ.division, organ.department)
            raise OrganIncomplete(f"机关“{name}”的文书信息不完整，缺少：{'、'.join(missing)}。"
                                  "请系统管理员在“层级管理 → 实施机关”中补全后再出具文书。",
                                  organ=name, missing=missing)
        division, department, body = organ.division, organ.department, organ.full_name.strip()
        p12_path, passphrase_env = organ.seal_p12_path or None, organ.seal_passphrase_env
    else:
        division, department, body, p12_path, passphrase_env = organ, None, organ.name, None, None
    title = title or kind.title
    number = next_document_number(session, division, department, today.year)
    context = build(number)
    context = replace(context, check_code=check_code(context))
    pdf = templates.render(kind.template, context)
    passphrase = os.environ.get(passphrase_env) if passphrase_env else None
    pdf, signed = seal_if_configured(pdf, settings, reason=title, location=body or None, p12_path=p12_path,
                                     passphrase=passphrase)
    sha = store.put(pdf)
    row = IssuedDocument(
        document_number=number, template_name=kind.name, title=title[:100], case_id=None,
        division_code=division.code, department_id=department.id if department is not None else None,
        issuing_body=body[:200], sha256=sha, check_code=context.check_code, size=len(pdf), issued_at=now,
        issued_by_id=getattr(actor, "user_id", None), issued_by_name=(getattr(actor, "name", "") or "")[:100],
        signed=signed, status=VALID)
    session.add(row)
    session.flush()
    return IssuedCopy(row, pdf, True)


#: Who may withdraw (撤销/作废) an issued document: the issuing organ's head (本行政机关负责人), or Admin.
WITHDRAW_ROLES = ("机关负责人",)


def may_withdraw(actor: Any, document: IssuedDocument) -> bool:
    """True when ``actor`` may withdraw ``document``: a valid one, withdrawn by a 机关负责人 of the issuing
    organ's division (the organ answers for its documents, 行政许可法第三十八条) or by Admin."""
    if document.status != VALID:
        return False
    if ADMIN_ROLE in actor.roles:
        return True
    return actor.has_role(*WITHDRAW_ROLES) and actor.division_code == document.division_code


def withdraw_issued(session: Session, case: Case, document_id: int, actor: Any, *, reason: str,
                    at: Any) -> IssuedDocument:
    """Withdraw document ``document_id`` of ``case`` for ``actor`` with ``reason``; the caller audits and commits.

    Refused (nothing changed) when the document is not the case's, is no longer valid, or the
    actor is not the issuing organ's 机关负责人 (or Admin).
    """
    document = session.get(IssuedDocument, document_id)
    if document is None or document.case_id != case.id:
        raise UnknownDocument("本办件没有这份文书。", document=document_id)
    if document.status != VALID:
        state = "被替代" if document.status == SUPERSEDED else "撤销"
        raise ValidationError(f"文书 {document.document_number} 已{state}，不能再撤销。")
    if not may_withdraw(actor, document):
        raise PermissionDenied(f"只有出具机关（{document.issuing_body}）的机关负责人可以撤销文书 "
                               f"{document.document_number}。")
    withdraw_document(session, document, reason=reason, at=at)
    return document


def printable(session: Session, case: Case, state: Any) -> list[tuple[str, str]]:
    """``(kind, title)`` of the documents the case page offers now.

    The app's kinds whose template prints for the case's item.
    """
    return printable_documents(session, case, kinds_for(state), registry_for(state))


def issued_documents(session: Session, case: Case) -> list[IssuedDocument]:
    """Every document issued for ``case``, oldest first (superseded ones included)."""
    return list(session.scalars(select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                .order_by(IssuedDocument.id)))

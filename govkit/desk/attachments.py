"""Attachments of a case (扫描件): store, list and fetch them within the user's scope.

Plain Python: callers pass a SQLAlchemy session, a :class:`FileStore` and a
:class:`~govkit.hierarchy.scope.Scope`.
"""
from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.cards import case_scope_clause  # noqa: F401  (desk code imports it from here too)
from govkit.cases.models import Attachment, Case, CaseMaterial
from govkit.desk.storage import FileStore, StoredFile
from govkit.errors import OutOfScope, UploadRejected
from govkit.hierarchy.scope import Scope


def case_in_scope(scope: Scope, case: Case) -> bool:
    """Python twin of :func:`case_scope_clause` for one loaded case."""
    return any(
        scope.covers(code)
        for code in (case.accepting_division_code, case.current_division_code, case.implementing_division_code)
    )


def get_case(session: Session, scope: Scope, case_id: int) -> Case:
    """The case if it exists and lies in scope, else :class:`OutOfScope` (404)."""
    case = session.get(Case, case_id)
    if case is None or not case_in_scope(scope, case):
        raise OutOfScope("办件不存在或不在您的管辖范围内。")
    return case


class PendingFiles:
    """Files stored during one unit of work; :meth:`discard` removes the new ones on rollback."""

    def __init__(self, store: FileStore) -> None:
        self.store = store
        self.created: list[str] = []

    def save(self, stream: BinaryIO, filename: str | None) -> StoredFile:
        stored = self.store.save(stream, filename)
        if stored.created:
            self.created.append(stored.sha256)
        return stored

    def discard(self, session: Session) -> None:
        """Delete files created in this unit unless another committed row still uses them."""
        for sha in self.created:
            if session.scalar(select(Attachment.id).where(Attachment.sha256 == sha).limit(1)) is None:
                self.store.delete(sha)
        self.created.clear()


def attach_file(
    session: Session,
    pending: PendingFiles,
    case: Case,
    stream: BinaryIO,
    filename: str | None,
    *,
    material_id: int | None = None,
    user_id: int | None = None,
) -> Attachment:
    """Validate and store one scan and add its :class:`Attachment` row (flushed, not committed).

    A rejected file raises :class:`UploadRejected` before any row is added.
    """
    if material_id is not None:
        known = session.scalar(
            select(CaseMaterial.id).where(CaseMaterial.case_id == case.id, CaseMaterial.material_id == material_id)
        )
        if known is None:
            raise UploadRejected("所选材料不属于本办件的材料清单，请重新选择。")
    stored = pending.save(stream, filename)
    attachment = Attachment(
        case_id=case.id,
        material_id=material_id,
        sha256=stored.sha256,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        uploaded_by_id=user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def get_attachment(session: Session, scope: Scope, attachment_id: int) -> Attachment:
    """The attachment when its case is in scope, else :class:`OutOfScope` (404, not 403)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or not case_in_scope(scope, attachment.case):
        raise OutOfScope("文件不存在或不在您的管辖范围内。")
    return attachment


def case_attachments(session: Session, case: Case) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))

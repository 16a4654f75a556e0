"""What the system issued (签发记录): one row per document issued, for reprints and the public verify page.

Kept apart from the rendering engine (which stays free of Flask and the database):
only the issuing service, the issuing views and the verify page import this module.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from govkit.orm import Model, UTCDateTime, utcnow

#: Status of an issued document (文书状态).
VALID, SUPERSEDED, WITHDRAWN = "valid", "superseded", "withdrawn"


class IssuedDocument(Model):
    """One issued document (已签发文书): its number, kind, case, issuing organ, who issued it
    and when, and the SHA-256 of the exact bytes served (after sealing when sealing is on).

    An issued document never changes: printing it again serves the stored bytes (kept in
    the file store under ``sha256``). A correction issues a new document under a new
    number; the old row is marked ``superseded`` and points at its successor.
    ``check_code`` is the short hash printed in the QR code (16 hex digits of the
    SHA-256 of what the document says), for checking a paper copy.
    """

    __tablename__ = "gk_issued_document"
    __table_args__ = (
        Index("ix_gk_issued_document_number", "document_number", unique=True),
        Index("ix_gk_issued_document_sha256", "sha256"),
        Index("ix_gk_issued_document_case", "case_id", "template_name"),
        # One valid document per case and kind: two desks printing at once get the same one.
        Index("uq_gk_issued_document_valid", "case_id", "template_name", unique=True,
              postgresql_where=text("status = 'valid' AND case_id IS NOT NULL"),
              sqlite_where=text("status = 'valid' AND case_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_number: Mapped[str] = mapped_column(String(64), nullable=False)
    # The document kind (its name, e.g. acceptance_notice) — the template it was rendered with.
    template_name: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    # None for documents that belong to no case (registers, transfer lists …).
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_case.id"))
    # The issuing organ (实施机关): division + department of the case's implementation.
    division_code: Mapped[Optional[str]] = mapped_column(String(12))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    # The issuing body's name as printed on the document (divisions get renamed).
    issuing_body: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    check_code: Mapped[Optional[str]] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    issued_by_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=VALID)
    superseded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_issued_document.id"))
    status_changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    status_reason: Mapped[Optional[str]] = mapped_column(String(200))

    def __str__(self) -> str:
        return f"{self.title} {self.document_number}"


class DocumentNumberSequence(Model):
    """Per issuing organ (division + department) and year counter behind document numbers (文书编号)."""

    __tablename__ = "gk_document_number_seq"

    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    # 0 when the implementation names no department (the division's government itself).
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

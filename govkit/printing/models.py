"""What the system issued (签发记录): one row per PDF handed out, for the public verify page.

Kept apart from the rendering engine (which stays free of Flask and the database):
only the issuing views and the verify page import this module.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govkit.orm import Model, UTCDateTime, utcnow


class IssuedDocument(Model):
    """One issued PDF (已签发文书): its number, what it is, who issued it and the SHA-256
    of the exact bytes served (after sealing when sealing is on).

    Printing the same notice again issues new bytes (the PDF carries its creation
    time) and adds a row with the same document number; the verify page accepts
    any of them.
    """

    __tablename__ = "gk_issued_document"
    __table_args__ = (
        Index("ix_gk_issued_document_number", "document_number"),
        Index("ix_gk_issued_document_sha256", "sha256"),
        Index("ix_gk_issued_document_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_number: Mapped[str] = mapped_column(String(64), nullable=False)
    template_name: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    # None for documents that belong to no case (registers, transfer lists …).
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_case.id"))
    division_code: Mapped[Optional[str]] = mapped_column(String(12))
    # The issuing body's name as printed on the document (divisions get renamed).
    issuing_body: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def __str__(self) -> str:
        return f"{self.title} {self.document_number}"

"""Tables of the online application (网上申报): the server-side draft and the applicant's uploads.

A draft (:class:`OnlineApplication` with ``status = draft``) survives closing the browser: the form,
the uploads and the consent are stored as they are entered. Submitting registers the case
(:func:`govkit.cases.registration.register_online_case`) and links it (``case_id``); the files become
the case's attachments. A 代申办 (网上代申办 at the village terminal) records the 代办员 (``agent_*``) and
the villager's consent (a ticked declaration with the ID number, or a signature image).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.catalog.models import Implementation, Material
from govkit.orm import Model, UTCDateTime, utcnow

DRAFT, SUBMITTED = "draft", "submitted"
#: Consent kinds (申请人声明): a ticked declaration with the ID number typed again, or a signature image.
CONSENT_DECLARATION, CONSENT_SIGNATURE = "declaration", "signature"
CONSENT_LABELS = {CONSENT_DECLARATION: "勾选声明并核对身份证号", CONSENT_SIGNATURE: "手写签名"}
#: Upload stages: with the application, or in answer to a 一次性告知 (补正).
STAGE_APPLICATION, STAGE_SUPPLEMENT = "application", "supplement"


class OnlineApplication(Model):
    """One online application (网上申报), a draft until submitted; then the case it registered."""

    __tablename__ = "gk_online_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The applicant's account (gk_applicant); None for a 代申办 of a villager without an account.
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_applicant.id", ondelete="SET NULL"),
                                                        index=True)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=DRAFT)
    applicant_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    applicant_id_type: Mapped[str] = mapped_column(String(20), nullable=False, default="居民身份证")
    applicant_id_number: Mapped[str] = mapped_column(String(18), nullable=False, default="")
    applicant_phone: Mapped[Optional[str]] = mapped_column(String(20))
    applicant_address: Mapped[Optional[str]] = mapped_column(String(300))
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    consent_kind: Mapped[Optional[str]] = mapped_column(String(12))
    consent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    consent_text: Mapped[Optional[str]] = mapped_column(Text)
    #: The signature image (PNG in the file store, by hash) of a 代申办 signed at the terminal.
    consent_signature_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    #: 网上代申办: the village 代办员 who applied at the terminal (staff account), and the village.
    agent_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), index=True)
    agent_name: Mapped[Optional[str]] = mapped_column(String(100))
    agent_division_code: Mapped[Optional[str]] = mapped_column(String(12))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_case.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    implementation: Mapped[Implementation] = relationship()
    uploads: Mapped[list["OnlineUpload"]] = relationship(back_populates="application", cascade="all, delete-orphan",
                                                         order_by="OnlineUpload.id")

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def by_agent(self) -> bool:
        return self.agent_user_id is not None


class OnlineUpload(Model):
    """A file the applicant (or the 代办员 at the terminal) uploaded for one material row."""

    __tablename__ = "gk_online_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("gk_online_application.id", ondelete="CASCADE"),
                                                index=True, nullable=False)
    material_id: Mapped[int] = mapped_column(ForeignKey("gk_material.id"), nullable=False)
    stage: Mapped[str] = mapped_column(String(12), nullable=False, default=STAGE_APPLICATION)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(50), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: The case attachment it became on submission (or 网上补正); None while pending.
    attachment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_attachment.id", ondelete="SET NULL"))

    application: Mapped[OnlineApplication] = relationship(back_populates="uploads")
    material: Mapped[Material] = relationship()

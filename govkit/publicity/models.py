"""Publicity models: ratings (好差评), rectifications (整改), callbacks (回访),
complaints (投诉/意见) and government information disclosure (政府信息公开)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.orm import Model, UTCDateTime, utcnow
from govkit.hierarchy.models import Department, Division


class Rating(Model):
    """One 好差评 rating of a completed case (at most one per case)."""

    __tablename__ = "gk_rating"
    __table_args__ = (Index("ix_gk_rating_division_created", "division_code", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id", ondelete="CASCADE"), unique=True, nullable=False)
    #: Handling unit (the implementing division) — what supervisors scope on.
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_service_item.id"))
    level: Mapped[str] = mapped_column(String(10), nullable=False)  # 非常满意 … 非常不满意
    score: Mapped[int] = mapped_column(Integer, nullable=False)  # 5 … 1
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20), nullable=False, default="网上评价")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    department: Mapped[Optional[Department]] = relationship()

    @property
    def is_negative(self) -> bool:
        """差评: 不满意 or 非常不满意."""
        return self.score <= 2

    def __str__(self) -> str:
        return self.level


class Rectification(Model):
    """A rectification task (差评整改) for the handling unit of a negative rating."""

    __tablename__ = "gk_rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("gk_rating.id", ondelete="CASCADE"), unique=True, nullable=False)
    division_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="待整改")
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    measures: Mapped[Optional[str]] = mapped_column(Text)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by: Mapped[Optional[str]] = mapped_column(String(100))
    appeal_reason: Mapped[Optional[str]] = mapped_column(Text)
    appealed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    appeal_decision: Mapped[Optional[str]] = mapped_column(String(10))  # 申诉成立/申诉驳回
    appeal_comment: Mapped[Optional[str]] = mapped_column(Text)
    appeal_decided_by: Mapped[Optional[str]] = mapped_column(String(100))
    appeal_decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    rating: Mapped[Rating] = relationship()
    department: Mapped[Optional[Department]] = relationship()
    callbacks: Mapped[list["Callback"]] = relationship(back_populates="rectification", order_by="Callback.id")


class Callback(Model):
    """A callback (回访) to the applicant about a negative rating; opened pending, then recorded."""

    __tablename__ = "gk_callback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("gk_rectification.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="待回访")  # 待回访/已回访
    channel: Mapped[Optional[str]] = mapped_column(String(20))  # 电话/上门/短信
    result: Mapped[Optional[str]] = mapped_column(String(10))  # 满意/基本满意/不满意
    note: Mapped[Optional[str]] = mapped_column(Text)
    done_by: Mapped[Optional[str]] = mapped_column(String(100))
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    rectification: Mapped[Rectification] = relationship(back_populates="callbacks")


class Complaint(Model):
    """A complaint or suggestion (投诉/意见) from the public, routed to a supervising unit."""

    __tablename__ = "gk_complaint"
    __table_args__ = (Index("ix_gk_complaint_supervising", "supervising_code", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    lookup_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="投诉")  # 投诉/意见
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    supervising_code: Mapped[str] = mapped_column(String(12), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    case_number: Mapped[Optional[str]] = mapped_column(String(32))
    #: Optional contact the complainant gave; shown only to the handling staff.
    contact: Mapped[Optional[str]] = mapped_column(String(100))
    #: SHA-256 of the signed form stamp it was filed with: unique, so one shown form files one complaint.
    stamp_digest: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="已受理")
    reply: Mapped[Optional[str]] = mapped_column(Text)
    replied_by: Mapped[Optional[str]] = mapped_column(String(100))
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.number


class DisclosureCategory(Model):
    """A category of the county's disclosure catalogue (政府信息公开目录)."""

    __tablename__ = "gk_disclosure_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_disclosure_category.id"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    default_unit: Mapped[Optional[str]] = mapped_column(String(200))

    parent: Mapped[Optional["DisclosureCategory"]] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return self.name


class Disclosure(Model):
    """A government information disclosure entry (政府信息公开条目) with its approval workflow."""

    __tablename__ = "gk_disclosure"
    __table_args__ = (Index("ix_gk_disclosure_state_published", "state", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    category_id: Mapped[int] = mapped_column(ForeignKey("gk_disclosure_category.id"), nullable=False, index=True)
    division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), nullable=False)
    division_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    responsible_unit: Mapped[str] = mapped_column(String(200), nullable=False)
    doc_number: Mapped[Optional[str]] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="草稿")
    created_by: Mapped[Optional[str]] = mapped_column(String(100))
    #: The author's and the submitter's accounts: neither may approve the entry (职责分离).
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    approver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    approver_name: Mapped[Optional[str]] = mapped_column(String(100))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    review_comment: Mapped[Optional[str]] = mapped_column(Text)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[Optional[str]] = mapped_column(Text)

    category: Mapped[DisclosureCategory] = relationship()
    division: Mapped[Division] = relationship()
    attachments: Mapped[list["DisclosureAttachment"]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="DisclosureAttachment.id"
    )

    def __str__(self) -> str:
        return self.title


class DisclosureAttachment(Model):
    """A file attached to a disclosure, stored under its content hash in the storage folder."""

    __tablename__ = "gk_disclosure_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("gk_disclosure.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)

    disclosure: Mapped[Disclosure] = relationship(back_populates="attachments")

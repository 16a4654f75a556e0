"""Desk models: paper transfer batches (纸质资料交接) and home visits (预约上门)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.cases.models import Case
from govkit.catalog.models import ServiceItem
from govkit.orm import Model, UTCDateTime, utcnow


class TransferStatus:
    """States of a transfer batch."""

    DRAFT = "草稿"          # being bundled by the sender
    IN_TRANSIT = "在途"     # the latest hop was sent and not yet signed for
    AWAITING = "待转交"     # signed for at an intermediate division, to be sent on
    RECEIVED = "已签收"     # signed for at the destination

    OPEN = (DRAFT, IN_TRANSIT, AWAITING)


class TransferBatch(Model):
    """A bundle of paper originals of several cases sent up the hierarchy (纸质资料交接批次)."""

    __tablename__ = "gk_transfer_batch"
    __table_args__ = (
        Index("ix_gk_transfer_batch_origin", "origin_division_code", "status"),
        Index("ix_gk_transfer_batch_to", "current_to_code", "status"),
        Index("ix_gk_transfer_batch_status_moved", "status", "last_moved_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=TransferStatus.DRAFT)
    origin_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    destination_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    # The hop under way (denormalised for the queues and the overdue query).
    current_from_code: Mapped[Optional[str]] = mapped_column(String(12))
    current_to_code: Mapped[Optional[str]] = mapped_column(String(12))
    # Date of the last movement (sent, or signed for at an intermediate division).
    last_moved_on: Mapped[Optional[date]] = mapped_column(Date)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    note: Mapped[Optional[str]] = mapped_column(Text)

    items: Mapped[list["TransferItem"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="TransferItem.id"
    )
    hops: Mapped[list["TransferHop"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="TransferHop.seq"
    )

    def __str__(self) -> str:
        return self.number


class TransferItem(Model):
    """One case's originals in a batch (how many sheets, which materials)."""

    __tablename__ = "gk_transfer_item"
    __table_args__ = (UniqueConstraint("batch_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gk_transfer_batch.id", ondelete="CASCADE"), nullable=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id"), index=True, nullable=False)
    sheets: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    note: Mapped[Optional[str]] = mapped_column(String(300))

    batch: Mapped[TransferBatch] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()


class TransferHop(Model):
    """One leg of a batch's journey: sent by one division, signed for by the next (交接回执)."""

    __tablename__ = "gk_transfer_hop"
    __table_args__ = (UniqueConstraint("batch_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("gk_transfer_batch.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    from_code: Mapped[str] = mapped_column(String(12), nullable=False)
    to_code: Mapped[str] = mapped_column(String(12), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    sent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    sent_by_name: Mapped[str] = mapped_column(String(100), nullable=False)
    carrier: Mapped[Optional[str]] = mapped_column(String(100))
    received_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    received_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    received_by_name: Mapped[Optional[str]] = mapped_column(String(100))
    note: Mapped[Optional[str]] = mapped_column(Text)

    batch: Mapped[TransferBatch] = relationship(back_populates="hops")


class VisitStatus:
    """States of a home-visit appointment."""

    REQUESTED = "待安排"
    SCHEDULED = "已安排"
    DONE = "已上门"
    CANCELLED = "已取消"


VISIT_REASONS = ("高龄", "残疾", "重病", "行动不便", "其他")


class HomeVisit(Model):
    """A home-visit appointment (预约上门) for an elderly or disabled applicant."""

    __tablename__ = "gk_home_visit"
    __table_args__ = (Index("ix_gk_home_visit_division", "division_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=VisitStatus.REQUESTED)
    applicant_name: Mapped[str] = mapped_column(String(100), nullable=False)
    applicant_phone: Mapped[Optional[str]] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_service_item.id"))
    request_note: Mapped[Optional[str]] = mapped_column(Text)
    preferred_date: Mapped[Optional[date]] = mapped_column(Date)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    agent_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    agent_name: Mapped[Optional[str]] = mapped_column(String(100))
    scheduled_date: Mapped[Optional[date]] = mapped_column(Date)
    scheduled_slot: Mapped[Optional[str]] = mapped_column(String(20))  # 上午/下午/具体时间
    visited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[Optional[str]] = mapped_column(Text)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_case.id"), index=True)
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(300))

    item: Mapped[Optional[ServiceItem]] = relationship()
    case: Mapped[Optional[Case]] = relationship()

    def __str__(self) -> str:
        return f"{self.applicant_name}（{self.status}）"

"""督办 tables: supervision orders (督办单) and their events. Plain SQLAlchemy, no Flask.

A :class:`SupervisionOrder` is issued by a supervising division (``issuer_division_code``, its
level: township 4, county 3, city 2) to a unit (``target_division_code``) about a case, a
complaint, a consultation (网上咨询), a rectification or the unit itself. Every step is a :class:`SupervisionEvent`
row (append-only); the order rows are audited (``Audited``: every change in the audit trail).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.audit.trail import Audited
from govkit.orm import Model, UTCDateTime, utcnow

#: 督办单 states: 待回复 → 已回复 → 已办结; 待回复/已回复 → 已升级 (a new order one level up).
PENDING, ANSWERED, CLOSED, ESCALATED = "待回复", "已回复", "已办结", "已升级"
ORDER_STATES = (PENDING, ANSWERED, CLOSED, ESCALATED)
#: What an order is about (督办对象).
SUBJECT_KINDS = {"case": "办件", "complaint": "投诉", "question": "网上咨询", "rectification": "差评整改",
                 "unit": "单位"}


class SupervisionOrder(Audited, Model):
    """督办单: reason, response deadline in working days, the unit's response, close or escalation."""

    __tablename__ = "gk_supervision_order"
    __table_args__ = (
        Index("ix_gk_supervision_order_subject", "subject_kind", "subject_id"),
        Index("ix_gk_supervision_order_target", "target_division_code", "state"),
        Index("ix_gk_supervision_order_issuer", "issuer_division_code", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # one of SUBJECT_KINDS
    subject_id: Mapped[Optional[int]] = mapped_column(Integer)  # None for a unit
    subject_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # 办件编号、投诉编号 …
    target_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    issuer_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    issuer_level: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    response_days: Mapped[int] = mapped_column(Integer, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING)
    automatic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 自动升级督办
    escalated_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_supervision_order.id"), index=True)
    response: Mapped[Optional[str]] = mapped_column(Text)
    responded_by: Mapped[Optional[str]] = mapped_column(String(100))
    responded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closing_comment: Mapped[Optional[str]] = mapped_column(Text)
    closed_by: Mapped[Optional[str]] = mapped_column(String(100))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_issued_document.id"))
    created_by: Mapped[str] = mapped_column(String(100), nullable=False, default="系统")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    events: Mapped[list["SupervisionEvent"]] = relationship(
        back_populates="order", order_by="SupervisionEvent.id", cascade="all, delete-orphan")

    @property
    def subject_name(self) -> str:
        return SUBJECT_KINDS.get(self.subject_kind, self.subject_kind)

    def __repr__(self) -> str:
        return f"督办单 {self.id}（{self.state}）"


class SupervisionEvent(Model):
    """One step of a 督办单 (issue, respond, close, escalate, auto_escalate, print)."""

    __tablename__ = "gk_supervision_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("gk_supervision_order.id", ondelete="CASCADE"), index=True,
                                          nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    from_state: Mapped[Optional[str]] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10), nullable=False)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(100), nullable=False, default="系统")
    comment: Mapped[Optional[str]] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    order: Mapped[SupervisionOrder] = relationship(back_populates="events")


#: 过错责任追究 states: 已决定 → 申诉中 → 维持原决定 / 已撤销.
DECIDED, APPEALING, UPHELD, REVOKED = "已决定", "申诉中", "维持原决定", "已撤销"
FINDING_STATES = (DECIDED, APPEALING, UPHELD, REVOKED)
#: Decisions a supervising unit takes on a fault (处理决定), mildest first.
DECISIONS = ("批评教育", "责令书面检查", "通报批评", "诫勉谈话", "调离工作岗位", "移送纪检监察机关")


class AccountabilityFinding(Audited, Model):
    """过错责任追究: a fault found on a case, complaint or 督办单, the staff member responsible, the
    decision and the appeal (seed 003: 服务承诺、首问负责 … 过错责任追究等一整套办事、考核制度)."""

    __tablename__ = "gk_accountability_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)  # the staff member's unit
    subject_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # case/complaint/order
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    subject_label: Mapped[str] = mapped_column(String(200), nullable=False)
    staff_id: Mapped[int] = mapped_column(ForeignKey("gk_staff.id"), nullable=False, index=True)
    staff_name: Mapped[str] = mapped_column(String(100), nullable=False)
    fault: Mapped[str] = mapped_column(Text, nullable=False)  # 过错事实
    decision: Mapped[str] = mapped_column(String(20), nullable=False)  # one of DECISIONS
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=DECIDED)
    decided_by: Mapped[str] = mapped_column(String(100), nullable=False)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    appeal_reason: Mapped[Optional[str]] = mapped_column(Text)
    appealed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    appeal_comment: Mapped[Optional[str]] = mapped_column(Text)
    appeal_decided_by: Mapped[Optional[str]] = mapped_column(String(100))
    appeal_decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"过错责任追究 {self.id}（{self.state}）"

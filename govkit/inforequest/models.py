"""Models of 依申请公开: the request (政府信息公开申请表) and the figures staff enter for the annual report."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.audit.trail import Audited
from govkit.hierarchy.models import Organ
from govkit.orm import Model, UTCDateTime, utcnow


class InfoRequest(Model):
    """A request for government information (政府信息公开申请, 条例第二十九条), routed to one organ.

    The clock (条例第三十三条): a reply within 20 working days of receipt, extendable once by at most
    20 working days with the approval of the organ's head; a 补正 (第三十条) stops it and the 20 days
    count again from the day the corrected request arrives (``clock_start``).
    """

    __tablename__ = "gk_info_request"
    __table_args__ = (Index("ix_gk_info_request_division_state", "division_code", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    lookup_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    stamp_digest: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("gk_organ.id"), index=True, nullable=False)
    #: The organ's division (what staff scope on).
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    applicant_type: Mapped[str] = mapped_column(String(20), nullable=False)  # 自然人 / 法人或其他组织
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    id_number: Mapped[Optional[str]] = mapped_column(String(18))  # 身份证号码 or 统一社会信用代码
    legal_representative: Mapped[Optional[str]] = mapped_column(String(50))
    contact_person: Mapped[Optional[str]] = mapped_column(String(50))
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    email: Mapped[Optional[str]] = mapped_column(String(100))
    address: Mapped[Optional[str]] = mapped_column(String(200))
    postcode: Mapped[Optional[str]] = mapped_column(String(6))
    #: The applicant account (网上办事大厅, ``gk_applicant``) that filed the request while signed in: it is
    #: listed under the account's 我的办件 and only that account reaches it there; None for an anonymous one.
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_applicant.id", ondelete="SET NULL"),
                                                        index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)  # 所需信息的内容描述
    document_ref: Mapped[Optional[str]] = mapped_column(String(200))  # 文件名称、文号
    purpose: Mapped[Optional[str]] = mapped_column(String(500))
    delivery: Mapped[str] = mapped_column(String(20), nullable=False)  # 获取方式
    medium: Mapped[str] = mapped_column(String(10), nullable=False, default="电子")  # 载体形式
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="办理中")
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    clock_start: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[Optional[date]] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(default=False, nullable=False)
    supplement_text: Mapped[Optional[str]] = mapped_column(Text)
    supplement_asked_on: Mapped[Optional[date]] = mapped_column(Date)
    supplement_due: Mapped[Optional[date]] = mapped_column(Date)
    corrected_on: Mapped[Optional[date]] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extension_reason: Mapped[Optional[str]] = mapped_column(Text)
    extended_by: Mapped[Optional[str]] = mapped_column(String(100))
    extended_on: Mapped[Optional[date]] = mapped_column(Date)
    reply_type: Mapped[Optional[str]] = mapped_column(String(20))
    reply_reason: Mapped[Optional[str]] = mapped_column(Text)
    competent_organ: Mapped[Optional[str]] = mapped_column(String(200))
    reply_text: Mapped[Optional[str]] = mapped_column(Text)
    replied_on: Mapped[Optional[date]] = mapped_column(Date)
    replied_by: Mapped[Optional[str]] = mapped_column(String(100))
    #: 信息处理费 (条例第四十二条), yuan; usually 0.
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False, default=Decimal("0"))
    reply_document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_issued_document.id"))
    supplement_document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_issued_document.id"))
    extension_document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_issued_document.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    organ: Mapped[Organ] = relationship()

    def __str__(self) -> str:
        return self.number


class AnnualFigures(Audited, Model):
    """What the annual report (条例第五十条) needs that the system does not record: 行政复议 and 行政诉讼
    about the organ's disclosure work in a year, entered by staff (every change in the audit trail)."""

    __tablename__ = "gk_foi_annual_figures"
    __table_args__ = (Index("ix_gk_foi_annual_figures_organ_year", "organ_id", "year", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("gk_organ.id"), nullable=False)
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    review_upheld: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    review_corrected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    review_other: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    review_pending: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suit_upheld: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suit_corrected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suit_other: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suit_pending: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_by: Mapped[Optional[str]] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organ: Mapped[Organ] = relationship()

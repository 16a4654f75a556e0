"""Models of 网上咨询 (questions about an item) and of the messages stored for askers and requesters."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.catalog.models import Implementation
from govkit.orm import Model, UTCDateTime, utcnow


class Question(Model):
    """A question (网上咨询) about an item's implementation, routed to its implementing unit.

    The asker's name and contact are seen by the handling staff only; a published question shows
    ``faq_question``/``faq_answer`` (anonymised: no names, phone numbers or ID numbers) on the guide.
    """

    __tablename__ = "gk_question"
    __table_args__ = (Index("ix_gk_question_division_state", "division_code", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    lookup_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id"), index=True, nullable=False)
    #: The implementing division (what staff scope on) and department.
    division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    asker_name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    email: Mapped[Optional[str]] = mapped_column(String(100))
    address: Mapped[Optional[str]] = mapped_column(String(200))
    id_number: Mapped[Optional[str]] = mapped_column(String(18))
    #: The applicant account (网上办事大厅, ``gk_applicant``) that filed the question while signed in: it is
    #: listed under the account's 我的办件 and only that account reaches it there; None for an anonymous one.
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_applicant.id", ondelete="SET NULL"),
                                                        index=True)
    subject: Mapped[str] = mapped_column(String(100), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="待答复")
    asked_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_by: Mapped[Optional[str]] = mapped_column(String(100))
    answered_on: Mapped[Optional[date]] = mapped_column(Date)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    faq_question: Mapped[Optional[str]] = mapped_column(Text)
    faq_answer: Mapped[Optional[str]] = mapped_column(Text)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: SHA-256 of the signed form stamp: unique, so one shown form files one question.
    stamp_digest: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    implementation: Mapped[Implementation] = relationship()

    def __str__(self) -> str:
        return self.number


class AskerMessage(Model):
    """A message to an asker or requester (咨询答复, 补正告知, 答复书 …), stored for the channel that sends it.

    Until a message channel (SMS gateway) exists, the row is the notification: staff and the
    demo see what was sent to whom.
    """

    __tablename__ = "gk_asker_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), nullable=False)  # 网上咨询 / 依申请公开
    reference: Mapped[str] = mapped_column(String(32), nullable=False, index=True)  # the question/request number
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __str__(self) -> str:
        return f"{self.topic} {self.reference}"

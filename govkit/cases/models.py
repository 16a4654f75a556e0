"""Case models: Case (办件), CaseEvent, materials checklist, pauses, attachments, outbox."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govkit.catalog.models import Implementation, Material
from govkit.orm import Model, UTCDateTime, utcnow
from govkit.hierarchy.models import Department, Division


class Case(Model):
    """An application case (办件) from registration to delivery."""

    __tablename__ = "gk_case"
    __table_args__ = (
        Index("ix_gk_case_current_state", "current_division_code", "state"),
        Index("ix_gk_case_accepting_code", "accepting_division_code", "registered_at"),
        Index("ix_gk_case_state_due", "state", "due_date"),
        # The case list's 状态 filter: its bounded count reads the scope's accepting-division branch from this
        # index alone (an index-only scan of 1,001 entries, 0.2 ms at 1M cases, where ix_gk_case_state_due
        # made it a bitmap scan of every case in the state and of their table pages, 4–5 ms).
        Index("ix_gk_case_state_accepting", "state", "accepting_division_code"),
        Index("ix_gk_case_implementing_state", "implementing_division_code", "state"),
        Index("ix_gk_case_provisional", "due_provisional"),
        # Open cases by due date (the card page and the 临期/超期 queue walk it and stop after a page).
        Index("ix_gk_case_open_due", "due_date", "id", postgresql_where=text("completed_date IS NULL"),
              sqlite_where=text("completed_date IS NULL")),
        # Open cases by each division column the scope ORs over: a village's or township's 临期/超期 queue and cards
        # are a BitmapOr of its few open cases, not a scan of every open case in the county filtered by scope
        # (bench/README.md: 151 ms → 8.5 ms for a village at 1M cases; no cost measured on the lifecycles).
        *(Index(f"ix_gk_case_open_{name}", f"{name}_division_code", postgresql_where=text("completed_date IS NULL"),
                sqlite_where=text("completed_date IS NULL")) for name in ("accepting", "current", "implementing")),
        # Each division column the scope ORs over, with the id: a village's case list (sorted by id, newest first)
        # reads each branch's first page from its index and stops (govkit.web.scoped.list_page), where the OR made
        # PostgreSQL walk the primary key past every other village's cases or sort all the village's cases.
        *(Index(f"ix_gk_case_{name}_id", f"{name}_division_code", "id")
          for name in ("accepting", "current", "implementing")),
        # Completed cases by completion date (the 办结率 page's period: a range scan, not every case).
        Index("ix_gk_case_completed", "completed_date", postgresql_where=text("completed_date IS NOT NULL"),
              sqlite_where=text("completed_date IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    progress_token: Mapped[str] = mapped_column(String(32), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="registered")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    implementation_id: Mapped[int] = mapped_column(ForeignKey("gk_implementation.id"), nullable=False, index=True)
    # Division codes are denormalised next to the foreign keys so scope filters are
    # prefix range scans on one indexed column, without joins.
    accepting_division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), nullable=False)
    accepting_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    current_division_id: Mapped[int] = mapped_column(ForeignKey("gk_division.id"), nullable=False)
    current_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    implementing_division_code: Mapped[str] = mapped_column(String(12), nullable=False)
    current_department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_department.id"))
    handler_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    registered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    applicant_name: Mapped[str] = mapped_column(String(100), nullable=False)
    applicant_id_type: Mapped[str] = mapped_column(String(20), nullable=False, default="居民身份证")
    applicant_id_number: Mapped[str] = mapped_column(String(30), nullable=False)
    applicant_phone: Mapped[Optional[str]] = mapped_column(String(20))
    applicant_address: Mapped[Optional[str]] = mapped_column(String(300))
    applicant_village_code: Mapped[Optional[str]] = mapped_column(String(12))
    proxy_name: Mapped[Optional[str]] = mapped_column(String(100))
    proxy_authorised: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: The online-hall account (gk_applicant, govkit.online) the case belongs to: set for online applications
    #: and when a counter case's ID number matches an account (我的办件); None for anonymous counter cases.
    applicant_account_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("gk_applicant.id", ondelete="SET NULL"), index=True)

    #: Registered from an online application (网上申报 / 网上代申办, ``register_online_case``).
    applied_online: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: 窗口核验: when and by whom the originals of an online application of a 网上申报+窗口核验 item were
    #: checked at the counter (``verify_originals``); approval waits for it (docs/online.md).
    originals_checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    originals_checked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    originals_checked_by: Mapped[Optional[str]] = mapped_column(String(100))

    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    received_date: Mapped[Optional[date]] = mapped_column(Date)
    accepted_date: Mapped[Optional[date]] = mapped_column(Date)
    due_date: Mapped[Optional[date]] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    legal_due_date: Mapped[Optional[date]] = mapped_column(Date)
    #: The statutory due date (法定期限) reaches a year without a published schedule (暂定).
    legal_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Promised time limit (承诺时限, working days) copied from the implementation at acceptance.
    time_limit_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Extension days asked for by the handler, waiting for approval (延期申请).
    extension_requested_days: Mapped[Optional[int]] = mapped_column(Integer)
    #: True when the supplement notice came too late (行政许可法 §32): accepted from receipt.
    deemed_accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Last day of the 5-working-day intake clock (行政许可法 §32) while the case waits for a
    #: decision on acceptance; None once accepted, refused or told to supplement.
    intake_due_date: Mapped[Optional[date]] = mapped_column(Date)
    intake_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Last day of the applicant's 补正 period (the implementation's ``supplement_days`` after the notice).
    supplement_due_date: Mapped[Optional[date]] = mapped_column(Date)
    supplement_due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Items the clerk added to the 一次性告知书 outside the materials checklist (free text).
    supplement_extra: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    last_action_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    paused_since: Mapped[Optional[date]] = mapped_column(Date)
    #: Stated end of the running special procedure (行政许可法第四十五条); past it the case shows 特别程序超时.
    special_due: Mapped[Optional[date]] = mapped_column(Date)
    completed_date: Mapped[Optional[date]] = mapped_column(Date)

    decision: Mapped[Optional[str]] = mapped_column(String(10))  # approved/denied
    decision_reason: Mapped[Optional[str]] = mapped_column(Text)
    result_number: Mapped[Optional[str]] = mapped_column(String(100))
    refusal_reason: Mapped[Optional[str]] = mapped_column(Text)
    delivery_method: Mapped[Optional[str]] = mapped_column(String(20))
    delivered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    delivery_receiver: Mapped[Optional[str]] = mapped_column(String(100))

    implementation: Mapped[Implementation] = relationship()
    accepting_division: Mapped[Division] = relationship(foreign_keys=[accepting_division_id])
    current_division: Mapped[Division] = relationship(foreign_keys=[current_division_id])
    current_department: Mapped[Optional[Department]] = relationship()
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    materials: Mapped[list["CaseMaterial"]] = relationship(back_populates="case", cascade="all, delete-orphan")
    pauses: Mapped[list["CasePause"]] = relationship(
        back_populates="case", order_by="CasePause.start", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.number


class CaseEvent(Model):
    """One transition of a case: who, which role, which division, when, from/to, comment."""

    __tablename__ = "gk_case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id", ondelete="CASCADE"), index=True, nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_state: Mapped[Optional[str]] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str] = mapped_column(String(100), nullable=False, default="系统")
    role: Mapped[Optional[str]] = mapped_column(String(50))
    division_code: Mapped[Optional[str]] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


#: The three decisions on a checklist row (None = not decided yet).
MATERIAL_RECEIVED, MATERIAL_MISSING, MATERIAL_NOT_APPLICABLE = "received", "missing", "na"
MATERIAL_STATUS_LABELS = {MATERIAL_RECEIVED: "已收", MATERIAL_MISSING: "缺", MATERIAL_NOT_APPLICABLE: "不适用",
                          None: "未确认"}


class CaseMaterial(Model):
    """The materials checklist of a case: one row per catalog material, 已收 / 缺 / 不适用 or not decided.

    不适用 is only allowed on 情形必需 rows (a material required in some situations, e.g. the
    委托书 when a proxy applies); nothing is decided before the clerk decides it.
    """

    __tablename__ = "gk_case_material"
    __table_args__ = (UniqueConstraint("case_id", "material_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id", ondelete="CASCADE"), index=True, nullable=False)
    material_id: Mapped[int] = mapped_column(ForeignKey("gk_material.id"), nullable=False)
    #: received / missing / na, None while undecided.
    status: Mapped[Optional[str]] = mapped_column(String(10))
    note: Mapped[Optional[str]] = mapped_column(String(300))

    case: Mapped[Case] = relationship(back_populates="materials")
    material: Mapped[Material] = relationship(lazy="joined")

    @property
    def received(self) -> bool:
        return self.status == MATERIAL_RECEIVED

    @property
    def status_label(self) -> str:
        return MATERIAL_STATUS_LABELS.get(self.status, self.status or "未确认")


class CasePause(Model):
    """A paused interval of the deadline clock (补正 or 特别程序)."""

    __tablename__ = "gk_case_pause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id", ondelete="CASCADE"), index=True, nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)  # supplement/special
    start: Mapped[date] = mapped_column(Date, nullable=False)
    end: Mapped[Optional[date]] = mapped_column(Date)
    allowance_days: Mapped[Optional[int]] = mapped_column(Integer)

    case: Mapped[Case] = relationship(back_populates="pauses")


class Attachment(Model):
    """A scanned file of a case, stored under its content hash outside the web root."""

    __tablename__ = "gk_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("gk_case.id", ondelete="CASCADE"), index=True, nullable=False)
    material_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_material.id"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(50), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()


class CaseNumberSequence(Model):
    """Per accepting division and day counter behind readable case numbers."""

    __tablename__ = "gk_case_number_seq"

    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class OutboxMessage(Model):
    """Transactional outbox row for data exchange, written with the case change."""

    __tablename__ = "gk_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(50), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # idempotency key
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(Text)

    __table_args__ = (
        # Pending rows only: the drain query stays fast when millions have been sent.
        Index("ix_gk_outbox_pending", "id", postgresql_where=text("sent_at IS NULL"),
              sqlite_where=text("sent_at IS NULL")),
    )


#: The outcome of an inbound message (gk_inbound_message.status).
INBOUND_DONE, INBOUND_REJECTED = "已处理", "已拒绝"


class InboundMessage(Model):
    """One message taken from the provincial platform (govkit.cases.inbound), recorded by its idempotency key.

    A registration is recorded in the same transaction as the case it made, so a redelivered message
    finds its row and never makes a second case; a rejected message keeps the Chinese reason."""

    __tablename__ = "gk_inbound_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)  # the sender's idempotency key
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # registration / status_query / unknown
    status: Mapped[str] = mapped_column(String(10), nullable=False)  # 已处理 / 已拒绝
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("gk_case.id", ondelete="SET NULL"), index=True)
    error: Mapped[Optional[str]] = mapped_column(Text)
    received_at: Mapped[Optional[str]] = mapped_column(String(40))  # as the platform stated it
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    case: Mapped[Optional[Case]] = relationship()


class CalendarDay(Model):
    """A deployment's working-day override (a local closure, or a day of an entered year)."""

    __tablename__ = "gk_calendar_day"

    # A surrogate key so FAB's add form shows the date field (it hides primary keys).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    is_working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    #: Stored by entering a year's State Council schedule (replaced when the year is
    #: re-entered); False for a single day an admin set (a local closure), which stays.
    from_schedule: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CalendarYear(Model):
    """A year whose holiday schedule an admin entered (makes its deadlines final)."""

    __tablename__ = "gk_calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by: Mapped[Optional[str]] = mapped_column(String(100))


class WorkingDay(Model):
    """Materialised working-day calendar so SQL can count working days (工作日序号).

    ``ordinal`` is the number of working days from the first row up to and including
    ``day``; the working days after ``a`` up to ``b`` are ``ordinal(b) - ordinal(a)``,
    exactly :meth:`WorkingCalendar.working_days_between`. Filled from the app's
    calendar by :func:`govkit.cases.calendar_store.fill_working_days`.
    """

    __tablename__ = "gk_working_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

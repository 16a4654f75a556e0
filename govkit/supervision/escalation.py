"""Automatic escalation on the working-day calendar (自动升级督办). Plain Python, no Flask.

Run by ``govkit supervision escalate`` (cron, once a working day; idempotent), it escalates to the
supervisors one level up (township → county → city), as DIGIT's SLA escalation does:

* a **case** whose clock runs (:func:`govkit.cases.cards.running_clause`, the one list of states the cards,
  the home page and the 临期/超期 queue use) red (红牌, past its due date,
  :func:`govkit.cases.deadlines.deadline_status`) for at
  least ``ESCALATE_CASE_RED_DAYS`` working days (per item: ``ESCALATE_CASE_RED_DAYS_BY_ITEM``,
  basic code → days) gets an automatic 督办单 from the level above its first supervisors
  (a village or township case: the county);
* a **督办单** still 待回复 after its response deadline is marked 已升级 and re-issued one level
  above its issuer;
* a **complaint** not answered within ``COMPLAINT_HANDLING_DAYS`` working days
  (:func:`govkit.supervision.deadlines.complaint_due`) gets an automatic 督办单 from the level
  above its supervising unit;
* a **consultation** (网上咨询, :mod:`govkit.consult`) still 待答复 after its answer deadline (``due_date``,
  ``CONSULT_ANSWER_DAYS`` working days after the day it was asked) gets an automatic 督办单 from the level
  above the first supervisors of its implementing unit (a village's or township's question: the county).

Idempotent: a subject with an order already issued at that level, or an order already
escalated, is left alone, so running it twice a day changes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.cards import running_clause
from govkit.cases.deadlines import deadline_status
from govkit.cases.models import Case
from govkit.catalog.models import Implementation, ServiceItem
from govkit.consult.models import Question
from govkit.consult.services import OPEN as QUESTION_OPEN
from govkit.hierarchy.models import Division
from govkit.publicity.complaints import HANDLING, RECEIVED
from govkit.publicity.models import Complaint
from govkit.supervision import orders
from govkit.supervision.deadlines import complaint_due
from govkit.supervision.models import PENDING, SupervisionOrder

SYSTEM = orders.Actor("系统（自动升级）")


@dataclass
class EscalationReport:
    """What one run did: the new orders per reason, and subjects with no level above."""

    cases: list[SupervisionOrder] = field(default_factory=list)
    orders: list[SupervisionOrder] = field(default_factory=list)
    complaints: list[SupervisionOrder] = field(default_factory=list)
    questions: list[SupervisionOrder] = field(default_factory=list)
    at_top: int = 0

    @property
    def total(self) -> int:
        return len(self.cases) + len(self.orders) + len(self.complaints) + len(self.questions)


def red_days_threshold(settings: Mapping[str, Any], basic_code: str | None) -> int:
    """Working days a case may stay red before it escalates (per item when the county set one)."""
    per_item = settings.get("ESCALATE_CASE_RED_DAYS_BY_ITEM") or {}
    if basic_code and basic_code in per_item:
        return int(per_item[basic_code])
    return int(settings["ESCALATE_CASE_RED_DAYS"])


def _auto_order(session: Session, report: EscalationReport, into: list[SupervisionOrder], *, kind: str,
                subject_id: int, label: str, unit_code: str, first: Division, reason: str, calendar: WorkingCalendar,
                days: int, today: date) -> None:
    """An automatic order on the subject from the level above ``first``, appended to ``into`` (once per level)."""
    upper = orders.level_above(first)
    if upper is None:
        report.at_top += 1
    elif not orders.has_order_at(session, kind, subject_id, upper.code):
        into.append(orders.new_order(session, kind=kind, subject_id=subject_id, label=label, target=unit_code,
                                     issuer=upper, reason=f"自动升级至{upper.name}督办：{reason}", days=days,
                                     calendar=calendar, today=today, actor=SYSTEM, automatic=True))


def escalate_cases(session: Session, report: EscalationReport, *, calendar: WorkingCalendar,
                   settings: Mapping[str, Any], today: date, days: int, limit: int | None = None) -> None:
    rows = session.execute(
        select(Case, ServiceItem.basic_code)
        .join(Implementation, Implementation.id == Case.implementation_id)
        .join(ServiceItem, ServiceItem.id == Implementation.item_id)
        .where(running_clause(), Case.due_date.is_not(None), Case.due_date < today, Case.paused_since.is_(None))
        .order_by(Case.due_date, Case.id))
    for case, basic_code in rows:
        status = deadline_status(case, calendar, settings, today)
        threshold = red_days_threshold(settings, basic_code)
        if status.card != "red" or -(status.remaining or 0) < threshold:
            continue
        reason = (f"办件 {case.number} 已超过承诺办结日期 {status.due.isoformat()} 共 {-status.remaining} 个工作日"
                  f"（红牌满 {threshold} 个工作日即升级）。")
        _auto_order(session, report, report.cases, kind="case", subject_id=case.id, label=case.number,
                    unit_code=case.current_division_code, reason=reason, calendar=calendar, days=days, today=today,
                    first=orders.first_supervisor(session, case.current_division_code))
        if limit is not None and len(report.cases) >= limit:
            return


def escalate_orders(session: Session, report: EscalationReport, *, calendar: WorkingCalendar, today: date,
                    days: int) -> None:
    overdue = session.scalars(select(SupervisionOrder).where(SupervisionOrder.state == PENDING,
                                                             SupervisionOrder.due_date < today)
                              .order_by(SupervisionOrder.id))
    for order in list(overdue):
        if orders.level_above(orders.division_of(session, order.issuer_division_code)) is None:
            report.at_top += 1
            continue
        reason = f"督办单逾期未回复（回复期限 {order.due_date.isoformat()}）。"
        report.orders.append(orders.escalate(session, order, reason=reason, actor=SYSTEM, calendar=calendar,
                                             days=days, today=today, automatic=True))


def escalate_complaints(session: Session, report: EscalationReport, *, calendar: WorkingCalendar,
                        settings: Mapping[str, Any], today: date, days: int) -> None:
    limit = int(settings["COMPLAINT_HANDLING_DAYS"])
    for complaint in session.scalars(select(Complaint).where(Complaint.state.in_((RECEIVED, HANDLING)))
                                     .order_by(Complaint.id)):
        due = complaint_due(complaint, calendar, limit)
        if today <= due.due:
            continue
        reason = f"投诉 {complaint.number} 超过办理期限 {due.due.isoformat()}（{limit} 个工作日）仍未答复。"
        _auto_order(session, report, report.complaints, kind="complaint", subject_id=complaint.id,
                    label=complaint.number, unit_code=complaint.division_code, reason=reason, calendar=calendar,
                    days=days, today=today, first=orders.division_of(session, complaint.supervising_code))


def escalate_questions(session: Session, report: EscalationReport, *, calendar: WorkingCalendar, today: date,
                       days: int) -> None:
    """Questions (网上咨询) unanswered after their stored answer deadline (working days, set when asked)."""
    for question in session.scalars(select(Question).where(Question.state == QUESTION_OPEN,
                                                           Question.due_date < today).order_by(Question.id)):
        reason = (f"网上咨询 {question.number} 超过答复期限 {question.due_date.isoformat()}"
                  f"{'（暂定）' if question.due_provisional else ''}仍未答复。")
        _auto_order(session, report, report.questions, kind="question", subject_id=question.id,
                    label=question.number, unit_code=question.division_code, reason=reason, calendar=calendar,
                    days=days, today=today, first=orders.first_supervisor(session, question.division_code))


def run_escalation(session: Session, *, calendar: WorkingCalendar, settings: Mapping[str, Any],
                   today: date, case_limit: int | None = None) -> EscalationReport:
    """One escalation run (the caller commits). Overdue orders first, so a new order is not re-escalated.

    ``case_limit`` stops after that many new case orders (the demo keeps its queue short; the
    command escalates every case due).
    """
    report, days = EscalationReport(), int(settings["SUPERVISION_ORDER_DAYS"])
    escalate_orders(session, report, calendar=calendar, today=today, days=days)
    escalate_cases(session, report, calendar=calendar, settings=settings, today=today, days=days, limit=case_limit)
    escalate_complaints(session, report, calendar=calendar, settings=settings, today=today, days=days)
    escalate_questions(session, report, calendar=calendar, today=today, days=days)
    session.flush()
    return report

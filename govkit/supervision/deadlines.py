"""Deadlines of complaints, 差评 核实 → 整改 → 回访 and 督办单, as yellow/red cards. Plain Python, no Flask.

Where the rules set a limit, it is counted in working days on the app's calendar (the start
day is not counted, as for cases):

* 投诉 (complaint) handling: ``COMPLAINT_HANDLING_DAYS`` from the day it was filed, until answered;
* 差评 (好差评: 国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见, 国办发〔2019〕51号,
  “强化差评整改”: every 差评 is verified (核实), rectified (整改) and the result fed back to the rater
  (回访); 实名差评 回访整改率 100 %): 核实 within ``RATING_VERIFY_DAYS`` of the rating (done once the unit
  records its measures or appeals), 整改 by the rectification's own due date (``RECTIFICATION_DAYS``,
  set when the 差评 arrived), 回访 within ``CALLBACK_DAYS`` after the rectification was completed;
* 督办单: its response deadline.

A card is red past its deadline and yellow when at most ``YELLOW_CARD_DAYS`` working days remain,
the same rule and setting as the case cards.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import Deadline, WorkingCalendar
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date
from govkit.publicity.complaints import HANDLING, RECEIVED
from govkit.publicity.models import Callback, Complaint, Rating, Rectification
from govkit.supervision.models import PENDING, SupervisionOrder

STAGES = ("投诉办理", "差评核实", "差评整改", "整改回访", "督办回复")


@dataclass(frozen=True)
class DeadlineCard:
    """One open item with a yellow or red card (no personal data)."""

    stage: str  # one of STAGES
    label: str  # 投诉编号 / 整改任务 / 督办单
    division: str  # unit name
    due: date
    provisional: bool
    remaining: int  # working days left (negative: overdue)
    card: str  # yellow / red
    link: str  # path of the page that handles it


def complaint_due(complaint: Complaint, calendar: WorkingCalendar, days: int) -> Deadline:
    """Handling deadline of a complaint: ``days`` working days after the day it was filed."""
    return calendar.add_working_days(local_date(complaint.created_at), days)


def _card(calendar: WorkingCalendar, today: date, due: date, yellow_days: int) -> tuple[str, int]:
    remaining = calendar.working_days_between(today, due)
    if today > due:
        return "red", remaining
    return ("yellow" if remaining <= yellow_days else "green"), remaining


def deadline_cards(session: Session, scope: Scope, *, calendar: WorkingCalendar, settings: Mapping[str, Any],
                   today: date, limit: int = 1000) -> list[DeadlineCard]:
    """Yellow and red cards of complaints, 差评 stages and 督办单 in scope; red first, most overdue first."""
    yellow = int(settings["YELLOW_CARD_DAYS"])
    names = {code: name for code, name in session.execute(
        select(Division.code, Division.name).where(scope.clause(Division.code)))}
    cards: list[DeadlineCard] = []

    def add(stage: str, label: str, code: str, deadline: Deadline, link: str) -> None:
        card, remaining = _card(calendar, today, deadline.due, yellow)
        if card != "green":
            cards.append(DeadlineCard(stage, label, names.get(code, code), deadline.due, deadline.provisional,
                                      remaining, card, link))

    for complaint in session.scalars(select(Complaint).where(
            scope.clause(Complaint.supervising_code), Complaint.state.in_((RECEIVED, HANDLING)))
            .order_by(Complaint.created_at).limit(limit)):
        add("投诉办理", complaint.number, complaint.division_code,
            complaint_due(complaint, calendar, int(settings["COMPLAINT_HANDLING_DAYS"])),
            f"/admin/complaints/handle/{complaint.id}")
    for task, rated_at in session.execute(
            select(Rectification, Rating.created_at).join(Rating, Rating.id == Rectification.rating_id)
            .where(scope.clause(Rectification.division_code), Rectification.state == "待整改")
            .order_by(Rectification.due_date).limit(limit)):
        link = f"/admin/rectifications/handle/{task.id}"
        if not task.measures and not task.appealed_at:
            add("差评核实", f"整改任务 {task.id}", task.division_code,
                calendar.add_working_days(local_date(rated_at), int(settings["RATING_VERIFY_DAYS"])), link)
        add("差评整改", f"整改任务 {task.id}", task.division_code,
            Deadline(due=task.due_date, provisional=bool(task.due_provisional)), link)
    for callback, task in session.execute(
            select(Callback, Rectification).join(Rectification, Rectification.id == Callback.rectification_id)
            .where(scope.clause(Rectification.division_code), Callback.state == "待回访",
                   Rectification.completed_at.is_not(None)).limit(limit)):
        add("整改回访", f"整改任务 {task.id}", task.division_code,
            calendar.add_working_days(local_date(task.completed_at), int(settings["CALLBACK_DAYS"])),
            f"/admin/rectifications/handle/{task.id}")
    for order in session.scalars(select(SupervisionOrder).where(
            scope.clause(SupervisionOrder.target_division_code), SupervisionOrder.state == PENDING)
            .order_by(SupervisionOrder.due_date).limit(limit)):
        add("督办回复", f"督办单 {order.id}", order.target_division_code,
            Deadline(due=order.due_date, provisional=order.due_provisional), f"/supervision/orders/{order.id}")
    cards.sort(key=lambda c: (c.card != "red", c.remaining, c.stage))
    return cards

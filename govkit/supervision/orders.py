"""督办 (supervision orders): issue, respond, close, escalate. Plain Python, no Flask.

A supervisor (监察) issues a 督办单 on a case, a complaint, a consultation, a rectification or a unit in their
subtree, with a reason and a response deadline in working days (the app's working calendar);
the unit's staff see it in their queue and respond; the issuing supervisors close it, or escalate
it to the supervisors one level up (township → county → city), which issues a new order there and
marks the old one 已升级. Every step is a :class:`~govkit.supervision.models.SupervisionEvent`;
the order rows are in the audit trail. The caller commits.

Levels: a village or township unit is supervised first by its township (乡镇监察), a county
department by the county; "one level up" is the parent division of the issuing one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.models import Case
from govkit.consult.models import Question
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date
from govkit.orm import utcnow
from govkit.publicity.models import Complaint, Rectification
from govkit.supervision.models import (ANSWERED, CLOSED, ESCALATED, PENDING, SUBJECT_KINDS, SupervisionEvent,
                                       SupervisionOrder)

SUPERVISOR_ROLE = "监察"
#: Roles of a unit's staff who answer a 督办单.
UNIT_ROLES = ("办理员", "受理员", "指挥中心", "机关负责人", "代办员")
MAX_TEXT = 2000
MAX_DAYS = 60
TOWNSHIP = 4


@dataclass(frozen=True)
class Actor:
    """Who acts (name as shown, FAB user id)."""

    name: str
    user_id: int | None = None


def division_of(session: Session, code: str | None) -> Division:
    division = session.scalar(select(Division).where(Division.code == code)) if code else None
    if division is None:
        raise ValidationError(f"区划 {code or '（空）'} 不存在，请核对督办对象。")
    return division


def first_supervisor(session: Session, code: str) -> Division:
    """The division whose supervisors watch unit ``code`` first: a village's township, else the unit itself."""
    division = division_of(session, code)
    while division.level > TOWNSHIP and division.parent is not None:
        division = division.parent
    return division


def level_above(division: Division) -> Division | None:
    """The supervising division one level up (the parent), or None at the top of the stored tree."""
    return division.parent


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"请填写{what}。")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what}最多 {MAX_TEXT} 字，请精简后再提交。")
    return text


def _days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError("回复期限须为工作日天数（1 至 60 的整数）。") from None
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"回复期限须在 1 至 {MAX_DAYS} 个工作日之间（收到 {days}）。")
    return days


def resolve_subject(session: Session, kind: str, ref: str) -> tuple[int | None, str, str]:
    """``(subject_id, label, target division code)`` of a subject named by its number (or unit code)."""
    ref = (ref or "").strip()
    if kind not in SUBJECT_KINDS:
        raise ValidationError("督办对象须为：" + "、".join(SUBJECT_KINDS.values()) + "。")
    if not ref:
        raise ValidationError(f"请填写{SUBJECT_KINDS[kind]}" + ("的区划代码。" if kind == "unit" else "编号。"))
    if kind == "case":
        case = session.scalar(select(Case).where(Case.number == ref))
        if case is None:
            raise ValidationError(f"办件 {ref} 不存在，请核对办件编号。")
        return case.id, case.number, case.current_division_code
    if kind == "complaint":
        complaint = session.scalar(select(Complaint).where(Complaint.number == ref))
        if complaint is None:
            raise ValidationError(f"投诉 {ref} 不存在，请核对投诉编号。")
        return complaint.id, complaint.number, complaint.division_code
    if kind == "question":
        question = session.scalar(select(Question).where(Question.number == ref.upper()[:32]))
        if question is None:
            raise ValidationError(f"网上咨询 {ref} 不存在，请核对咨询编号。")
        return question.id, question.number, question.division_code
    if kind == "rectification":
        task = session.get(Rectification, int(ref)) if ref.isdigit() and len(ref) <= 18 else None
        if task is None:
            raise ValidationError(f"差评整改任务 {ref} 不存在，请填写整改任务的序号。")
        return task.id, f"差评整改任务 {task.id}", task.division_code
    division = division_of(session, ref)
    return None, division.name, division.code


def record(session: Session, order: SupervisionOrder, action: str, from_state: str | None, actor: Actor,
           comment: str | None = None) -> SupervisionEvent:
    event = SupervisionEvent(order=order, action=action, from_state=from_state, to_state=order.state,
                             actor_id=actor.user_id, actor_name=(actor.name or "系统")[:100], comment=comment,
                             at=utcnow())
    session.add(event)
    return event


def new_order(session: Session, *, kind: str, subject_id: int | None, label: str, target: str, issuer: Division,
               reason: str, days: int, calendar: WorkingCalendar, today: date, actor: Actor, automatic: bool,
               escalated_from: SupervisionOrder | None = None) -> SupervisionOrder:
    deadline = calendar.add_working_days(today, days)
    order = SupervisionOrder(
        subject_kind=kind, subject_id=subject_id, subject_label=label[:200], target_division_code=target,
        issuer_division_code=issuer.code, issuer_level=issuer.level, reason=reason, response_days=days,
        due_date=deadline.due, due_provisional=deadline.provisional, state=PENDING, automatic=automatic,
        escalated_from_id=escalated_from.id if escalated_from is not None else None,
        created_by=(actor.name or "系统")[:100], created_by_id=actor.user_id, created_at=utcnow())
    session.add(order)
    record(session, order, "auto_escalate" if automatic else ("escalate" if escalated_from else "issue"), None,
           actor, reason)
    session.flush()
    return order


def issue_order(session: Session, scope: Scope, *, kind: str, ref: str, reason: str, days: Any,
                calendar: WorkingCalendar, actor: Actor, today: date | None = None) -> SupervisionOrder:
    """Issue a 督办单 on a subject in the supervisor's subtree (role 监察; out of scope → 404)."""
    if not scope.has_role(SUPERVISOR_ROLE):
        raise PermissionDenied("只有监察人员可以发出督办单。")
    subject_id, label, target = resolve_subject(session, kind, ref)
    scope.check(target)
    reason, days = _text(reason, "督办事由"), _days(days)
    issuer = division_of(session, scope.division_code) if scope.division_code else first_supervisor(session, target)
    return new_order(session, kind=kind, subject_id=subject_id, label=label, target=target, issuer=issuer,
                      reason=reason, days=days, calendar=calendar, today=today or local_date(), actor=actor,
                      automatic=False)


def can_answer(scope: Scope, order: SupervisionOrder) -> bool:
    """The unit's staff (or an admin) in scope of the order's unit."""
    return scope.has_role(*UNIT_ROLES) and scope.covers(order.target_division_code)


def can_decide(scope: Scope, order: SupervisionOrder) -> bool:
    """Supervisors of the issuing division or above (a township cannot decide a county's order)."""
    return scope.has_role(SUPERVISOR_ROLE) and scope.covers(order.issuer_division_code)


def respond(session: Session, scope: Scope, order: SupervisionOrder, *, text: str, actor: Actor) -> None:
    """The unit answers (待回复 → 已回复)."""
    if not can_answer(scope, order):
        raise PermissionDenied("只有被督办单位的工作人员可以回复督办单。")
    if order.state != PENDING:
        raise InvalidTransition(f"督办单当前状态为“{order.state}”，不能再回复。")
    order.response, order.responded_by, order.responded_at = _text(text, "回复内容"), actor.name[:100], utcnow()
    order.state = ANSWERED
    record(session, order, "respond", PENDING, actor, order.response)


def close(session: Session, scope: Scope, order: SupervisionOrder, *, comment: str, actor: Actor) -> None:
    """The issuing supervisors accept the answer and close the order (已回复 → 已办结)."""
    if not can_decide(scope, order):
        raise PermissionDenied("只有发出督办的监察人员或上级监察人员可以办结督办单。")
    if order.state != ANSWERED:
        raise InvalidTransition(f"督办单当前状态为“{order.state}”，被督办单位回复后才能办结。")
    order.closing_comment, order.closed_by, order.closed_at = (comment or "").strip()[:MAX_TEXT] or None, \
        actor.name[:100], utcnow()
    order.state = CLOSED
    record(session, order, "close", ANSWERED, actor, order.closing_comment)


def escalate(session: Session, order: SupervisionOrder, *, reason: str, actor: Actor, calendar: WorkingCalendar,
             days: int, today: date, automatic: bool = False, scope: Scope | None = None) -> SupervisionOrder:
    """Escalate to the supervisors one level up: a new order there, this one 已升级.

    ``scope`` is the deciding supervisor's (None for the automatic escalation command).
    """
    if scope is not None and not can_decide(scope, order):
        raise PermissionDenied("只有发出督办的监察人员或上级监察人员可以升级督办。")
    if order.state not in (PENDING, ANSWERED):
        raise InvalidTransition(f"督办单当前状态为“{order.state}”，不能升级。")
    upper = level_above(division_of(session, order.issuer_division_code))
    if upper is None:
        raise ValidationError("发出督办的单位已是最高一级，无法再向上升级。")
    reason = _text(reason, "升级理由")
    before, order.state = order.state, ESCALATED
    record(session, order, "auto_escalate" if automatic else "escalate", before, actor,
           f"升级至{upper.name}：{reason}")
    return new_order(session, kind=order.subject_kind, subject_id=order.subject_id, label=order.subject_label,
                      target=order.target_division_code, issuer=upper, days=days, calendar=calendar, today=today,
                      actor=actor, automatic=automatic, escalated_from=order,
                      reason=f"（由{division_of(session, order.issuer_division_code).name}督办单 {order.id} 升级）"
                             f"{reason}\n原督办事由：{order.reason}")


def order_in_scope(session: Session, scope: Scope, order_id: int) -> SupervisionOrder:
    """One order the user may see (unit side or supervisor side); otherwise 404."""
    order = session.get(SupervisionOrder, order_id)
    if order is None or not (scope.covers(order.target_division_code) or scope.covers(order.issuer_division_code)):
        raise OutOfScope("督办单不存在或不在您的管辖范围内。")
    return order


def supervisor_queue(session: Session, scope: Scope, *, states: tuple[str, ...] = (), limit: int = 500):
    """Orders issued by divisions in the supervisor's subtree, newest first (escalated-to-us ones included)."""
    query = select(SupervisionOrder).where(scope.clause(SupervisionOrder.issuer_division_code))
    if states:
        query = query.where(SupervisionOrder.state.in_(states))
    return list(session.scalars(query.order_by(SupervisionOrder.id.desc()).limit(limit)))


def unit_queue(session: Session, scope: Scope, *, open_only: bool = True, limit: int = 500):
    """Orders addressed to units in the user's subtree; open ones first by deadline."""
    query = select(SupervisionOrder).where(scope.clause(SupervisionOrder.target_division_code))
    if open_only:
        query = query.where(SupervisionOrder.state == PENDING)
    return list(session.scalars(query.order_by(SupervisionOrder.due_date, SupervisionOrder.id).limit(limit)))


def chain(session: Session, order: SupervisionOrder) -> list[SupervisionOrder]:
    """The escalation chain the order belongs to, from the first order to the last escalation."""
    first = order
    while first.escalated_from_id is not None:
        first = session.get(SupervisionOrder, first.escalated_from_id)
    result = [first]
    while True:
        following = session.scalar(select(SupervisionOrder).where(SupervisionOrder.escalated_from_id == result[-1].id))
        if following is None:
            return result
        result.append(following)


def orders_about(session: Session, kind: str, subject_id: int) -> list[SupervisionOrder]:
    return list(session.scalars(select(SupervisionOrder).where(
        SupervisionOrder.subject_kind == kind, SupervisionOrder.subject_id == subject_id)
        .order_by(SupervisionOrder.id)))


def has_order_at(session: Session, kind: str, subject_id: int, issuer_code: str) -> bool:
    """True when the subject already has an order issued at ``issuer_code`` (escalation stays idempotent)."""
    return session.scalar(select(SupervisionOrder.id).where(
        SupervisionOrder.subject_kind == kind, SupervisionOrder.subject_id == subject_id,
        SupervisionOrder.issuer_division_code == issuer_code).limit(1)) is not None

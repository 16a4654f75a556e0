"""Home-visit appointments (预约上门) for elderly or disabled applicants. Plain Python.

Request (待安排) → schedule an agent for a date (已安排) → record the visit and
link the case registered there (已上门); or cancel (已取消) with a reason.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.idnumber import mask_phone
from govkit.cases.models import Case
from govkit.orm import utcnow
from govkit.desk.attachments import case_in_scope
from govkit.desk.models import VISIT_REASONS, HomeVisit, VisitStatus
from govkit.errors import InvalidTransition, OutOfScope, ValidationError
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import Scope


def get_visit(session: Session, scope: Scope, visit_id: int) -> HomeVisit:
    visit = session.get(HomeVisit, visit_id)
    if visit is None or not scope.covers(visit.division_code):
        raise OutOfScope("预约记录不存在或不在您的管辖范围内。")
    return visit


def request_visit(
    session: Session,
    scope: Scope,
    *,
    division_code: str,
    applicant_name: str,
    address: str,
    reason: str,
    user_id: int | None,
    applicant_phone: str | None = None,
    item_id: int | None = None,
    preferred_date: date | None = None,
    note: str | None = None,
    today: date,
) -> HomeVisit:
    """Record a request for a home visit in a division of the user's scope."""
    scope.check(division_code)
    if not (applicant_name or "").strip():
        raise ValidationError("请填写申请人姓名。")
    if not (address or "").strip():
        raise ValidationError("请填写上门地址（村组、门牌号）。")
    if reason not in VISIT_REASONS:
        raise ValidationError("请选择上门原因：" + "、".join(VISIT_REASONS) + "。")
    if preferred_date and preferred_date < today:
        raise ValidationError("希望上门的日期不能早于今天。")
    visit = HomeVisit(
        division_code=division_code, applicant_name=applicant_name.strip(), address=address.strip(),
        reason=reason, applicant_phone=(applicant_phone or "").strip() or None, item_id=item_id,
        preferred_date=preferred_date, request_note=note, requested_by_id=user_id,
    )
    session.add(visit)
    session.flush()
    return visit


def agents_for(session: Session, scope: Scope, division_code: str) -> list[Staff]:
    """Staff on duty who may go: 代办员/受理员 of the division or its ancestors within scope."""
    rows = session.scalars(
        select(Staff).join(Division, Staff.division_id == Division.id)
        .where(Staff.on_duty.is_(True), Staff.duty.in_(("代办员", "受理员")), scope.clause(Division.code))
        .order_by(Staff.name)
    )
    return [s for s in rows if division_code.startswith(s.division.prefix)]


def schedule(
    session: Session, scope: Scope, visit: HomeVisit, *, agent: Staff, on: date, slot: str | None, today: date
) -> HomeVisit:
    """Assign an agent and a date (待安排/已安排 → 已安排; rescheduling allowed)."""
    if visit.status not in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED):
        raise InvalidTransition(f"预约已“{visit.status}”，不能再安排。")
    if agent not in agents_for(session, scope, visit.division_code):
        raise ValidationError("所选人员不是该村（社区）或上级的在岗代办员/受理员，请重新选择。")
    if on < today:
        raise ValidationError("上门日期不能早于今天。")
    visit.agent_user_id, visit.agent_name = agent.user_id, agent.name
    visit.scheduled_date, visit.scheduled_slot = on, (slot or "").strip() or None
    visit.status = VisitStatus.SCHEDULED
    session.flush()
    return visit


def record_visit(
    session: Session, scope: Scope, visit: HomeVisit, *, outcome: str, case_id: int | None = None
) -> HomeVisit:
    """Record that the visit took place, what was done, and the case registered there."""
    if visit.status != VisitStatus.SCHEDULED:
        raise InvalidTransition(f"预约状态为“{visit.status}”，请先安排上门人员和日期。")
    if not (outcome or "").strip():
        raise ValidationError("请填写上门办理情况。")
    if case_id is not None:
        link_case(session, scope, visit, case_id)
    visit.outcome, visit.visited_at, visit.status = outcome.strip(), utcnow(), VisitStatus.DONE
    session.flush()
    return visit


def link_case(session: Session, scope: Scope, visit: HomeVisit, case_id: int) -> None:
    """Link the case registered during (or after) the visit."""
    case = session.get(Case, case_id)
    if case is None or not case_in_scope(scope, case):
        raise OutOfScope("办件不存在或不在您的管辖范围内。")
    visit.case_id = case.id


def cancel(session: Session, visit: HomeVisit, *, reason: str) -> HomeVisit:
    if visit.status in (VisitStatus.DONE, VisitStatus.CANCELLED):
        raise InvalidTransition(f"预约已“{visit.status}”，不能取消。")
    if not (reason or "").strip():
        raise ValidationError("请填写取消原因。")
    visit.status, visit.cancel_reason = VisitStatus.CANCELLED, reason.strip()
    session.flush()
    return visit


def list_visits(session: Session, scope: Scope, status: str | None = None, limit: int = 200) -> list[HomeVisit]:
    query = select(HomeVisit).where(scope.clause(HomeVisit.division_code))
    if status:
        query = query.where(HomeVisit.status == status)
    return list(session.scalars(query.order_by(HomeVisit.scheduled_date.is_(None), HomeVisit.scheduled_date,
                                                HomeVisit.id.desc()).limit(limit)))


def masked_phone(visit: HomeVisit) -> str:
    return mask_phone(visit.applicant_phone) if visit.applicant_phone else ""

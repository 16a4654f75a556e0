"""首问负责 and 过错责任追究 (accountability records). Plain Python, no Flask.

Seed 003 asks every service centre for “服务承诺、首问负责、政务公开、一次告知、限期办结、全程免费、绩效考核、
过错责任追究等一整套办事、考核制度”.

* **首问负责** (first-contact responsibility): the staff member who first received a case is the
  actor of its first event (``gk_case_event`` is append-only, so the record cannot change);
  :func:`first_receiver` reads it for any screen that shows it.
* **过错责任追究**: a supervisor (监察) records a fault found on a case, a complaint or a 督办单 in
  their subtree, the staff member responsible (a staff record of the unit) and the decision
  (:data:`~govkit.supervision.models.DECISIONS`); the staff member may appeal once with a reason;
  another supervisor in scope (never the one who decided) upholds or revokes it. The rows are
  audited (every change in the audit trail). The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, CaseEvent
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import Scope
from govkit.orm import utcnow
from govkit.publicity.models import Complaint
from govkit.supervision.models import (APPEALING, DECIDED, DECISIONS, REVOKED, UPHELD, AccountabilityFinding,
                                       SupervisionOrder)
from govkit.supervision.orders import SUPERVISOR_ROLE, Actor

SUBJECTS = {"case": "办件", "complaint": "投诉", "order": "督办单"}
MAX_TEXT = 2000


@dataclass(frozen=True)
class FirstReceiver:
    """首问负责人 of a case: who registered it, where and when."""

    name: str
    division: str
    at: datetime


def first_receiver(session: Session, case_id: int) -> FirstReceiver | None:
    row = session.execute(
        select(CaseEvent.actor_name, Division.name, CaseEvent.at)
        .outerjoin(Division, Division.code == CaseEvent.division_code)
        .where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id).limit(1)).first()
    return None if row is None else FirstReceiver(row[0], row[1] or "", row[2])


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(f"请填写{what}。")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what}最多 {MAX_TEXT} 字，请精简后再提交。")
    return text


def _subject(session: Session, kind: str, ref: str) -> tuple[int, str]:
    ref = (ref or "").strip()
    if kind == "case":
        case = session.scalar(select(Case).where(Case.number == ref))
        if case is not None:
            return case.id, f"办件 {case.number}"
    elif kind == "complaint":
        complaint = session.scalar(select(Complaint).where(Complaint.number == ref))
        if complaint is not None:
            return complaint.id, f"投诉 {complaint.number}"
    elif kind == "order":
        order = session.get(SupervisionOrder, int(ref)) if ref.isdigit() and len(ref) <= 18 else None
        if order is not None:
            return order.id, f"督办单 {order.id}"
    else:
        raise ValidationError("追究事由须关联：" + "、".join(SUBJECTS.values()) + "。")
    raise ValidationError(f"{SUBJECTS[kind]} {ref or '（空）'} 不存在，请核对编号。")


def record_finding(session: Session, scope: Scope, *, kind: str, ref: str, staff_id: int | str, fault: str,
                   decision: str, actor: Actor) -> AccountabilityFinding:
    """A supervisor records a fault, the responsible staff member (in scope) and the decision."""
    if not scope.has_role(SUPERVISOR_ROLE):
        raise PermissionDenied("只有监察人员可以登记过错责任追究。")
    subject_id, label = _subject(session, kind, ref)
    staff = session.get(Staff, int(staff_id)) if str(staff_id).isdigit() and len(str(staff_id)) <= 18 else None
    if staff is None:
        raise ValidationError("请选择责任人（本辖区的工作人员）。")
    code = session.scalar(select(Division.code).where(Division.id == staff.division_id))
    scope.check(code)
    if decision not in DECISIONS:
        raise ValidationError("处理决定须为：" + "、".join(DECISIONS) + "。")
    finding = AccountabilityFinding(
        division_code=code, subject_kind=kind, subject_id=subject_id, subject_label=label, staff_id=staff.id,
        staff_name=staff.name[:100], fault=_text(fault, "过错事实"), decision=decision, state=DECIDED,
        decided_by=actor.name[:100], decided_by_id=actor.user_id, decided_at=utcnow())
    session.add(finding)
    session.flush()
    return finding


def appeal(session: Session, finding: AccountabilityFinding, *, reason: str, actor: Actor) -> None:
    """The responsible staff member appeals once (已决定 → 申诉中)."""
    staff = session.get(Staff, finding.staff_id)
    if staff is None or actor.user_id is None or staff.user_id != actor.user_id:
        raise PermissionDenied("只有被追究的工作人员本人可以申诉。")
    if finding.state != DECIDED:
        raise InvalidTransition(f"当前状态为“{finding.state}”，不能申诉（每项决定只能申诉一次）。")
    finding.appeal_reason, finding.appealed_at, finding.state = _text(reason, "申诉理由"), utcnow(), APPEALING


def decide_appeal(session: Session, scope: Scope, finding: AccountabilityFinding, *, uphold: bool, comment: str,
                  actor: Actor) -> None:
    """Another supervisor in scope upholds or revokes the decision (申诉中 → 维持原决定 / 已撤销)."""
    if not scope.has_role(SUPERVISOR_ROLE) or not scope.covers(finding.division_code):
        raise PermissionDenied("只有监察人员可以复核申诉。")
    if actor.user_id is not None and actor.user_id == finding.decided_by_id:
        raise PermissionDenied("作出原决定的人员不能复核本人决定的申诉，请由其他监察人员复核。")
    if finding.state != APPEALING:
        raise InvalidTransition(f"当前状态为“{finding.state}”，没有待复核的申诉。")
    finding.appeal_comment = _text(comment, "复核意见")
    finding.appeal_decided_by, finding.appeal_decided_at = actor.name[:100], utcnow()
    finding.state = UPHELD if uphold else REVOKED


def finding_in_scope(session: Session, scope: Scope, finding_id: int, user_id: int | None = None
                     ) -> AccountabilityFinding:
    """One finding the user may see: in their subtree, or their own; otherwise 404."""
    finding = session.get(AccountabilityFinding, finding_id)
    own = finding is not None and user_id is not None and session.scalar(
        select(Staff.user_id).where(Staff.id == finding.staff_id)) == user_id
    if finding is None or not (own or (scope.has_role(SUPERVISOR_ROLE) and scope.covers(finding.division_code))):
        raise OutOfScope("记录不存在或不在您的管辖范围内。")
    return finding


def findings(session: Session, scope: Scope, *, user_id: int | None = None, limit: int = 500):
    """Findings in the supervisor's subtree; for other roles only their own."""
    query = select(AccountabilityFinding)
    if scope.has_role(SUPERVISOR_ROLE):
        query = query.where(scope.clause(AccountabilityFinding.division_code))
    else:
        query = query.join(Staff, Staff.id == AccountabilityFinding.staff_id).where(Staff.user_id == user_id)
    return list(session.scalars(query.order_by(AccountabilityFinding.id.desc()).limit(limit)))


def staff_choices(session: Session, scope: Scope, limit: int = 1000) -> list[tuple[int, str]]:
    """(staff id, "name（unit）") of the staff in scope, for the form."""
    rows = session.execute(select(Staff.id, Staff.name, Division.name).join(Division, Division.id == Staff.division_id)
                           .where(scope.clause(Division.code)).order_by(Division.code, Staff.name).limit(limit))
    return [(sid, f"{name}（{unit}）") for sid, name, unit in rows]

"""好差评: one rating per completed case; every 差评 opens a rectification (整改) task with a
working-day deadline and a callback (回访) record; the unit may appeal (申诉), a supervisor decides.

Plain Python: no Flask imports. The working calendar is passed in.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.models import Case
from govkit.orm import utcnow
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date
from govkit.publicity.models import Callback, Rating, Rectification

#: The five levels of the national 好差评 rules, best first, with their scores.
LEVELS: tuple[tuple[str, int], ...] = (
    ("非常满意", 5), ("满意", 4), ("基本满意", 3), ("不满意", 2), ("非常不满意", 1),
)
LEVEL_SCORES = dict(LEVELS)
#: Default rating dimensions (评价维度); a county changes them with the RATING_DIMENSIONS setting.
DEFAULT_DIMENSIONS: tuple[str, ...] = ("办事效率", "服务态度", "办事便利", "政务公开")
#: Case states after which the applicant may rate (办结/送达).
RATEABLE_STATES = frozenset({"completed", "delivered"})

OPEN, APPEALING, DONE, APPEAL_UPHELD = "待整改", "申诉中", "已整改", "申诉成立"
UNIT_ROLES = ("办理员", "受理员", "指挥中心", "代办员")
SUPERVISOR_ROLE = "监察"
MAX_COMMENT = 500


def is_rateable(case: Case) -> bool:
    """True when the case is completed or delivered (办结后方可评价)."""
    return case.state in RATEABLE_STATES or case.completed_date is not None


def submit_rating(session: Session, case: Case, *, level: str, dimensions: Mapping[str, str] | None = None,
                  comment: str | None = None, calendar: WorkingCalendar, rectification_days: int,
                  allowed_dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS, today: date | None = None,
                  channel: str = "网上评价") -> Rating:
    """Record the one rating of ``case``; a 差评 also opens a rectification and a callback."""
    if level not in LEVEL_SCORES:
        raise ValidationError("请选择评价等级：" + "、".join(name for name, _ in LEVELS) + "。")
    if not is_rateable(case):
        raise ValidationError("办件办结后才能评价，请在办结后再来。")
    if session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None:
        raise ValidationError("该办件已经评价过了，每个办件只能评价一次。")
    scores: dict[str, int] = {}
    for name, value in (dimensions or {}).items():
        if not value:
            continue
        if name not in allowed_dimensions or value not in LEVEL_SCORES:
            raise ValidationError(f"评价维度“{name}”的取值无效，请重新选择。")
        scores[name] = LEVEL_SCORES[value]
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise ValidationError(f"评价意见最多 {MAX_COMMENT} 字，请精简后再提交。")
    implementation = case.implementation
    rating = Rating(case_id=case.id, division_code=case.implementing_division_code,
                    department_id=case.current_department_id or getattr(implementation, "department_id", None),
                    item_id=getattr(implementation, "item_id", None), level=level, score=LEVEL_SCORES[level],
                    dimensions=scores, comment=comment, channel=channel)
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError as exc:  # a concurrent second rating of the same case
        raise ValidationError("该办件已经评价过了，每个办件只能评价一次。") from exc
    if rating.is_negative:
        open_rectification(session, rating, calendar=calendar, days=rectification_days, today=today)
    return rating


def open_rectification(session: Session, rating: Rating, *, calendar: WorkingCalendar, days: int,
                       today: date | None = None) -> Rectification:
    """Open the rectification task and a pending callback for a 差评."""
    deadline = calendar.add_working_days(today or local_date(), days)
    task = Rectification(rating=rating, division_code=rating.division_code, department_id=rating.department_id,
                         state=OPEN, due_date=deadline.due, due_provisional=deadline.provisional)
    session.add(task)
    session.add(Callback(rectification=task, state="待回访"))
    session.flush()
    return task


def _check_unit(scope: Scope, task: Rectification) -> None:
    scope.check(task.division_code)
    if not scope.has_role(*UNIT_ROLES, SUPERVISOR_ROLE):
        raise PermissionDenied("只有办理单位的工作人员可以处理整改任务。")


def complete(session: Session, scope: Scope, task: Rectification, *, measures: str, actor: str) -> Rectification:
    """The unit reports its rectification measures (待整改 → 已整改)."""
    _check_unit(scope, task)
    if task.state != OPEN:
        raise InvalidTransition(f"整改任务当前为“{task.state}”，只有“待整改”的任务可以提交整改结果。")
    if not (measures or "").strip():
        raise ValidationError("请填写整改措施。")
    task.state, task.measures, task.completed_at, task.completed_by = DONE, measures.strip(), utcnow(), actor
    session.flush()
    return task


def appeal(session: Session, scope: Scope, task: Rectification, *, reason: str) -> Rectification:
    """The unit appeals the 差评 (待整改 → 申诉中); one appeal per task."""
    _check_unit(scope, task)
    if task.state != OPEN or task.appealed_at is not None:
        raise InvalidTransition("只有尚未申诉过的“待整改”任务可以申诉。")
    if not (reason or "").strip():
        raise ValidationError("请写明申诉理由（如恶意差评、非本单位原因），并附说明。")
    task.state, task.appeal_reason, task.appealed_at = APPEALING, reason.strip(), utcnow()
    session.flush()
    return task


def decide_appeal(session: Session, scope: Scope, task: Rectification, *, upheld: bool, comment: str,
                  actor: str) -> Rectification:
    """A supervisor (监察) decides an appeal: upheld closes the task, rejected reopens it."""
    scope.check(task.division_code)
    if not scope.has_role(SUPERVISOR_ROLE):
        raise PermissionDenied("只有监察人员可以裁定申诉。")
    if task.state != APPEALING:
        raise InvalidTransition(f"整改任务当前为“{task.state}”，没有待裁定的申诉。")
    if not (comment or "").strip():
        raise ValidationError("请填写裁定意见。")
    task.appeal_decision = "申诉成立" if upheld else "申诉驳回"
    task.appeal_comment, task.appeal_decided_by, task.appeal_decided_at = comment.strip(), actor, utcnow()
    task.state = APPEAL_UPHELD if upheld else OPEN
    session.flush()
    return task


def record_callback(session: Session, scope: Scope, callback: Callback, *, channel: str, result: str,
                    note: str | None, actor: str) -> Callback:
    """Record the callback (回访) to the applicant."""
    _check_unit(scope, callback.rectification)
    if callback.state == "已回访":
        raise InvalidTransition("该回访已经记录。")
    if result not in ("满意", "基本满意", "不满意"):
        raise ValidationError("请选择回访结果：满意、基本满意或不满意。")
    callback.state, callback.channel, callback.result = "已回访", channel or "电话", result
    callback.note, callback.done_by, callback.done_at = (note or "").strip() or None, actor, utcnow()
    session.flush()
    return callback


def is_overdue(task: Rectification, today: date | None = None) -> bool:
    """An open rectification past its deadline."""
    return task.state == OPEN and task.due_date < (today or local_date())

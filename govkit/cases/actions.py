"""The built-in workflow actions (DESIGN §2.3) with their guards and effects.

Clock conventions (see docs/cases.md): a pause requested on day S stops the clock from
S+1; resuming on day R closes the pause at R (R counts as "start day", not counted), so
the paused interval is ``(S+1, R)``. Deadlines only ever move later: pauses and
extensions push the due date, nothing pulls it forward.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from govkit.cases import states as S
from govkit.cases.models import CasePause
from govkit.cases.workflow import ANY_ACTIVE, ActionContext, WorkflowAction
from govkit.catalog.models import SpecialProcedure
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.codes import parent_code
from govkit.hierarchy.models import Department, Division, Staff

INTAKE, AGENT, HANDLER, DISPATCH = "受理员", "代办员", "办理员", "指挥中心"
APPEAL_RIGHTS = ("申请人如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
                 "或者在六个月内依法向人民法院提起行政诉讼。")
DELIVERY_METHODS = ("窗口领取", "代办员送达", "邮寄送达", "电子送达")
ONE_DAY = timedelta(days=1)


# -- routing: the path from the accepting division up to the implementing one --------------


def route(accepting: str, implementing: str) -> list[str]:
    """Division codes a case passes through: accepting, its ancestors …, implementing."""
    path = [accepting]
    code = accepting
    while code != implementing:
        code = parent_code(code)
        if code is None:  # implementing is not an ancestor: hand over directly
            return [accepting, implementing]
        path.append(code)
    return path


def _existing(ctx: ActionContext, codes: list[str]) -> dict[str, Division]:
    rows = ctx.session.scalars(select(Division).where(Division.code.in_(codes)))
    return {d.code: d for d in rows}


def _move(ctx: ActionContext, step: int) -> None:
    """Move the case one existing division up (+1) or down (-1) its route."""
    case = ctx.case
    path = route(case.accepting_division_code, case.implementing_division_code)
    position = path.index(case.current_division_code) if case.current_division_code in path else 0
    candidates = path[position + 1:] if step > 0 else list(reversed(path[:position]))
    existing = _existing(ctx, candidates)
    target = next((existing[c] for c in candidates if c in existing), None)
    if target is None:
        raise ValidationError("找不到上一级/下一级办理单位的区划记录，请管理员先导入区划。")
    ctx.data.update(from_division=case.current_division_code, to_division=target.code)
    case.current_division_id = target.id
    case.current_division_code = target.code
    case.current_department_id = None
    case.handler_id = None


# -- guards ------------------------------------------------------------------------------


def _not_at_implementing(ctx: ActionContext) -> None:
    if ctx.case.current_division_code == ctx.case.implementing_division_code:
        raise InvalidTransition("办件已在实施机关，无需再上报，请签收后分派。")


def _at_implementing(ctx: ActionContext) -> None:
    if ctx.case.current_division_code != ctx.case.implementing_division_code:
        raise InvalidTransition("办件尚未到达实施机关，请先上报。")


def _not_at_accepting(ctx: ActionContext) -> None:
    if ctx.case.current_division_code == ctx.case.accepting_division_code:
        raise InvalidTransition("办件已在受理单位，无法再退回下一级；可由申请人撤回或继续办理。")


def _first_supplement(ctx: ActionContext) -> None:
    case = ctx.case
    if "pauses" in case.__dict__:  # loaded (or just appended to): look at the list
        asked = any(p.reason == "supplement" for p in case.pauses)
    else:  # one EXISTS instead of loading every pause (this guard runs for every button list)
        asked = ctx.session.scalar(select(exists().where(
            CasePause.case_id == case.id, CasePause.reason == "supplement")))
    if asked:
        raise InvalidTransition("已一次性告知过需补正的材料，不能再次要求补正；请受理或不予受理。")


def _decision_allowed(ctx: ActionContext) -> None:
    case = ctx.case
    if case.state == S.ACCEPTED:
        if not case.implementation.is_immediate:
            raise InvalidTransition("承诺件须经签收、分派后再作决定；只有即办件可在受理后当场决定。")
        _at_implementing(ctx)
    elif not ctx.actor.has_role(HANDLER):
        raise PermissionDenied("审查决定须由办理员作出。")


def _has_special_procedures(ctx: ActionContext) -> None:
    if not ctx.case.implementation.special_procedures:
        raise InvalidTransition("本事项实施清单没有设定特别程序，不能中止计时。")


# -- effects -----------------------------------------------------------------------------


def _mark_received(ctx: ActionContext, ids) -> None:
    wanted = {int(i) for i in ids}
    for row in ctx.case.materials:
        if row.material_id in wanted:
            row.received = True


def _accept(ctx: ActionContext) -> None:
    case = ctx.case
    if ctx.fields.get("materials_received"):
        _mark_received(ctx, ctx.fields["materials_received"])
    missing = [row.material.name for row in case.materials if not row.received and row.material.necessity == "必需"]
    if missing:
        raise ValidationError(
            "缺少必需材料：" + "、".join(missing) + "。请勾选已收取的材料，或一次性告知申请人补正。",
            missing=missing)
    implementation = case.implementation
    case.accepted_date = case.received_date if case.deemed_accepted and case.received_date else ctx.today
    case.time_limit_days = 0 if implementation.is_immediate else implementation.promised_days
    ctx.workflow.recompute_deadline(ctx.session, case)
    ctx.data.update(accepted_date=case.accepted_date, due_date=case.due_date, provisional=case.due_provisional)


def _refuse(ctx: ActionContext) -> None:
    ctx.case.refusal_reason = ctx.fields["reason"]
    ctx.data["appeal_rights"] = ctx.fields.get("appeal_rights") or APPEAL_RIGHTS
    _close_pause(ctx)


def _request_supplement(ctx: ActionContext) -> None:
    case = ctx.case
    missing = ctx.fields["missing"]
    if isinstance(missing, (str, int)):
        missing = [missing]
    by_id = {row.material_id: row for row in case.materials}
    names = []
    for item in missing:
        key = int(item) if str(item).isdigit() else None
        if key is not None and key in by_id:
            by_id[key].received = False
            names.append(by_id[key].material.name)
        elif key is None:
            names.append(str(item))  # free text: a material the checklist does not name
        else:
            raise ValidationError(f"材料编号 {item} 不属于本办件的材料清单。")
    received = case.received_date or ctx.today
    late_by = ctx.calendar.working_days_between(received, ctx.today)
    limit = int(ctx.workflow.settings["SUPPLEMENT_NOTICE_DAYS"])
    if late_by > limit:
        # 行政许可法 §32: a notice later than the limit means accepted from receipt.
        case.deemed_accepted = True
        ctx.data["deemed_accepted_from"] = received
    ctx.data.update(missing=names, notice_working_days=late_by)
    _open_pause(ctx, "supplement")


def _open_pause(ctx: ActionContext, reason: str, allowance: int | None = None, clock_stops: bool = True) -> None:
    ctx.case.pauses.append(CasePause(reason=reason if clock_stops else f"{reason}_counted",
                                     start=ctx.today + ONE_DAY, allowance_days=allowance))
    if clock_stops:
        ctx.case.paused_since = ctx.today


def _close_pause(ctx: ActionContext) -> None:
    for pause in ctx.case.pauses:
        if pause.end is None:
            pause.end = max(ctx.today, pause.start - ONE_DAY)
    ctx.case.paused_since = None


def _resubmit(ctx: ActionContext) -> None:
    case = ctx.case
    given = ctx.fields.get("materials_received")
    if given:
        _mark_received(ctx, given)
    else:
        for row in case.materials:
            row.received = True
    _close_pause(ctx)
    if case.accepted_date is not None:
        ctx.workflow.recompute_deadline(ctx.session, case)


def _assign(ctx: ActionContext) -> None:
    case = ctx.case
    department = ctx.session.get(Department, int(ctx.fields["department_id"]))
    if department is None or department.division_id != case.current_division_id:
        raise ValidationError("所选部门（窗口）不属于办件所在单位，请重新选择。")
    handler_id = ctx.fields.get("handler_id")
    if handler_id:
        staff = ctx.session.scalar(select(Staff).where(Staff.user_id == int(handler_id)))
        if staff is None or staff.department_id != department.id:
            raise ValidationError("所选承办人不在该部门（窗口），请重新选择。")
        case.handler_id = staff.user_id
    case.current_department_id = department.id
    ctx.data.update(department=department.name, handler_id=handler_id)


def _start_review(ctx: ActionContext) -> None:
    if ctx.case.handler_id is None and ctx.actor.user_id is not None:
        ctx.case.handler_id = ctx.actor.user_id


def _suspend(ctx: ActionContext) -> None:
    case = ctx.case
    procedure = ctx.session.get(SpecialProcedure, int(ctx.fields["procedure_id"]))
    if procedure is None or procedure.implementation_id != case.implementation_id:
        raise ValidationError("所选特别程序不属于本事项，请重新选择。")
    allowance_due = ctx.calendar.add_working_days(ctx.today, procedure.days)
    _open_pause(ctx, "special", procedure.days, clock_stops=not procedure.counts_in_deadline)
    ctx.data.update(procedure=procedure.name, allowance_days=procedure.days,
                    allowance_due=allowance_due.due, allowance_due_provisional=allowance_due.provisional,
                    counts_in_deadline=procedure.counts_in_deadline)


def _resume(ctx: ActionContext) -> None:
    _close_pause(ctx)
    ctx.workflow.recompute_deadline(ctx.session, ctx.case)
    ctx.data.update(due_date=ctx.case.due_date, provisional=ctx.case.due_provisional)


def _days(ctx: ActionContext, value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError("延长天数应为正整数（工作日）。") from None
    if not 1 <= days <= 60:
        raise ValidationError("延长天数应在 1 到 60 个工作日之间。")
    return days


def _request_extension(ctx: ActionContext) -> None:
    ctx.case.extension_requested_days = _days(ctx, ctx.fields["days"])
    ctx.data["days"] = ctx.case.extension_requested_days


def _extend(ctx: ActionContext) -> None:
    case = ctx.case
    days = _days(ctx, ctx.fields.get("days") or case.extension_requested_days)
    case.extension_days += days
    case.extension_requested_days = None
    old_due = case.due_date
    ctx.workflow.recompute_deadline(ctx.session, case)
    ctx.data.update(days=days, approved_by=ctx.actor.name, old_due=old_due, due_date=case.due_date)


def _decide(decision: str):
    def effect(ctx: ActionContext) -> None:
        ctx.case.decision = decision
        if decision == "approved":
            ctx.case.result_number = str(ctx.fields["result_number"])
        else:
            ctx.case.decision_reason = ctx.fields["reason"]
        ctx.data["decision"] = decision
    return effect


def _complete(ctx: ActionContext) -> None:
    ctx.case.completed_date = ctx.today
    ctx.data.update(completed_date=ctx.today, due_date=ctx.case.due_date)


def _deliver(ctx: ActionContext) -> None:
    method = ctx.fields["method"]
    if method not in DELIVERY_METHODS:
        raise ValidationError("送达方式应为：" + "、".join(DELIVERY_METHODS) + "。")
    ctx.case.delivery_method = method
    ctx.case.delivery_receiver = ctx.fields["receiver"]
    ctx.case.delivered_at = ctx.workflow.now()


def _withdraw(ctx: ActionContext) -> None:
    _close_pause(ctx)


A = WorkflowAction
DEFAULT_ACTIONS: tuple[WorkflowAction, ...] = (
    A("register", "登记", (), S.REGISTERED, (INTAKE, AGENT), scope="accepting"),
    A("accept", "受理", (S.REGISTERED,), S.ACCEPTED, (INTAKE,), scope="accepting", effect=_accept,
      loads=("implementation", "materials", "pauses")),
    A("refuse", "不予受理", (S.REGISTERED, S.SUPPLEMENT), S.REFUSED, (INTAKE,), ("reason",), "accepting",
      effect=_refuse, loads=("pauses",)),
    A("request_supplement", "一次性告知补正", (S.REGISTERED,), S.SUPPLEMENT, (INTAKE,), ("missing",), "accepting",
      guard=_first_supplement, effect=_request_supplement, loads=("materials", "pauses")),
    A("resubmit", "补正材料", (S.SUPPLEMENT,), S.REGISTERED, (INTAKE, AGENT), scope="accepting", effect=_resubmit,
      loads=("materials", "pauses")),
    A("forward", "上报", (S.ACCEPTED, S.SIGNED, S.RETURNED), S.FORWARDED, (INTAKE, AGENT, HANDLER, DISPATCH),
      guard=_not_at_implementing, effect=lambda ctx: _move(ctx, +1)),
    A("sign_for", "签收", (S.FORWARDED,), S.SIGNED, (INTAKE, DISPATCH, HANDLER)),
    A("assign", "分派", (S.ACCEPTED, S.SIGNED), S.ASSIGNED, (DISPATCH,), ("department_id",),
      guard=_at_implementing, effect=_assign),
    A("start_review", "开始审查", (S.ASSIGNED,), S.IN_REVIEW, (HANDLER,), effect=_start_review),
    A("return", "退回", (S.SIGNED, S.ASSIGNED, S.IN_REVIEW), S.RETURNED, (HANDLER, DISPATCH), ("reason",),
      guard=_not_at_accepting, effect=lambda ctx: _move(ctx, -1)),
    A("suspend", "特别程序（中止计时）", (S.IN_REVIEW,), S.SUSPENDED, (HANDLER,), ("procedure_id",),
      guard=_has_special_procedures, effect=_suspend, loads=("implementation", "pauses")),
    A("resume", "特别程序结束", (S.SUSPENDED,), S.IN_REVIEW, (HANDLER,), effect=_resume,
      loads=("implementation", "pauses")),
    A("request_extension", "申请延期", (S.ASSIGNED, S.IN_REVIEW), None, (HANDLER,), ("days", "reason"),
      effect=_request_extension),
    A("extend", "批准延期", (S.ASSIGNED, S.IN_REVIEW, S.SUSPENDED), None, (DISPATCH,), ("reason",),
      scope="implementing", effect=_extend, loads=("implementation", "pauses"), not_by=("request_extension",)),
    A("approve", "准予许可", (S.ACCEPTED, S.ASSIGNED, S.IN_REVIEW), S.APPROVED, (HANDLER, INTAKE),
      ("result_number",), guard=_decision_allowed, effect=_decide("approved")),
    A("deny", "不予许可", (S.ACCEPTED, S.ASSIGNED, S.IN_REVIEW), S.DENIED, (HANDLER, INTAKE), ("reason",),
      guard=_decision_allowed, effect=_decide("denied")),
    A("complete", "办结", (S.APPROVED, S.DENIED), S.COMPLETED, (HANDLER, INTAKE), effect=_complete),
    A("deliver", "送达", (S.COMPLETED,), S.DELIVERED, (AGENT, INTAKE, HANDLER), ("method", "receiver"),
      scope="any", effect=_deliver),
    A("withdraw", "撤回", (ANY_ACTIVE,), S.WITHDRAWN, (INTAKE, AGENT), scope="any", effect=_withdraw,
      loads=("pauses",)),
)

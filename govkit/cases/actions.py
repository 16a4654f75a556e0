"""The built-in workflow actions (DESIGN §2.3) with their guards and effects.

Clock conventions (see docs/cases.md): a pause requested on day S stops the clock from
S+1; resuming on day R closes the pause at R (R counts as "start day", not counted), so
the paused interval is ``(S+1, R)``. Deadlines only ever move later: pauses and
extensions push the due date, nothing pulls it forward.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select

from govkit.cases import extensions
from govkit.cases import intake_actions as I, states as S
from govkit.cases.models import CasePause
from govkit.cases.workflow import ANY_ACTIVE, ActionContext, WorkflowAction
from govkit.catalog.models import ONLINE_WITH_COUNTER, SpecialProcedure
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.codes import parent_code
from govkit.hierarchy.models import Department, Division, Staff

INTAKE, AGENT, HANDLER, DISPATCH, ORGAN_HEAD = "受理员", "代办员", "办理员", "指挥中心", "机关负责人"
APPLICANT = I.APPLICANT
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


def _supplement_allowed(ctx: ActionContext) -> None:
    I.within_intake_clock(ctx)
    _first_supplement(ctx)


def _decision_allowed(ctx: ActionContext) -> None:
    """准予/不予: an immediate case at once after acceptance; otherwise only after 开始审查, by a
    handler of the department the case is assigned to."""
    case = ctx.case
    if case.state == S.ACCEPTED:
        if not case.implementation.is_immediate:
            raise InvalidTransition("承诺件须经签收、分派、开始审查后再作决定；只有即办件可在受理后当场决定。")
        _at_implementing(ctx)
        return
    if not ctx.actor.has_role(HANDLER):
        raise PermissionDenied("审查决定须由办理员作出。")
    if not ctx.workflow.performs(REVIEW_RULE, case, ctx.actor):
        raise PermissionDenied("审查决定须由办件分派到的部门（窗口）的办理员作出。")


def _has_special_procedures(ctx: ActionContext) -> None:
    if not ctx.case.implementation.special_procedures:
        raise InvalidTransition("本事项实施清单没有设定特别程序，不能中止计时。")


# -- effects -----------------------------------------------------------------------------


def _refuse(ctx: ActionContext) -> None:
    ctx.case.refusal_reason = ctx.fields["reason"]
    ctx.data["appeal_rights"] = ctx.fields.get("appeal_rights") or APPEAL_RIGHTS
    _close_pause(ctx)


def _open_pause(ctx: ActionContext, reason: str, allowance: int | None = None, clock_stops: bool = True) -> None:
    ctx.case.pauses.append(CasePause(reason=reason if clock_stops else f"{reason}_counted",
                                     start=ctx.today + ONE_DAY, allowance_days=allowance))
    if clock_stops:
        ctx.case.paused_since = ctx.today


_close_pause = I.close_pause


def _assign(ctx: ActionContext) -> None:
    case = ctx.case
    department = ctx.session.get(Department, int(ctx.fields["department_id"]))
    if department is None or department.division_id != case.current_division_id:
        raise ValidationError("所选部门（窗口）不属于办件所在单位，请重新选择。")
    if not department_handlers(ctx.session, department.id):
        # Routing without dead ends: nobody would ever see the case in a 待审查 queue.
        raise ValidationError(f"部门（窗口）“{department.name}”没有在岗的办理员，无人可办；"
                              "请先为该部门配置办理员，或分派给其他部门。", field="department_id")
    handler_id = ctx.fields.get("handler_id")
    if handler_id:
        staff = ctx.session.scalar(select(Staff).where(Staff.user_id == int(handler_id)))
        if staff is None or staff.department_id != department.id:
            raise ValidationError("所选承办人不在该部门（窗口），请重新选择。")
        case.handler_id = staff.user_id
    case.current_department_id = department.id
    ctx.data.update(department=department.name, handler_id=handler_id)


def department_handlers(session, department_id: int) -> list[Staff]:
    """On-duty handlers (办理员) of a department (窗口): the people its 待审查 queue is for."""
    return list(session.scalars(select(Staff).where(
        Staff.department_id == department_id, Staff.duty == HANDLER, Staff.on_duty.is_(True))
        .order_by(Staff.name)))


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
    case.special_due = allowance_due.due  # 行政许可法第四十五条: the time the applicant is told
    ctx.data.update(procedure=procedure.name, allowance_days=procedure.days,
                    allowance_due=allowance_due.due, allowance_due_provisional=allowance_due.provisional,
                    counts_in_deadline=procedure.counts_in_deadline)


def _resume(ctx: ActionContext) -> None:
    _close_pause(ctx)
    ctx.workflow.recompute_deadline(ctx.session, ctx.case)
    ctx.data.update(due_date=ctx.case.due_date, provisional=ctx.case.due_provisional)


def _extension_left(ctx: ActionContext) -> tuple[int, int]:
    """Refuse when the implementation's extensions are used up (行政许可法第四十二条: one, ≤ 10 working days)."""
    allowed, max_days = extensions.extension_bounds(ctx.case.implementation)
    done = extensions.approved_count(ctx.session, ctx.case)
    if done >= allowed:
        raise InvalidTransition(
            f"本事项最多可延期 {allowed} 次，已延期 {done} 次，不能再延期（行政许可法第四十二条）。"
            if allowed else "本事项实施清单不允许延期。")
    return allowed, max_days


def _days(ctx: ActionContext, value) -> int:
    _, max_days = _extension_left(ctx)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError("延长天数应为正整数（工作日）。", field="days") from None
    if not 1 <= days <= max_days:
        raise ValidationError(f"延长天数应在 1 到 {max_days} 个工作日之间（行政许可法第四十二条）。", field="days")
    return days


def _may_request_extension(ctx: ActionContext) -> None:
    _extension_left(ctx)


def _may_extend(ctx: ActionContext) -> None:
    """批准延期: a pending request and extensions left (the requester is refused by the step's
    ``not_by=("request_extension",)``, the generic separation-of-duties rule in Workflow.check)."""
    if ctx.case.extension_requested_days is None:
        raise InvalidTransition("没有待批准的延期申请；请由承办人先申请延期。")
    _extension_left(ctx)


def _request_extension(ctx: ActionContext) -> None:
    ctx.case.extension_requested_days = _days(ctx, ctx.fields["days"])
    ctx.data["days"] = ctx.case.extension_requested_days


def _extend(ctx: ActionContext) -> None:
    case = ctx.case
    days = _days(ctx, ctx.fields.get("days") or case.extension_requested_days)
    requested = case.extension_requested_days
    if requested is not None and days > requested:
        raise ValidationError(f"批准的天数不能超过申请的 {requested} 个工作日。", field="days")
    case.extension_days += days
    case.extension_requested_days = None
    old_due = case.due_date
    ctx.workflow.recompute_deadline(ctx.session, case)
    ctx.data.update(days=days, approved_by=ctx.actor.name, old_due=old_due, due_date=case.due_date,
                    legal_due_date=case.legal_due_date, reason=ctx.fields.get("reason") or "")


def _decide(decision: str):
    def effect(ctx: ActionContext) -> None:
        ctx.case.decision = decision
        if decision == "approved":
            ctx.case.result_number = str(ctx.fields["result_number"])
        else:
            ctx.case.decision_reason = ctx.fields["reason"]
        ctx.data["decision"] = decision
    return effect


def originals_to_check(case) -> list[str]:
    """The materials whose originals the counter checks (窗口核验): the rows the list asks as 原件, else all."""
    rows = [m.name for m in case.implementation.materials if (m.form or "") == "原件"]
    return rows or [m.name for m in case.implementation.materials]


def needs_counter_check(case) -> bool:
    """An online application of a 网上申报+窗口核验 item whose originals were not yet checked at the counter."""
    return (case.applied_online and case.originals_checked_at is None
            and case.implementation.online_mode == ONLINE_WITH_COUNTER)


def counter_check(case) -> dict | None:
    """The 窗口核验 line of the desk's case page: None when the case needs none, else the originals, who checked
    them and when (both None while they wait)."""
    if not case.applied_online or case.implementation.online_mode != ONLINE_WITH_COUNTER:
        return None
    return {"originals": originals_to_check(case), "by": case.originals_checked_by, "at": case.originals_checked_at}


def _originals_checked(ctx: ActionContext) -> None:
    """窗口核验 before approval: 行政许可法第三十一条 makes the applicant answer for the truth of the materials and
    第三十四条 lets the organ verify their substance; an item declared 网上申报+窗口核验 is approved only after the
    originals were checked at the counter (``verify_originals``). A denial needs no originals."""
    case = ctx.case
    if needs_counter_check(case):
        raise InvalidTransition(
            f"本事项为“{ONLINE_WITH_COUNTER}”：申请人须到{_counter_name(ctx)}窗口核验原件后方可作出准予决定或办结。"
            "尚未核验的原件：" + "、".join(originals_to_check(case)) + "。请受理员在核验后执行“窗口核验原件”。")


def _counter_name(ctx: ActionContext) -> str:
    division = ctx.session.scalar(select(Division).where(Division.code == ctx.case.accepting_division_code))
    return division.name if division is not None else "受理单位"


def _may_verify_originals(ctx: ActionContext) -> None:
    case = ctx.case
    if not case.applied_online or case.implementation.online_mode != ONLINE_WITH_COUNTER:
        raise InvalidTransition(f"本办件不是“{ONLINE_WITH_COUNTER}”事项的网上申请，无需窗口核验原件。")
    if case.originals_checked_at is not None:
        raise InvalidTransition(f"原件已由 {case.originals_checked_by} 核验，无需重复核验。")


def _verify_originals(ctx: ActionContext) -> None:
    case = ctx.case
    case.originals_checked_at = ctx.workflow.now()
    case.originals_checked_by_id = ctx.actor.user_id
    case.originals_checked_by = ctx.actor.name
    ctx.data["originals"] = originals_to_check(case)


def _decision_then_originals(ctx: ActionContext) -> None:
    _decision_allowed(ctx)
    _originals_checked(ctx)


def _completion_allowed(ctx: ActionContext) -> None:
    """办结 of an approval also waits for 窗口核验 (an approval recorded before the rule, or by a plugin step)."""
    if ctx.case.decision == "approved":
        _originals_checked(ctx)


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
    """撤回 only at the applicant's request (行政许可法 has no withdrawal by the organ): the reason records it."""
    ctx.data["applicant_request"] = ctx.fields["reason"]
    _close_pause(ctx)


A = WorkflowAction
#: The rule a decision in review follows: a handler of the department the case is assigned to.
REVIEW_RULE = A("review", "审查", (), None, (HANDLER,), performer="department")
DEFAULT_ACTIONS: tuple[WorkflowAction, ...] = (
    A("register", "登记", (), S.REGISTERED, (INTAKE, AGENT), scope="accepting"),
    A("accept", "受理", (S.REGISTERED, S.ONLINE), S.ACCEPTED, (INTAKE,), scope="accepting", guard=I.within_intake_clock,
      effect=I.accept, loads=("implementation", "materials", "pauses")),
    A("deem_accepted", "视为受理", (S.REGISTERED, S.ONLINE), S.ACCEPTED, (INTAKE,), scope="accepting",
      guard=I.intake_clock_ran_out, effect=I.deem_accepted, loads=("implementation", "pauses"),
      description="行政许可法第三十二条：五个工作日内未受理、未不予受理、未一次性告知补正的，自收到申请材料之日起即为受理"),
    A("refuse", "不予受理", (S.REGISTERED, S.SUPPLEMENT, S.ONLINE, S.ONLINE_SUPPLEMENT), S.REFUSED, (INTAKE,),
      ("reason",), "accepting",
      guard=I.within_intake_clock, effect=_refuse, loads=("pauses",)),
    A("request_supplement", "一次性告知补正", (S.REGISTERED,), S.SUPPLEMENT, (INTAKE,), (), "accepting",
      guard=_supplement_allowed, effect=I.request_supplement, loads=("implementation", "materials", "pauses")),
    A("resubmit", "补正材料", (S.SUPPLEMENT,), S.REGISTERED, (INTAKE, AGENT), scope="accepting", effect=I.resubmit,
      loads=("materials", "pauses")),
    A("withdraw_deemed", "视为撤回", (S.SUPPLEMENT, S.ONLINE_SUPPLEMENT), S.WITHDRAWN, (INTAKE,), scope="accepting",
      guard=I.supplement_period_over, effect=I.withdraw_deemed, loads=("materials", "pauses"),
      description="申请人逾期未补正：由受理员明确执行视为撤回，不自动撤回"),
    # 网上申报 (行政许可法第二十九条、第三十三条: applying by electronic data exchange): registered at the
    # implementing organ's receiving point in 网上申报 for pre-review (预审); the receiving point's 受理员
    # accepts, refuses or sends one 一次性告知 online; the applicant's 网上补正 returns it to pre-review.
    A("submit_online", "网上申报", (), S.ONLINE, (APPLICANT, AGENT), scope="accepting"),
    A("request_supplement_online", "网上一次性告知补正", (S.ONLINE,), S.ONLINE_SUPPLEMENT, (INTAKE,), (),
      "accepting", guard=_supplement_allowed, effect=I.request_supplement,
      loads=("implementation", "materials", "pauses")),
    A("resubmit_online", "网上补正", (S.ONLINE_SUPPLEMENT,), S.ONLINE, (APPLICANT,), scope="accepting",
      guard=I.by_applicant, effect=I.resubmit_online, loads=("materials", "pauses")),
    A("forward", "上报", (S.ACCEPTED, S.SIGNED, S.RETURNED), S.FORWARDED, (INTAKE, AGENT, HANDLER, DISPATCH),
      guard=_not_at_implementing, effect=lambda ctx: _move(ctx, +1)),
    A("sign_for", "签收", (S.FORWARDED,), S.SIGNED, (INTAKE, DISPATCH, HANDLER), performer="addressee"),
    A("assign", "分派", (S.ACCEPTED, S.SIGNED), S.ASSIGNED, (DISPATCH,), ("department_id",),
      guard=_at_implementing, effect=_assign),
    A("start_review", "开始审查", (S.ASSIGNED,), S.IN_REVIEW, (HANDLER,), effect=_start_review,
      performer="department"),
    A("return", "退回", (S.SIGNED, S.ASSIGNED, S.IN_REVIEW), S.RETURNED, (HANDLER, DISPATCH), ("reason",),
      guard=_not_at_accepting, effect=lambda ctx: _move(ctx, -1)),
    A("suspend", "特别程序（中止计时）", (S.IN_REVIEW,), S.SUSPENDED, (HANDLER,), ("procedure_id",),
      guard=_has_special_procedures, effect=_suspend, loads=("implementation", "pauses"), performer="department"),
    A("resume", "特别程序结束", (S.SUSPENDED,), S.IN_REVIEW, (HANDLER,), effect=_resume,
      loads=("implementation", "pauses"), performer="department"),
    A("request_extension", "申请延期", (S.ASSIGNED, S.IN_REVIEW), None, (HANDLER,), ("days", "reason"),
      guard=_may_request_extension, effect=_request_extension, loads=("implementation",), performer="department"),
    A("extend", "批准延期", (S.ASSIGNED, S.IN_REVIEW, S.SUSPENDED), None, (ORGAN_HEAD,), ("reason",),
      scope="implementing", guard=_may_extend, effect=_extend, loads=("implementation", "pauses"),
      not_by=("request_extension",)),
    A("approve", "准予许可", (S.ACCEPTED, S.IN_REVIEW), S.APPROVED, (HANDLER, INTAKE),
      ("result_number",), guard=_decision_then_originals, effect=_decide("approved"), loads=("implementation",)),
    A("deny", "不予许可", (S.ACCEPTED, S.IN_REVIEW), S.DENIED, (HANDLER, INTAKE), ("reason",),
      guard=_decision_allowed, effect=_decide("denied")),
    A("complete", "办结", (S.APPROVED, S.DENIED), S.COMPLETED, (HANDLER, INTAKE), guard=_completion_allowed,
      effect=_complete, loads=("implementation",)),
    # 窗口核验 (网上申报+窗口核验): the receiving point's 受理员 checks the originals at the counter; recorded on the
    # case (who, when) and required before approval (see _originals_checked).
    A("verify_originals", "窗口核验原件", (S.ONLINE, S.ACCEPTED, S.FORWARDED, S.SIGNED, S.ASSIGNED, S.IN_REVIEW,
                                        S.RETURNED, S.SUSPENDED), None, (INTAKE,), scope="accepting",
      guard=_may_verify_originals, effect=_verify_originals, loads=("implementation",)),
    A("deliver", "送达", (S.COMPLETED,), S.DELIVERED, (AGENT, INTAKE, HANDLER), ("method", "receiver"),
      scope="any", effect=_deliver),
    A("withdraw", "撤回", (ANY_ACTIVE,), S.WITHDRAWN, (INTAKE, AGENT, DISPATCH), ("reason",), "any",
      effect=_withdraw, loads=("pauses",), performer="receiving_or_holder"),
)

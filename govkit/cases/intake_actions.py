"""The intake steps' guards and effects (受理、一次性告知、补正、视为受理、视为撤回).

The rules are in :mod:`govkit.cases.intake` (行政许可法第三十二条); this module applies them to a
case inside a workflow step.
"""
from __future__ import annotations

import re
from datetime import timedelta

from govkit.cases import intake
from govkit.cases.calendar import format_chinese_date
from govkit.cases.models import MATERIAL_MISSING, MATERIAL_RECEIVED, CasePause
from govkit.cases.workflow import ActionContext
from govkit.errors import InvalidTransition, ValidationError

ONE_DAY = timedelta(days=1)


def take_decisions(ctx: ActionContext) -> None:
    """Apply the checklist decisions a step was given: ``material_states`` (id → received/missing/na),
    ``materials_received`` (ids → 已收) and ``all_required_received`` (the one-click)."""
    rows = ctx.case.materials
    if ctx.fields.get("all_required_received"):
        intake.all_required_received(rows)
    given = ctx.fields.get("materials_received")
    if given:
        intake.apply_statuses(rows, {int(i): MATERIAL_RECEIVED for i in given})
    if ctx.fields.get("material_states"):
        intake.apply_statuses(rows, ctx.fields["material_states"])


def within_intake_clock(ctx: ActionContext) -> None:
    """Acceptance, refusal and the 补正 notice are the organ's answers within the §32 clock."""
    if intake.intake_overdue(ctx.case, ctx.today):
        raise InvalidTransition(
            f"收到申请材料已超过 {ctx.workflow.settings['SUPPLEMENT_NOTICE_DAYS']} 个工作日"
            f"（期限 {format_chinese_date(ctx.case.intake_due_date)}）未作答复，依行政许可法第三十二条"
            "自收到申请材料之日起即为受理；请执行“视为受理”。")


def accept(ctx: ActionContext) -> None:
    """受理: every row decided, no 必需/情形必需 row missing (容缺 may follow later)."""
    case = ctx.case
    take_decisions(ctx)
    intake.require_decided(case.materials, "受理")
    missing = [r.material.name for r in intake.missing_rows(case.materials) if r.material.necessity != "容缺"]
    if missing:
        raise ValidationError(
            "缺少必需材料：" + "、".join(missing) + "。请收齐后受理，或一次性告知申请人补正。", missing=missing)
    _start_clock(ctx, from_receipt=case.deemed_accepted)


def _start_clock(ctx: ActionContext, *, from_receipt: bool) -> None:
    case = ctx.case
    implementation = case.implementation
    case.accepted_date = case.received_date if from_receipt and case.received_date else ctx.today
    case.time_limit_days = 0 if implementation.is_immediate else implementation.promised_days
    intake.stop_intake_clock(case)
    ctx.workflow.recompute_deadline(ctx.session, case)
    ctx.data.update(accepted_date=case.accepted_date, due_date=case.due_date, provisional=case.due_provisional,
                    legal_due_date=case.legal_due_date, legal_provisional=case.legal_due_provisional)


def intake_clock_ran_out(ctx: ActionContext) -> None:
    if not intake.intake_overdue(ctx.case, ctx.today):
        raise InvalidTransition("办件尚在五个工作日的受理审查期内（或已一次性告知补正），不能视为受理。")


def deem_accepted(ctx: ActionContext) -> None:
    """视为受理 (行政许可法 §32): accepted from the day of receipt; the deadline runs from receipt."""
    case = ctx.case
    case.deemed_accepted = True
    intake_due = case.intake_due_date
    _start_clock(ctx, from_receipt=True)
    ctx.data.update(deemed_accepted_from=case.received_date, intake_due_date=intake_due,
                    basis="行政许可法第三十二条：逾期不告知的，自收到申请材料之日起即为受理")


def request_supplement(ctx: ActionContext) -> None:
    """一次性告知: the notice carries every 缺 row; the clerk may add ids or free-text items, never drop one."""
    case = ctx.case
    take_decisions(ctx)
    rows = {row.material_id: row for row in case.materials}
    extra: list[str] = []
    added = ctx.fields.get("missing") or []
    added = [added] if isinstance(added, (str, int)) else list(added)
    added += re.split(r"[\n；;]", str(ctx.fields.get("missing_extra") or ""))
    for item in added:
        text = str(item).strip()
        if text.isdigit() and int(text) in rows:
            rows[int(text)].status = MATERIAL_MISSING  # the clerk adds a listed material
        elif text.isdigit():
            raise ValidationError(f"材料编号 {text} 不属于本办件的材料清单。")
        elif text and text not in extra:
            extra.append(text)  # a material the checklist does not name
    intake.require_decided(case.materials, "出具一次性告知书")
    listed = intake.missing_rows(case.materials)
    names = [row.material.name for row in listed] + extra
    if not names:
        raise ValidationError("材料清单中没有标为“缺”的材料，也没有填写清单外的补正内容；材料齐全的请直接受理。")
    days = intake.supplement_days(case.implementation, ctx.workflow.settings)
    due = ctx.calendar.add_working_days(ctx.today, days)
    late_by = ctx.calendar.working_days_between(case.received_date or ctx.today, ctx.today)
    # The pause first: loading the pauses must not flush the case before its fields are set (one UPDATE).
    case.pauses.append(CasePause(reason="supplement", start=ctx.today + ONE_DAY))
    case.supplement_extra = extra
    case.supplement_due_date = due.due
    case.supplement_due_provisional = due.provisional
    intake.stop_intake_clock(case)
    ctx.data.update(missing=names, missing_ids=[row.material_id for row in listed], extra=extra,
                    notice_working_days=late_by, supplement_days=days, supplement_due=due.due,
                    supplement_due_provisional=due.provisional)
    case.paused_since = ctx.today


def resubmit(ctx: ActionContext) -> None:
    """补正材料: the missing rows become 已收 (or the ones given); the intake watch restarts."""
    case = ctx.case
    calendar = ctx.calendar  # before any change: loading it must not flush the case early (one UPDATE)
    given = ctx.fields.get("materials_received") or ctx.fields.get("material_states")
    if given:
        take_decisions(ctx)
    else:
        for row in intake.missing_rows(case.materials):
            row.status = MATERIAL_RECEIVED
    close_pause(ctx)
    if case.accepted_date is not None:
        ctx.workflow.recompute_deadline(ctx.session, case)
    else:
        intake.start_intake_clock(case, calendar, ctx.workflow.settings, ctx.today)


#: The applicant's pseudo-role (申请人): online steps only; no staff account ever holds it.
APPLICANT = "申请人"


def by_applicant(ctx: ActionContext) -> None:
    """网上补正 is the applicant's own step (or the 代办员's at the terminal on the applicant's behalf):
    the applicant actor is built by the online hall, never a staff account (not even Admin)."""
    if APPLICANT not in ctx.actor.roles:
        raise InvalidTransition("网上补正须由申请人在网上办事大厅提交补正材料。")


def resubmit_online(ctx: ActionContext) -> None:
    """网上补正: the rows the 一次性告知 named as 缺 go back to 待预审 (the receiving point checks the new
    uploads in pre-review); the §32 watch restarts from this submission (行政许可法第三十二条)."""
    case = ctx.case
    calendar = ctx.calendar  # before any change (one UPDATE, see resubmit)
    resubmitted = [row.material_id for row in intake.missing_rows(case.materials)]
    for row in case.materials:
        if row.status == MATERIAL_MISSING:
            row.status = None
    close_pause(ctx)
    intake.start_intake_clock(case, calendar, ctx.workflow.settings, ctx.today)
    ctx.data.update(resubmitted=resubmitted, intake_due_date=case.intake_due_date)


def close_pause(ctx: ActionContext) -> None:
    """End the open pause (on ``today``, or as "no day stopped" when asked today) and restart the clock."""
    for pause in ctx.case.pauses:
        if pause.end is None:
            pause.end = max(ctx.today, pause.start - ONE_DAY)
    ctx.case.paused_since = None
    ctx.case.special_due = None  # a special procedure's stated end no longer applies (§45 watch)


def supplement_period_over(ctx: ActionContext) -> None:
    if not intake.supplement_lapsed(ctx.case, ctx.today):
        due = ctx.case.supplement_due_date
        raise InvalidTransition(
            f"补正期限（{format_chinese_date(due) if due else '未设定'}）尚未届满，不能视为撤回。")


def withdraw_deemed(ctx: ActionContext) -> None:
    """视为撤回: the 补正 period passed without 补正; an explicit step, never automatic."""
    case = ctx.case
    close_pause(ctx)
    ctx.data.update(supplement_due=case.supplement_due_date, deemed_withdrawn=True,
                    missing=[row.material.name for row in intake.missing_rows(case.materials)]
                    + list(case.supplement_extra or []))

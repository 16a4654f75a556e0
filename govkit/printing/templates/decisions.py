"""Decision documents of one case: 准予/不予…决定书 (行政许可法 §38), 延期通知书 (§42), 特别程序告知书 (§45).

The words follow the item type (``ctx.decision``/``ctx.decision_title``, filled from
:mod:`govkit.catalog.wording`): a 低保 is 予以确认, a 临时救助 is 给付, only a 行政许可 is
准予行政许可.  Every field each document must carry is listed in docs/printing.md.
"""
from __future__ import annotations

from reportlab.lib.units import mm

from govkit.errors import ValidationError
from govkit.printing import engine as e
from govkit.printing.context import CaseNotice
from govkit.printing.templates.case_notices import _days, _finish, _head, _item, rights

__all__ = ["render_decision_grant", "render_decision_deny", "render_extension_notice",
           "render_special_procedure_notice"]


def _facts(ctx: CaseNotice) -> list:
    return [e.kv_table([
        ("办件编号", ctx.case_number, True),
        ("申请事项", _item(ctx), True),
        ("事项类型", ctx.item_type or "—"),
        ("申请人", ctx.applicant_name),
        ("收件日期", e.cn_date(ctx.received_date)),
        ("受理日期", e.cn_date(ctx.accepted_date)),
    ], label_width=27 * mm, columns=2)]


def _basis(ctx: CaseNotice) -> str:
    return ctx.legal_basis or "有关法律、法规的规定"


def render_decision_grant(ctx: CaseNotice) -> bytes:
    """准予…决定书: the decision, its reasons and legal basis, the result number and the rights."""
    title = ctx.decision_title or "准予行政许可决定书"
    decision = ctx.decision or "准予行政许可"
    story = _head(ctx, title)
    story.append(e.body(e.text(
        "你（单位）于{}提出的“{}”申请（办件编号：{}），本机关已于{}依法受理。经审查，{}。"
        "依据{}，本机关决定：{}。",
        e.cn_date(ctx.received_date), ctx.item_name, ctx.case_number, e.cn_date(ctx.accepted_date),
        ctx.decision_reason or "申请符合法定条件、标准", _basis(ctx), decision)))
    story += _facts(ctx)
    if ctx.result_number:
        story.append(e.body(e.text("结果文号（证照编号）：{}。", ctx.result_number)))
    if ctx.appealable:
        story.append(rights(ctx, "本决定书"))
    return _finish(ctx, story, title, on=ctx.decision_date)


def render_decision_deny(ctx: CaseNotice) -> bytes:
    """不予…决定书: the reasons are mandatory (行政许可法 §38 第二款), with the legal basis and the rights."""
    if not ctx.decision_reason:
        raise ValidationError("不予决定书须写明理由（行政许可法第三十八条）。", case_number=ctx.case_number)
    title = ctx.decision_title or "不予行政许可决定书"
    decision = ctx.decision or "不予行政许可"
    story = _head(ctx, title)
    story.append(e.body(e.text(
        "你（单位）于{}提出的“{}”申请（办件编号：{}），本机关已于{}依法受理。经审查，本机关决定：{}。",
        e.cn_date(ctx.received_date), ctx.item_name, ctx.case_number, e.cn_date(ctx.accepted_date), decision)))
    story.append(e.body(e.text("理由：{}", ctx.decision_reason)))
    story.append(e.body(e.text("法律依据：{}。", _basis(ctx))))
    story += _facts(ctx)
    story.append(rights(ctx, "本决定书"))
    return _finish(ctx, story, title, on=ctx.decision_date)


def render_extension_notice(ctx: CaseNotice) -> bytes:
    """延期通知书 (行政许可法 §42): reason, who approved, how many days, the new date."""
    if not (ctx.extension_days and ctx.due_date):
        raise ValidationError("延期通知书须写明延长的工作日数和延长后的办结日期。", case_number=ctx.case_number)
    title = "延期通知书"
    story = _head(ctx, title)
    story.append(e.body(e.text(
        "你（单位）于{}提出的“{}”申请（办件编号：{}），本机关已于{}受理。因{}，不能在承诺时限内作出决定，"
        "经本机关负责人{}批准，根据《中华人民共和国行政许可法》第四十二条的规定，办理期限延长 {} 个工作日。",
        e.cn_date(ctx.received_date), ctx.item_name, ctx.case_number, e.cn_date(ctx.accepted_date),
        ctx.extension_reason or "情况复杂", ctx.extension_approved_by or "（未填写）", ctx.extension_days)))
    story.append(e.kv_table([
        ("延期理由", ctx.extension_reason or "—", True),
        ("批准人", ctx.extension_approved_by or "—"),
        ("延长时限", _days(ctx.extension_days)),
        ("原办结日期", e.cn_date(ctx.previous_due_date, blank="—")),
        ("延期后办结日期", e.cn_date(ctx.due_date, ctx.due_date_provisional, blank="—")),
    ], label_width=30 * mm, columns=2))
    return _finish(ctx, story, title, provisional=ctx.due_date_provisional)


def render_special_procedure_notice(ctx: CaseNotice) -> bytes:
    """特别程序告知书 (行政许可法 §45): which procedure, how long it is expected to take, that it is not counted."""
    if not ctx.special_procedure:
        raise ValidationError("特别程序告知书须写明特别程序的名称。", case_number=ctx.case_number)
    title = "特别程序告知书"
    story = _head(ctx, title)
    counted = ("该期间计入办理时限。" if ctx.special_procedure_counted else
               "根据《中华人民共和国行政许可法》第四十五条的规定，所需时间不计算在办理时限内。")
    story.append(e.body(e.text(
        "你（单位）于{}提出的“{}”申请（办件编号：{}），依法需要进行{}。预计需要 {}，至{}止。{}"
        "特别程序结束后，本机关将继续办理，并按重新计算的日期作出决定。",
        e.cn_date(ctx.received_date), ctx.item_name, ctx.case_number, ctx.special_procedure,
        _days(ctx.special_procedure_days), e.cn_date(ctx.special_procedure_until, blank="另行通知"), counted)))
    story.append(e.kv_table([
        ("特别程序", ctx.special_procedure, True),
        ("预计所需时间", _days(ctx.special_procedure_days)),
        ("预计结束日期", e.cn_date(ctx.special_procedure_until, blank="—")),
        ("是否计入办理时限", "计入" if ctx.special_procedure_counted else "不计入"),
    ], label_width=30 * mm, columns=2))
    return _finish(ctx, story, title)

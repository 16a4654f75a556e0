"""督办通知书: a supervising unit orders a unit to deal with a case, complaint, rectification or itself."""
from __future__ import annotations

from govkit.printing import engine as e
from govkit.printing.context import SupervisionNotice


def render_supervision_notice(ctx: SupervisionNotice) -> bytes:
    """Title, number, addressee, the order and its deadline, how to answer, issuer and date."""
    due = e.cn_date(ctx.due_date) + ("（暂定）" if ctx.due_date_provisional else "")
    story = [e.title("督办通知书"), e.document_number(ctx.document_number), e.addressee(f"{ctx.addressee}：")]
    if ctx.escalated_from:
        story.append(e.body(e.text("{}，经升级督办，现再次督办如下。", ctx.escalated_from)))
    story += [
        e.body(e.text("督办事项：{}。", ctx.subject)),
        e.body(e.text("督办事由：{}", ctx.reason)),
        e.body(e.text("请你单位自收到本通知书之日起 {} 个工作日内（{}前）办理完毕，并在政务服务平台"
                      "“督办单”中回复办理情况（督办单序号 {}）。逾期未回复的，将自动提请上一级监察机构督办。",
                      ctx.response_days, due, ctx.order_id)),
        e.spacer(4),
        e.signature_block(ctx.issuing_body, ctx.issued_on),
    ]
    if ctx.verify_url:
        page = ctx.verify_url.split("://", 1)[-1]
        story.append(e.note(e.text("本文书电子版的真伪可登录 {} 输入文书编号并上传 PDF 文件核验（核验码 {}）。",
                                   page, ctx.check_code)))
    return e.render(story, title=f"督办通知书 {ctx.document_number}", author=ctx.issuing_body, subject="督办通知书")

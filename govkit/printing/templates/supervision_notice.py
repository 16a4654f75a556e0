"""Supervision documents: the 督办通知书 (an order to a unit) and the monthly 电子监察 report."""
from __future__ import annotations

from govkit.printing import engine as e
from govkit.printing.context import SupervisionNotice, SupervisionReport


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


def render_supervision_report(ctx: SupervisionReport) -> bytes:
    """电子监察月报 (landscape): the month's figures in sections, then the unit table and the staff ranking."""
    title = f"{ctx.division_name}电子监察月报（{ctx.month}）"
    story = [e.title(title), e.document_number(e.text("{}{}统计期间：{}", ctx.document_number, e.GAP, ctx.period))]
    for heading, pairs in (("一、办件情况", ctx.volumes), ("二、好差评", ctx.ratings), ("三、投诉", ctx.complaints),
                           ("四、督办", ctx.orders), ("五、差评整改", ctx.rectifications)):
        cells = [(name, str(value)) for name, value in pairs] or [("—", "—")]
        if len(cells) % 2:
            cells.append(("", ""))  # two pairs a row
        story += [e.heading(heading), e.kv_table(cells, columns=2, width=e.LANDSCAPE_CONTENT_WIDTH)]
    count = len(ctx.headers) - 1  # the rank column is the table's own 序号
    widths = [0.04, 0.12] + [0.84 / (count - 1)] * (count - 1)  # 序号, name, the figures
    for heading, rows in (("六、各单位绩效", ctx.units), ("七、人员绩效排名（前十名）", ctx.staff)):
        story += [e.heading(heading), e.grid_table(list(ctx.headers), [row[1:] for row in rows] or [["—"] * count],
                                                   widths, width=e.LANDSCAPE_CONTENT_WIDTH, small=True,
                                                   max_chars=40)]
    story += [e.spacer(3), e.signature_block(ctx.division_name, ctx.issued_on)]
    if ctx.check_code:
        story.append(e.note(e.text("核验码 {}。", ctx.check_code)))
    return e.render(story, title=title, author=ctx.division_name, subject="电子监察月报", landscape_page=True,
                    running_title=title)

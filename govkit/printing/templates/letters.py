"""Letters that belong to no case: 政府信息公开申请答复书 and its 补正/延期 告知书 (政府信息公开条例 2019)."""
from __future__ import annotations

from govkit.printing import engine as e
from govkit.printing.context import Letter


def render_foi_letter(ctx: Letter) -> bytes:
    """One letter to a requester: title, number, addressee, body, remedies (条例第五十一条), seal and date."""
    story = [e.title(ctx.title), e.document_number(ctx.document_number), e.addressee(ctx.addressee)]
    for paragraph in ctx.paragraphs:
        story.append(e.body(e.text("{}", paragraph)))
    if ctx.rights:
        story.append(e.body(e.text(
            "如对本答复不服，可以依照《中华人民共和国政府信息公开条例》第五十一条的规定，自收到本答复之日起六十日内"
            "向{}申请行政复议，或者自收到本答复之日起六个月内向{}提起行政诉讼。",
            ctx.review_body or "有权受理的行政复议机关", ctx.court or "有管辖权的人民法院")))
    if ctx.verify_url:
        page = ctx.verify_url.split("://", 1)[-1]
        story.append(e.note(e.text("本文书电子版的真伪可登录 {} 输入文书编号并上传 PDF 文件核验。", page)))
    story.append(e.signature_block(ctx.issuing_body, ctx.issued_on, seal_image=ctx.seal_image_path))
    return e.render(story, title=f"{ctx.title} {ctx.document_number}", author=ctx.issuing_body,
                    subject="政府信息公开", running_title=f"{ctx.title}（申请编号：{ctx.reference}）")

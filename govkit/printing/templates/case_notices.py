"""Notices printed for one case: 受理通知书, 不予受理通知书, 一次性告知书, 送达回证."""
from __future__ import annotations

from urllib.parse import urlsplit

from reportlab.lib.units import mm

from govkit.errors import ValidationError
from govkit.printing import engine as e
from govkit.printing.context import CaseNotice
from govkit.printing.qr import document_url

# Administrative Licensing Law art. 30/32; Administrative Reconsideration Law
# (60 days) and Administrative Procedure Law art. 46 (6 months).
_SPECIAL_PROCEDURES = (
    "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在办理时限内，"
    "本机关将另行书面告知。"
)
_PROVISIONAL_NOTE = (
    "注：标注“暂定”的日期所在年度的节假日安排尚未公布，暂按周一至周五并扣除法定节假日推算（未含调休）；"
    "安排公布后系统将重新计算，届时以重新计算的日期为准。"
)


def _qr(ctx: CaseNotice):
    """QR to the public progress page (with the document number and short hash), or None without a page URL."""
    if not (ctx.progress_url and ctx.progress_token):
        return None
    return e.qr_block(document_url(ctx.progress_url, ctx.case_number, ctx.progress_token, ctx.document_number,
                                   ctx.check_code))


def _progress_line(ctx: CaseNotice) -> str:
    if ctx.progress_url:
        host = urlsplit(ctx.progress_url).netloc
        return e.text("办理进度可扫描下方二维码查询，或登录 {} 凭办件编号 {} 查询。", host, ctx.case_number)
    return e.text("办理进度可凭办件编号 {} 向受理窗口查询。", ctx.case_number)


def _verify_line(ctx: CaseNotice) -> list:
    """How to check the electronic copy: number + PDF on the public verify page."""
    if not ctx.verify_url:
        return []
    page = ctx.verify_url.split("://", 1)[-1]
    return [e.note(e.text("本文书电子版的真伪可登录 {} 输入文书编号并上传 PDF 文件核验。", page))]


def rights(ctx: CaseNotice, document: str):
    """The applicant's remedies (行政复议法: 60 days; 行政诉讼法 §46: 6 months), naming organ and court."""
    return e.body(e.text(
        "如不服本决定，可以自收到{doc}之日起六十日内向{}申请行政复议，"
        "也可以自收到{doc}之日起六个月内向{}提起行政诉讼。",
        ctx.review_body or "有权受理的行政复议机关", ctx.court or "有管辖权的人民法院", doc=document))


def _contact(ctx: CaseNotice) -> list:
    if not (ctx.contact_person or ctx.contact_phone):
        return []
    return [e.body(e.text("联系人：{}；联系电话：{}。", ctx.contact_person or "—", ctx.contact_phone or "—"))]


def _head(ctx: CaseNotice, title: str) -> list:
    return [e.title(title), e.document_number(ctx.document_number), e.addressee(ctx.applicant_name)]


def _days(n: int | None) -> str:
    return f"{n} 个工作日" if n is not None else "—"


def _item(ctx: CaseNotice) -> str:
    return f"{ctx.item_name}（事项编码：{ctx.item_code}）" if ctx.item_code else ctx.item_name


def _materials_table(materials) -> list:
    if not materials:
        return [e.body("（无）")]
    return [e.grid_table(["序号", "材料名称", "材料形式", "份数"],
                         [(m.name, m.form, m.copies) for m in materials],
                         [0.09, 0.61, 0.17, 0.13], center_cols=(0, 2, 3))]


def _finish(ctx: CaseNotice, story: list, title: str, provisional: bool = False, on=None) -> bytes:
    story.append(e.spacer(2))
    story += _contact(ctx)
    story.append(e.body(_progress_line(ctx)))
    if provisional:
        story.append(e.note(_PROVISIONAL_NOTE))
    story += _verify_line(ctx)
    story.append(e.signature_block(ctx.issuing_body, on or ctx.date_printed, qr=_qr(ctx),
                                   seal_image=ctx.seal_image_path, below=ctx.received_on_behalf))
    return e.render(story, title=f"{title} {ctx.document_number}", author=ctx.issuing_body,
                    subject=ctx.item_name, running_title=f"{title}（办件编号：{ctx.case_number}）")


def render_acceptance_notice(ctx: CaseNotice) -> bytes:
    """受理通知书: the application is accepted and the deadline clock runs."""
    title = "受理通知书"
    story = _head(ctx, title)
    # 视为受理 (行政许可法第三十二条): the notice says the acceptance dates from receipt by law.
    opening = ("你（单位）于{}提交的“{}”申请，本机关未在五日内一次告知需要补正的内容，依照《中华人民共和国行政许可法》"
               "第三十二条，自收到申请材料之日起即为受理。" if ctx.deemed_accepted else
               "你（单位）于{}提交的“{}”申请，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。")
    story.append(e.body(e.text(opening + "现将有关事项告知如下：", e.cn_date(ctx.received_date), ctx.item_name)))
    story.append(e.kv_table([
        ("办件编号", ctx.case_number, True),
        ("申请事项", _item(ctx), True),
        ("申请人", ctx.applicant_name),
        ("证件号码", ctx.applicant_id_masked or "—"),
        ("联系电话", ctx.applicant_phone_masked or "—"),
        ("受理地点", ctx.division_name or ctx.issuing_body),
        ("收件日期", e.cn_date(ctx.received_date)),
        ("受理日期", e.cn_date(ctx.accepted_date) + ("（视为受理）" if ctx.deemed_accepted else "")),
        ("法定办结时限", _days(ctx.legal_days)),
        ("承诺办结时限", _days(ctx.promised_days)),
        ("承诺办结日期", e.cn_date(ctx.due_date, ctx.due_date_provisional, blank="—"), True),
    ], label_width=27 * mm, columns=2))
    story.append(e.heading("已收取的申请材料"))
    story += _materials_table(ctx.materials_received)
    story.append(e.spacer(2))
    story.append(e.body("本机关将在承诺办结时限内作出决定。" + _SPECIAL_PROCEDURES))
    return _finish(ctx, story, title, provisional=ctx.due_date_provisional and ctx.due_date is not None)


def render_refusal_notice(ctx: CaseNotice) -> bytes:
    """不予受理通知书: reason, legal basis and the applicant's remedies."""
    title = "不予受理通知书"
    story = _head(ctx, title)
    story.append(e.body(e.text(
        "你（单位）于{}提交的“{}”申请（办件编号：{}），经审查，本机关决定不予受理。", e.cn_date(ctx.received_date),
        ctx.item_name, ctx.case_number)))
    story.append(e.body(e.text("不予受理的理由：{}", ctx.refusal_reason or "（未填写）")))
    if ctx.legal_basis:
        story.append(e.body(e.text("法律依据：{}", ctx.legal_basis)))
    story.append(rights(ctx, "本通知书"))
    if ctx.materials_received:
        story.append(e.heading("退回的申请材料"))
        story += _materials_table(ctx.materials_received)
    return _finish(ctx, story, title)


def render_supplement_notice(ctx: CaseNotice) -> bytes:
    """一次性告知书: every missing material at once, and the supplement deadline."""
    if not ctx.missing_materials:
        raise ValidationError("一次性告知书须列出至少一项需补正的材料。", case_number=ctx.case_number)
    title = "一次性告知书"
    story = _head(ctx, title)
    story.append(e.body(e.text(
        "你（单位）于{}提交的“{}”申请（办件编号：{}），经审查，申请材料不齐全或者不符合法定形式。"
        "根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知你需要补正的全部内容如下：",
        e.cn_date(ctx.received_date), ctx.item_name, ctx.case_number)))
    story.append(e.grid_table(["序号", "需补正的材料", "补正要求"],
                              [(m.name, m.requirement or "—") for m in ctx.missing_materials],
                              [0.09, 0.36, 0.55], center_cols=(0,)))
    story.append(e.spacer(2))
    deadline = e.cn_date(ctx.supplement_deadline, ctx.supplement_deadline_provisional, blank="")
    where = ctx.division_name or ctx.issuing_body
    if not deadline and ctx.supplement_days is None:
        # "逾期未补正的，视为撤回" means nothing without the period (行政许可法 §32).
        raise ValidationError("一次性告知书须写明补正期限（补正截止日期或补正工作日数）。", case_number=ctx.case_number)
    within = e.text("（自收到本告知书之日起 {} 个工作日内）", ctx.supplement_days) if ctx.supplement_days else ""
    if deadline:
        text = e.text("请于{}前{}将上述材料补正齐全，提交至{}。", deadline, within, where)
    else:
        text = e.text("请自收到本告知书之日起 {} 个工作日内将上述材料补正齐全，提交至{}。", ctx.supplement_days, where)
    story.append(e.body(text + (
        "补正期间不计入办理时限；材料补正齐全、符合法定形式的，本机关将予以受理。"
        "逾期未补正的，视为撤回申请，已提交的材料予以退回。")))
    if ctx.materials_received:
        story.append(e.heading("已收取的申请材料"))
        story += _materials_table(ctx.materials_received)
    provisional = ctx.supplement_deadline_provisional and ctx.supplement_deadline is not None
    return _finish(ctx, story, title, provisional=provisional)


def render_delivery_receipt(ctx: CaseNotice) -> bytes:
    """送达回证: proof that the result was handed to the applicant."""
    title = "送达回证"
    document = ctx.decision_title or ctx.decision or "办理结果"
    if ctx.result_number:
        document += f"（{ctx.result_number}）"
    proxy = ctx.delivery_receiver if ctx.delivery_receiver and ctx.delivery_receiver != ctx.applicant_name else ""
    story = [e.title(title), e.document_number(ctx.document_number)]
    story.append(e.kv_table([
        ("送达文书名称及文号", document),
        ("办件编号", ctx.case_number),
        ("申请事项", _item(ctx)),
        ("受送达人", ctx.applicant_name),
        ("送达地点", ctx.delivery_place or ctx.division_name or "—"),
        ("送达方式", ctx.delivery_method or "—"),
        ("送达日期", e.cn_date(ctx.delivery_date)),
        ("受送达人签名或盖章", e.signature_cell()),
        ("代收人及代收理由", [e.body(proxy, indent=False)] + e.signature_cell(8) if proxy else e.signature_cell(8)),
        ("送达人签名", e.signature_cell(10)),
        ("备注", e.signature_cell(8, dated=False)),
    ], label_width=42 * mm))
    story.append(e.note("受送达人拒绝签收的，送达人应在备注栏注明拒收事由和日期，由见证人签名，"
                        "把文书留在受送达人住所，即视为送达。"))
    return _finish(ctx, story, title, on=ctx.delivery_date)

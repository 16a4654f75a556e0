"""示范县's own acceptance notice, replacing govkit's ``acceptance_notice`` by name.

The county adds its service promise and the 12345 hotline and prints the implementing
body's consultation phone, using the printing engine's helpers.
"""
from __future__ import annotations

from reportlab.lib.units import mm

from govkit.toolkit import CaseNotice, PrintTemplate, progress_url
from govkit.toolkit import print_engine as e

TITLE = "示范县政务服务受理通知书"
PROMISE = ("示范县承诺：受理后不再要求申请人补充清单以外的材料；办结后由村代办员送达，群众不跑腿。"
           "对办理结果或服务态度不满意的，可拨打 12345 或扫描二维码评价、投诉。")


def render_acceptance_notice(ctx: CaseNotice) -> bytes:
    story = [e.title(TITLE), e.document_number(ctx.document_number), e.addressee(ctx.applicant_name),
             e.body(e.markup("你于{}提交的“{}”申请材料齐全、符合法定形式，现予受理。", e.cn_date(ctx.received_date),
                             ctx.item_name), trusted_markup=True),
             e.kv_table([("办件编号", ctx.case_number), ("申请事项", ctx.item_name),
                         ("证件号码", ctx.applicant_id_masked or "—"),
                         ("受理地点", ctx.division_name or ctx.issuing_body),
                         ("受理日期", e.cn_date(ctx.accepted_date)),
                         ("承诺办结时限", f"{ctx.promised_days} 个工作日" if ctx.promised_days is not None else "—"),
                         ("承诺办结日期", e.cn_date(ctx.due_date, ctx.due_date_provisional, blank="—"))],
                        label_width=30 * mm)]
    if ctx.materials_received:
        story += [e.heading("已收取的申请材料"),
                  e.grid_table(["序号", "材料名称", "形式", "份数"],
                               [(m.name, m.form, m.copies) for m in ctx.materials_received],
                               [0.09, 0.61, 0.17, 0.13], center_cols=(0, 2, 3))]
    story.append(e.body(PROMISE))
    if ctx.contact_phone:
        story.append(e.body(e.markup("咨询电话：{}；监督电话：12345。", ctx.contact_phone), trusted_markup=True))
    qr = None
    if ctx.progress_url and ctx.progress_token:
        qr = e.qr_block(progress_url(ctx.progress_url, ctx.case_number, ctx.progress_token))
    story.append(e.signature_block(ctx.issuing_body, ctx.issued_on or ctx.accepted_date, qr=qr))
    return e.render(story, title=f"{TITLE} {ctx.document_number}", author=ctx.issuing_body, subject=ctx.item_name)


def templates() -> list[PrintTemplate]:
    return [PrintTemplate(name="acceptance_notice", title=TITLE, subject="case", render=render_acceptance_notice,
                          description="示范县本地受理通知书（含服务承诺与 12345 监督电话）。")]

"""Lists of many cases: 登记簿 (intake register) and 纸质资料交接单 (transfer list)."""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from govkit.printing import engine as e
from govkit.printing.context import RegisterRange, TransferBatch

# Register cells are clipped at this length so one absurd value can never
# outgrow a page; the full text stays in the system.
_MAX_CELL_CHARS = 60


def _short(d) -> str:
    return d.isoformat() if d else "—"


def render_intake_register(r: RegisterRange) -> bytes:
    """登记簿: every case registered at one division in a date range, header on every page."""
    title = f"{r.division_name}办件登记簿"
    period = f"{e.cn_date(r.start)}至{e.cn_date(r.end)}"
    story = [e.title(title), e.document_number(f"登记期间：{period}{e.GAP}共 {len(r.rows)} 件")]
    rows = [
        (row.case_number, _short(row.received_date), row.applicant_name, row.applicant_id_masked or "—",
         row.item_name, row.status or "—",
         _short(row.due_date) + ("（暂定）" if row.due_date and row.due_date_provisional else ""),
         row.handler or "—", row.note)
        for row in r.rows
    ]
    story.append(e.grid_table(
        ["序号", "办件编号", "收件日期", "申请人", "证件号码", "申请事项", "状态", "承诺办结日期", "经办人", "备注"],
        rows, [0.045, 0.145, 0.075, 0.08, 0.125, 0.2, 0.065, 0.11, 0.065, 0.09],
        center_cols=(0, 2, 6, 7, 8), max_chars=_MAX_CELL_CHARS, width=e.LANDSCAPE_CONTENT_WIDTH, small=True))
    if any(row.due_date_provisional for row in r.rows):
        story.append(e.note("注：标注“暂定”的日期所在年度的节假日安排尚未公布，"
                            "暂按周一至周五并扣除法定节假日推算（未含调休），公布后以重新计算的日期为准。"))
    footer = e.GAP.join(filter(None, [
        f"打印单位：{r.issuing_body}" if r.issuing_body else "",
        f"打印日期：{e.cn_date(r.printed_on)}" if r.printed_on else "",
    ]))
    if footer:
        story += [e.spacer(3), e.body(footer, indent=False)]
    return e.render(story, title=f"{title}（{period}）", author=r.issuing_body or r.division_name,
                    subject="办件登记簿", landscape_page=True, running_title=f"{title}（{period}）")


def render_transfer_list(b: TransferBatch) -> bytes:
    """纸质资料交接单: originals handed up one level, signed by both sides."""
    title = "纸质资料交接单"
    story = [e.title(title), e.document_number(f"交接批次号：{b.batch_number}")]
    story.append(e.kv_table([
        ("移交单位", b.from_name),
        ("接收单位", b.to_name),
        ("移交日期", e.cn_date(b.sent_on)),
    ], label_width=28 * mm))
    story.append(e.spacer(3))
    rows, total = [], 0
    for c in b.cases:
        copies = sum(m.copies for m in c.materials)
        total += copies
        listing = "；".join(f"{m.name}（{m.form}×{m.copies}）" for m in c.materials) or "—"
        rows.append((c.case_number, c.applicant_name, c.item_name, listing, copies))
    story.append(e.grid_table(["序号", "办件编号", "申请人", "事项名称", "纸质材料（形式×份数）", "份数"],
                              rows, [0.06, 0.22, 0.1, 0.2, 0.34, 0.08], center_cols=(0, 5),
                              max_chars=(60, 150, 150, 400, 10), small=True))
    story.append(e.body(f"合计：{len(b.cases)} 件，纸质材料 {total} 份。", indent=False))
    if b.note:
        story.append(e.body(f"备注：{b.note}", indent=False))
    story.append(e.spacer(4))
    line = [e.body(e.text("移交人（签字）：{}", b.sender), indent=False), "",
            e.body(e.text("接收人（签字）：{}", b.receiver), indent=False), ""]
    dates = [e.body("日期：" + e.cn_date(b.sent_on), indent=False), "",
             e.body("日期：" + e.cn_date(b.received_on), indent=False), ""]
    half = e.CONTENT_WIDTH / 2
    sign = Table([line, dates], colWidths=[half - 8 * mm, 8 * mm] * 2, rowHeights=[16 * mm, 10 * mm])
    sign.setStyle(TableStyle([e.layout_font(), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                              ("LINEBELOW", (0, 0), (0, 0), 0.5, "black"),
                              ("LINEBELOW", (2, 0), (2, 0), 0.5, "black")]))
    story.append(sign)
    return e.render(story, title=f"{title} {b.batch_number}", author=b.from_name, subject="纸质资料交接",
                    running_title=f"{title}（{b.batch_number}）")

"""A county's print-template plugin, as a plugin author would write it.

It replaces the built-in 受理通知书 with the county's own wording and adds a
new template (上门服务登记单, a home-visit slip).  Used by
``tests/printing/test_plugin_templates.py``.
"""
from __future__ import annotations

from govkit import hookimpl
from govkit.printing import CaseNotice, PrintTemplate
from govkit.printing import engine as e
from govkit.printing.qr import progress_url

COUNTY = "示范县"


def progress_qr(ctx: CaseNotice):
    """The progress-page QR code, or None when the deployment has no public progress page."""
    if not (ctx.progress_url and ctx.progress_token):
        return None
    return e.qr_block(progress_url(ctx.progress_url, ctx.case_number, ctx.progress_token))


def render_county_acceptance(ctx: CaseNotice) -> bytes:
    story = [
        e.title("受理通知书"),
        e.document_number(ctx.document_number),
        e.addressee(ctx.applicant_name),
        e.body(e.text("你申请的“{}”（办件编号：{}）已受理，承诺于{}前办结。{}政务服务，一次办好。",
                        ctx.item_name, ctx.case_number, e.cn_date(ctx.due_date, ctx.due_date_provisional),
                        COUNTY)),
        e.grid_table(["序号", "材料名称", "份数"], [(m.name, m.copies) for m in ctx.materials_received],
                     [0.1, 0.7, 0.2]),
        e.signature_block(ctx.issuing_body, ctx.date_printed, qr=progress_qr(ctx)),
    ]
    return e.render(story, title="受理通知书（示范县版）", author=ctx.issuing_body)


def render_home_visit_slip(ctx: CaseNotice) -> bytes:
    story = [
        e.title("上门服务登记单"),
        e.kv_table([("办件编号", ctx.case_number), ("服务对象", ctx.applicant_name),
                    ("服务事项", ctx.item_name), ("代办员", ctx.contact_person)]),
        e.signature_block(ctx.issuing_body, ctx.date_printed, seal_label=""),
    ]
    return e.render(story, title="上门服务登记单", author=ctx.issuing_body)


@hookimpl
def register_print_templates():
    return [
        PrintTemplate(name="acceptance_notice", title="受理通知书（示范县版）", subject="case",
                      render=render_county_acceptance),
        PrintTemplate(name="home_visit_slip", title="上门服务登记单", subject="case",
                      render=render_home_visit_slip, applies_to={"000105001000"}),
    ]

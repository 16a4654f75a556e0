"""A county plugin that adds a case document (入户核查通知书) the desk prints, as a plugin author
would write it: a print template (``register_print_templates``) and its document kind
(``register_case_documents``, issuable once the case is accepted). The template prints the
case's own form data with the item's labels. Used by ``tests/desk/test_issuing.py``.
"""
from __future__ import annotations

from govkit.toolkit import CaseDocumentKind, CaseNotice, PrintTemplate, document_url, hookimpl, print_engine as e


def render_home_check(ctx: CaseNotice) -> bytes:
    rows = [(ctx.form_labels.get(name, name), value) for name, value in sorted(ctx.form_data.items()) if value]
    qr = None
    if ctx.progress_url and ctx.progress_token:
        qr = e.qr_block(document_url(ctx.progress_url, ctx.case_number, ctx.progress_token, ctx.document_number,
                                     ctx.check_code))
    story = [
        e.title("入户核查通知书"),
        e.document_number(ctx.document_number),
        e.addressee(ctx.applicant_name),
        e.body(e.text("你申请的“{}”（办件编号：{}）已受理，工作人员将入户核查以下申报情况：",
                      ctx.item_name, ctx.case_number)),
        e.kv_table(rows),
        e.signature_block(ctx.issuing_body, ctx.date_printed, qr=qr),
    ]
    return e.render(story, title=f"入户核查通知书 {ctx.document_number}", author=ctx.issuing_body)


@hookimpl
def register_print_templates():
    return [PrintTemplate(name="home_check_notice", title="入户核查通知书", subject="case", render=render_home_check,
                          applies_to={"000105001000"})]


@hookimpl
def register_case_documents():
    return [CaseDocumentKind(name="home_check_notice", title="入户核查通知书", after=("accept",), requirement="未受理")]

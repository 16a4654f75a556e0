"""Public document verify page (``/public/verify``, 文书核验): no login.

Anyone holding an electronic notice enters its document number and uploads the PDF
(or pastes its SHA-256, or the short hash from its QR code); the page says whether that is
exactly what the system issued (:mod:`govkit.printing.issued`) and whether the document is
still valid, superseded by a newer one (which, since when) or withdrawn. A match shows only
what the notice itself says publicly — its kind, number, issuing organ, issue date and
status — never the applicant. The check is a POST: the number and hash never go into a URL
(the QR code carries them in the fragment, which the page copies into the form).

Uploads are capped at VERIFY_MAX_BYTES before the body is read (the request's own
``max_content_length``, set before the CSRF check parses the form), only the hash is
computed (the PDF is never parsed), and checks count against VERIFY_RATE_LIMIT per address; failed checks
also count against VERIFY_NUMBER_FAILURE_LIMIT per document number from any address (issue 21 item 6, as the
progress look-up's per-case limit).
"""
from __future__ import annotations

import hashlib

from flask import render_template, request
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from govkit.clock import local_date
from govkit.db import db
from govkit.desk.storage import format_size
from govkit.errors import ValidationError
from govkit.hierarchy.models import Division
from govkit.printing import issued
from govkit.printing.models import SUPERSEDED, VALID, WITHDRAWN
from govkit.publicity.forms import VerifyForm
from govkit.publicity.limiter import FailureBudget, rate_limit
from govkit.publicity.public.blueprint import bp, setting

_ENDPOINT = "public.verify"
TOO_MANY = "这个文书编号的核验失败次数过多，已暂停核验。请稍后再试，或持纸质通知书到文书落款单位核实。"
_FORM_OVERHEAD = 64 * 1024  # the other fields and multipart boundaries

ANSWERS = {
    issued.MISMATCH: (
        "不一致",
        "本系统签发过这个编号的文书，但您提供的文件与签发时的文件不同：文件可能被修改过"
        "（包括编辑、另存、压缩、“打印为 PDF”），或不是签发的原件。"
        "请向申请人索取签发时收到的 PDF 原件后重新核验，或持纸质通知书到落款单位核实。",
    ),
    issued.OTHER_NUMBER: (
        "不一致",
        "这个文件是本系统签发的，但与您输入的文书编号不符。"
        "请核对文书编号（通知书标题下方的编号）后重新核验。",
    ),
    issued.NOT_FOUND: (
        "未找到",
        "本系统没有签发过这个编号的文书，也没有签发过这个文件。"
        "请核对文书编号（通知书标题下方的编号，注意完整输入）；编号无误的，"
        "该文件不是本系统出具的，请持原件到文书落款单位核实。",
    ),
}


def _max_bytes() -> int:
    return int(setting("VERIFY_MAX_BYTES"))


@bp.url_value_preprocessor
def _cap_verify_upload(endpoint, values) -> None:
    # Runs before every before_request function, so the CSRF check's form parsing
    # already stops at this cap instead of the site-wide upload limit.
    if endpoint == _ENDPOINT:
        request.max_content_length = _max_bytes() + _FORM_OVERHEAD


def _too_large_message() -> str:
    return (f"文件超过 {format_size(_max_bytes())}，不能核验。本系统签发的通知书 PDF 一般只有几十 KB，"
            "请确认上传的是签发时收到的 PDF 文件，而不是扫描件或照片。")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    if request.endpoint == _ENDPOINT:
        return _render(VerifyForm(formdata=None), error=_too_large_message(), status=413)
    return render_template("public/error.html", title="文件太大", message="上传的文件太大。"), 413


def _render(form: VerifyForm, *, result: issued.Verification | None = None, digest: str = "",
            error: str | None = None, status: int = 200):
    facts = None
    if result is not None and result.matches:
        doc = result.document
        facts = {
            "title": doc.title, "number": doc.document_number, "issuer": _issuer_name(doc),
            "issued_on": _cn_date(doc.issued_at), "signed": doc.signed, "status": _status(result),
            "valid": doc.status == VALID, "by_code": len(digest) == 16,
        }
    answer = ANSWERS.get(result.outcome) if result is not None and not result.matches else None
    html = render_template("public/verify.html", form=form, facts=facts, answer=answer, digest=digest,
                           error=error, max_size=format_size(_max_bytes()))
    return html, status


def _status(result: issued.Verification) -> str:
    """The document's status as the page states it: 有效 / 已被第 N 号文书替代（日期） / 已撤销（日期）."""
    doc = result.document
    if doc.status == SUPERSEDED:
        number = result.successor.document_number if result.successor is not None else "—"
        on = _cn_date(doc.status_changed_at) if doc.status_changed_at else ""
        return f"已被替代：{on}另行出具文书 {number}，本文书不再有效"
    if doc.status == WITHDRAWN:
        on = _cn_date(doc.status_changed_at) if doc.status_changed_at else ""
        return f"已撤销（{on}），本文书不再有效"
    return "有效"


def _issuer_name(doc) -> str:
    if doc.issuing_body:
        return doc.issuing_body
    name = (db.session.scalar(select(Division.name).where(Division.code == doc.division_code))
            if doc.division_code else None)
    return name or "—"


def _cn_date(instant) -> str:
    day = local_date(instant)  # SQLite returns naive UTC; local_date reads that as UTC
    return f"{day.year}年{day.month}月{day.day}日"


def _digest_of(form: VerifyForm) -> str:
    """SHA-256 of the uploaded PDF, else the pasted value; ValidationError says what is wrong."""
    upload = form.file.data
    pasted = (form.sha256.data or "").strip()
    if isinstance(upload, FileStorage) and upload.filename:
        limit = _max_bytes()
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(_too_large_message())
        if not data.startswith(b"%PDF-"):
            raise ValidationError("上传的文件不是 PDF 文件。请上传签发时收到的 PDF 原件（文件名以 .pdf 结尾），"
                                  "照片、扫描件或 Word 文件无法核验。")
        digest = hashlib.sha256(data).hexdigest()
        if pasted and issued.parse_sha256(pasted) != digest:
            raise ValidationError("上传的文件与粘贴的 SHA-256 值不是同一个文件，请只提供其中一项后重新核验。")
        return digest
    if pasted:
        return issued.parse_digest(pasted)
    raise ValidationError("请上传 PDF 文件，或粘贴文件的 SHA-256 值。")


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    if request.method == "GET":
        return _render(VerifyForm(formdata=None))
    form = VerifyForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return _render(VerifyForm(formdata=None), error="页面已过期，请刷新页面后重新提交。", status=400)
        return _render(form, error="请输入文书编号（最多 64 个字符），并上传 PDF 文件或粘贴 SHA-256 值。", status=400)
    failures = FailureBudget(setting("VERIFY_NUMBER_FAILURE_LIMIT"), scope="public-verify-number")
    number = "".join((form.no.data or "").split())
    try:
        digest = _digest_of(form)
        with rate_limit(setting("VERIFY_RATE_LIMIT"), scope="public-verify"):
            if failures.exhausted(number):
                return _render(form, error=TOO_MANY, status=429)
            result = issued.verify(db.session, form.no.data, digest)
    except ValidationError as exc:
        return _render(form, error=str(exc), status=400)
    if not result.matches:  # counted per document number, known or not, from any address
        failures.fail(number)
    return _render(form, result=result, digest=digest)

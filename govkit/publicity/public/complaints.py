"""Public complaints and suggestions (``/public/complaints``): file one, look up the reply.

Filing is limited per client address by COMPLAINT_RATE_LIMIT and guarded by a honeypot
field plus a signed minimum-fill-time stamp (no CAPTCHA service, works offline) that files
one complaint only (``Complaint.stamp_digest`` is unique).
"""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from govkit.db import db
from govkit.hierarchy.models import Division
from govkit.publicity import complaints
from govkit.publicity.forms import ComplaintForm
from govkit.publicity.public.blueprint import antispam_fields, bp, file_public_form, home_division, lookup_page


def _division_choices():
    """The county, its townships and their villages, for the 涉及地区 picker."""
    county = home_division()
    if county is None:
        return None, [], []
    townships = list(db.session.scalars(select(Division).where(Division.parent_id == county.id,
                                                               Division.active.is_(True)).order_by(Division.code)))
    villages = list(db.session.scalars(select(Division).where(Division.parent_id.in_([t.id for t in townships]),
                                                              Division.active.is_(True)).order_by(Division.code)))
    return county, townships, villages


def _render_form(form: ComplaintForm, error: str | None = None, status: int = 200):
    county, townships, villages = _division_choices()
    by_township: dict[int, list[Division]] = {}
    for village in villages:
        by_township.setdefault(village.parent_id, []).append(village)
    return render_template("public/complaint_form.html", form=form, error=error, county=county,
                           townships=townships, villages=by_township,
                           **antispam_fields()), status


@bp.route("/complaints/new", methods=["GET", "POST"])
def complaint_new():
    form = ComplaintForm()
    if request.method == "GET":
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, "请完整填写标题和内容。", 400)
    county = home_division()
    code = form.division.data or (county.code if county else "")
    complaint, lookup_code, refused = file_public_form(
        lambda message, status: _render_form(form, message, status),
        lambda: complaints.file_complaint(
            db.session, kind=form.kind.data, division_code=code, subject=form.subject.data,
            content=form.content.data, contact=form.contact.data, case_number=form.case_number.data),
        limit="COMPLAINT_RATE_LIMIT", limiter_scope="public-complaint", again="反映")
    if refused is not None:
        return refused
    return render_template("public/complaint_done.html", complaint=complaint, lookup_code=lookup_code)


@bp.route("/complaints/lookup", methods=["GET", "POST"])
def complaint_lookup():
    return lookup_page("public/complaint_lookup.html", complaints.lookup, limiter_scope="public-complaint-lookup",
                       missing="请输入编号和查询码。", not_found="未查到匹配的投诉或意见，请核对编号和查询码。")

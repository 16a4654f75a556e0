"""Public progress lookup (``/public/progress``) and 好差评 (``/public/progress/rate``).

A lookup is a POST (CSRF-protected): the factor never travels in a URL, so it never lands in
an access log or a browser history. The QR code on a notice opens ``?no=<number>#t=<token>`` —
the token sits in the fragment, which browsers do not send; ``public/progress.js`` moves it
into the form and submits it. A GET never looks anything up.

A lookup is counted against PROGRESS_RATE_LIMIT per client address, and every failed one
against PROGRESS_CASE_FAILURE_LIMIT for the case number typed (known or not), so guesses
spread over many addresses still run out. An unknown number and a wrong factor render the
same page with the same status. A successful lookup hands out a signed, short-lived rating
ticket for that case, so rating needs the same verification without putting the factor in
the page.
"""
from __future__ import annotations


from flask import current_app, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.errors import GovkitError
from govkit.publicity import progress as progress_service
from govkit.publicity import ratings
from govkit.publicity.forms import ProgressForm, RatingForm
from govkit.publicity.limiter import FailureBudget, rate_limit
from govkit.publicity.models import Rating
from govkit.clock import local_date
from govkit.publicity.public.blueprint import bp, setting

NOT_FOUND = "未查到匹配的办件。请核对办件编号和验证信息（手机号后4位或通知书上的查询码）后重试。"
TOO_MANY = "该办件编号的查询失败次数过多，已暂停查询。请稍后再试，或携带身份证件到办理窗口查询。"
_TICKET_SALT = "govkit-rating-ticket"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TICKET_SALT)


def working_calendar():
    """The app's working-day calendar (package + plugin overrides + entered years)."""
    return calendar_for(db.session, current_app)


def _render(form: ProgressForm, *, result=None, error: str | None = None, message: str | None = None,
            rating_form: RatingForm | None = None, rating_error: str | None = None):
    if result is not None and result.rateable and rating_form is None:
        rating_form = RatingForm(formdata=None, ticket=_serializer().dumps(result.case_id))
    return render_template("public/progress.html", form=form, result=result, error=error, message=message,
                           rating_form=rating_form, rating_error=rating_error,
                           dimensions=setting("RATING_DIMENSIONS"), levels=ratings.LEVELS)


def _result_for(case: Case):
    rated = db.session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None
    return progress_service.progress_of(db.session, case, rated=rated)


@bp.route("/progress", methods=["GET", "POST"])
def progress():
    if request.method == "GET":
        # ?no= pre-fills the number (the QR code's token follows in the #fragment); never a lookup.
        return _render(ProgressForm(formdata=None, no=request.args.get("no", "")[:32]))
    form = ProgressForm()
    if not form.validate_on_submit():
        return _render(form, error="请填写办件编号，并填写手机号后4位或查询码。")
    number, phone4, token = form.no.data, form.f.data, form.t.data
    if not (phone4 or token):
        return _render(form, error="请填写手机号后4位或通知书上的查询码。")
    failures = FailureBudget(setting("PROGRESS_CASE_FAILURE_LIMIT"), scope="public-progress-case")
    with rate_limit(setting("PROGRESS_RATE_LIMIT"), scope="public-progress"):
        if failures.exhausted(number):
            return _render(form, error=TOO_MANY), 429
        case = progress_service.find_verified(db.session, number, phone_last4=phone4, token=token)
    if case is None:
        failures.fail(number)
        return _render(form, error=NOT_FOUND)
    return _render(form, result=_result_for(case))


@bp.route("/progress/rate", methods=["POST"])
def rate():
    form = RatingForm()
    empty = ProgressForm(formdata=None)
    try:
        case_id = _serializer().loads(form.ticket.data or "", max_age=setting("RATING_TICKET_SECONDS"))
    except BadSignature:
        return _render(empty, error="评价页面已过期，请重新查询办件后再评价。")
    case = db.session.get(Case, case_id)
    if case is None:
        return _render(empty, error="评价页面已过期，请重新查询办件后再评价。")
    if not form.validate_on_submit():
        return _render(empty, result=_result_for(case), rating_form=form, rating_error="请选择总体评价后再提交。")
    dimensions = {name: request.form.get(f"dim_{i}", "") for i, name in enumerate(setting("RATING_DIMENSIONS"))}
    try:
        ratings.submit_rating(
            db.session, case, level=form.level.data, dimensions=dimensions, comment=form.comment.data,
            calendar=working_calendar(), rectification_days=setting("RECTIFICATION_DAYS"),
            allowed_dimensions=tuple(setting("RATING_DIMENSIONS")), today=local_date(),
        )
        db.session.commit()
    except GovkitError as exc:
        db.session.rollback()
        return _render(empty, result=_result_for(case), rating_form=form, rating_error=str(exc))
    return _render(empty, result=_result_for(case), message="感谢您的评价！您的意见将用于改进服务。")

"""Public pages of 网上咨询 (``/public/consult``): ask a question about an item, read the answer.

Asking is CSRF-protected (Flask-WTF), limited per client address by CONSULT_RATE_LIMIT and guarded
like the complaint form (honeypot + signed minimum-fill-time stamp that files one question only:
``Question.stamp_digest`` is unique). The guide shows the item's published questions through the
template global ``item_faq`` — anonymised, never a name, phone, e-mail or ID number.
"""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from govkit.cases.runtime import calendar_for
from govkit.consult import services
from govkit.db import db
from govkit.errors import GovkitError
from govkit.publicity import antispam, guides
from govkit.publicity.limiter import rate_limit
from govkit.publicity.public.blueprint import antispam_fields, lookup_page, portal_blueprint, setting

bp = portal_blueprint("public_consult", "/public/consult")


class AskForm(FlaskForm):
    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50)])
    phone = StringField("手机号码", validators=[Optional(), Length(max=20)])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=100)])
    address = StringField("通信地址", validators=[Optional(), Length(max=200)])
    id_number = StringField("身份证号码（选填）", validators=[Optional(), Length(max=18)])
    subject = StringField("咨询标题", validators=[DataRequired("请填写咨询标题。"), Length(max=100)])
    content = TextAreaField("咨询内容", validators=[DataRequired("请填写咨询内容。"), Length(max=1000)])


@bp.app_template_global("item_faq")
def item_faq(implementation_id: int) -> list[services.FaqEntry]:
    """The published, anonymised questions of an implementation (for the public guide)."""
    return services.faq(db.session, implementation_id)


def _form_page(impl, form: AskForm, error: str | None = None, status: int = 200):
    return render_template("consult/ask.html", impl=impl, form=form, error=error,
                           days=setting("CONSULT_ANSWER_DAYS"),
                           **antispam_fields()), status


@bp.route("/ask/<int:implementation_id>", methods=["GET", "POST"])
def ask(implementation_id: int):
    impl = guides.public_guide(db.session, implementation_id)
    if impl is None:
        abort(404)
    form = AskForm()
    if request.method == "GET":
        return _form_page(impl, form)
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()), ["请完整填写表单。"])
        return _form_page(impl, form, "页面已过期，请刷新后重新提交。" if "csrf_token" in form.errors
                          else "；".join(str(m) for m in first), 400)
    try:
        antispam.check(current_app.config["SECRET_KEY"], request.form,
                       min_seconds=setting("COMPLAINT_MIN_FILL_SECONDS"))
    except GovkitError as exc:
        return _form_page(impl, form, str(exc), 400)
    with rate_limit(setting("CONSULT_RATE_LIMIT"), scope="public-consult"):
        try:
            question, code = services.ask(
                db.session, impl, name=form.name.data, phone=form.phone.data, email=form.email.data,
                address=form.address.data, id_number=form.id_number.data, subject=form.subject.data,
                content=form.content.data, calendar=calendar_for(db.session, current_app),
                days=int(setting("CONSULT_ANSWER_DAYS")))
            question.stamp_digest = antispam.stamp_digest(request.form)
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            return _form_page(impl, form, str(exc), 400)
        except IntegrityError:
            db.session.rollback()
            return _form_page(impl, form, "此页面已提交过，请勿重复提交；如需再次咨询，请刷新页面后重新填写。", 400)
    return render_template("consult/asked.html", question=question, lookup_code=code, impl=impl)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    return lookup_page("consult/lookup.html", services.lookup, limiter_scope="public-consult-lookup",
                       missing="请输入咨询编号和查询码。", not_found="未查到匹配的咨询，请核对编号和查询码。")

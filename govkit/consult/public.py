"""Public pages of 网上咨询 (``/public/consult``): ask a question about an item, read the answer.

Asking is CSRF-protected (Flask-WTF), limited per client address by CONSULT_RATE_LIMIT and guarded
like the complaint form (honeypot + signed minimum-fill-time stamp that files one question only:
``Question.stamp_digest`` is unique). The guide shows the item's published questions through the
template global ``item_faq`` — anonymised, never a name, phone, e-mail or ID number.
"""
from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from govkit.cases.runtime import calendar_for
from govkit.consult import services
from govkit.consult.models import Question
from govkit.db import db
from govkit.online.models import PERSON
from govkit.online.session import applicant_required, current_applicant
from govkit.publicity import guides
from govkit.publicity.public.blueprint import (antispam_fields, file_public_form, lookup_page, portal_blueprint,
                                              setting)

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


@bp.app_template_global("applicant_tabs")
def applicant_tabs() -> list[tuple[str, str]]:
    """The tabs 我的咨询 and 我的申请 of 我的办件, for the plugins that are on (label, URL)."""
    return [(label, url_for(endpoint)) for label, endpoint in (("我的咨询", "public_consult.mine"),
                                                               ("我的申请", "public_foi.mine"))
            if endpoint in current_app.view_functions]


def _form_page(impl, form: AskForm, error: str | None = None, status: int = 200):
    return render_template("consult/ask.html", impl=impl, form=form, error=error,
                           days=setting("CONSULT_ANSWER_DAYS"), applicant=current_applicant(),
                           **antispam_fields()), status


@bp.route("/ask/<int:implementation_id>", methods=["GET", "POST"])
def ask(implementation_id: int):
    impl = guides.public_guide(db.session, implementation_id)
    if impl is None:
        abort(404)
    applicant = current_applicant()
    if request.method == "GET" and applicant is not None:  # the account's name, phone (and ID) as defaults
        form = AskForm(formdata=None, data={"name": applicant.contact_name or applicant.name, "phone": applicant.phone,
                                            "id_number": applicant.id_number if applicant.kind == PERSON else ""})
    else:
        form = AskForm()
    if request.method == "GET":
        return _form_page(impl, form)
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()), ["请完整填写表单。"])
        return _form_page(impl, form, "页面已过期，请刷新后重新提交。" if "csrf_token" in form.errors
                          else "；".join(str(m) for m in first), 400)
    question, code, refused = file_public_form(
        lambda message, status: _form_page(impl, form, message, status),
        lambda: services.ask(
            db.session, impl, name=form.name.data, phone=form.phone.data, email=form.email.data,
            address=form.address.data, id_number=form.id_number.data, subject=form.subject.data,
            content=form.content.data, calendar=calendar_for(db.session, current_app),
            days=int(setting("CONSULT_ANSWER_DAYS")), applicant_id=applicant.id if applicant else None),
        limit="CONSULT_RATE_LIMIT", limiter_scope="public-consult", again="咨询")
    if refused is not None:
        return refused
    return render_template("consult/asked.html", question=question, lookup_code=code, impl=impl)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    return lookup_page("consult/lookup.html", services.lookup, limiter_scope="public-consult-lookup",
                       missing="请输入咨询编号和查询码。", not_found="未查到匹配的咨询，请核对编号和查询码。")


# --- 我的咨询: the questions the signed-in applicant account asked (its own only, by number; no IDOR) ---------


def _own_question(number: str):
    question = services.owned(db.session, Question, current_applicant().id, number=number)
    if question is None:
        abort(404)
    return question


def mine_page(model, row_of, *, title: str, headings: tuple[str, ...], empty: str):
    """A tab of 我的办件 listing the signed-in account's rows of ``model``; ``row_of(row)`` gives (number, title,
    what, state, filed, answered, url)."""
    applicant = current_applicant()
    rows = [row_of(row) for row in services.owned(db.session, model, applicant.id)]
    return render_template("consult/mine.html", rows=rows, current_applicant=applicant, title=title,
                           headings=headings, empty=empty)


@bp.route("/mine")
@applicant_required
def mine():
    return mine_page(Question, lambda q: (q.number, q.subject, q.implementation.name, q.state, q.asked_on,
                                          q.answered_on, url_for("public_consult.mine_one", number=q.number)),
                     title="我的咨询", headings=("咨询编号", "标题", "咨询事项", "状态", "提交日期", "答复日期"),
                     empty="您还没有登录后提出的咨询。在办事指南页点“我要咨询”即可提问。")


@bp.route("/mine/<number>")
@applicant_required
def mine_one(number: str):
    return render_template("consult/mine_one.html", question=_own_question(number),
                           current_applicant=current_applicant(), title="我的咨询")


def _question_json(question: Question) -> dict:
    return {"number": question.number, "subject": question.subject, "item": question.implementation.name,
            "state": question.state, "asked_on": question.asked_on.isoformat(),
            "due_date": question.due_date.isoformat(), "answer": question.answer,
            "answered_on": question.answered_on.isoformat() if question.answered_on else None}


def add_owned_api(blueprint, model, to_json, *, key: str, what: str) -> None:
    """Add ``/api/mine`` (the signed-in account's rows of ``model`` as ``{key: [...]}``) and ``/api/mine/<number>``
    (its row; 404 JSON ``{what}不存在`` for a number that is not the account's — the same as one that does not
    exist) to ``blueprint``; both need an applicant login."""

    def api_mine():
        return jsonify({key: [to_json(row) for row in services.owned(db.session, model, current_applicant().id)]})

    def api_mine_one(number: str):
        found = services.owned(db.session, model, current_applicant().id, number=number)
        return jsonify(to_json(found)) if found is not None else (jsonify({"message": f"{what}不存在。"}), 404)

    blueprint.add_url_rule("/api/mine", "api_mine", applicant_required(api_mine))
    blueprint.add_url_rule("/api/mine/<number>", "api_mine_one", applicant_required(api_mine_one))


add_owned_api(bp, Question, _question_json, key="questions", what="咨询")

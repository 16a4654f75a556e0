"""Public pages of 依申请公开 (``/public/foi``): the 政府信息公开申请表 online, and the look-up of a request.

The form has the fields of 政府信息公开条例第二十九条 (申请人的姓名或者名称、身份证明、联系方式；所需政府信息
的名称、文号或者便于查询的其他特征性描述；获取信息的方式、途径) and is guarded like the complaint form
(CSRF, per-address INFO_REQUEST_RATE_LIMIT, honeypot, single-use signed stamp). The look-up shows the state,
the reply deadline and the reply type — never the requester's identity.
"""
from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.consult.public import add_owned_api, mine_page
from govkit.consult.services import owned
from govkit.desk.web import file_store
from govkit.hierarchy.models import Division, Organ
from govkit.inforequest import services
from govkit.inforequest.models import InfoRequest
from govkit.online.models import PERSON
from govkit.online.session import applicant_required, current_applicant
from govkit.printing.models import IssuedDocument
from govkit.publicity.public.blueprint import (antispam_fields, file_public_form, home_division, lookup_page,
                                              portal_blueprint)

bp = portal_blueprint("public_foi", "/public/foi")


class RequestForm(FlaskForm):
    organ = StringField("受理机关", validators=[DataRequired("请选择受理申请的行政机关。"), Length(max=12)])
    applicant_type = StringField("申请人类型", validators=[DataRequired("请选择申请人类型。"), Length(max=20)])
    name = StringField("姓名或名称", validators=[DataRequired("请填写申请人姓名或名称。"), Length(max=100)])
    id_number = StringField("证件号码", validators=[DataRequired("请填写证件号码。"), Length(max=18)])
    legal_representative = StringField("法定代表人", validators=[Optional(), Length(max=50)])
    contact_person = StringField("联系人", validators=[Optional(), Length(max=50)])
    phone = StringField("联系电话", validators=[Optional(), Length(max=20)])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=100)])
    address = StringField("通信地址", validators=[Optional(), Length(max=200)])
    postcode = StringField("邮政编码", validators=[Optional(), Length(max=6)])
    description = TextAreaField("所需信息的内容描述", validators=[DataRequired("请描述所需的政府信息。"),
                                                          Length(max=2000)])
    document_ref = StringField("文件名称、文号", validators=[Optional(), Length(max=200)])
    purpose = StringField("所需信息的用途（选填）", validators=[Optional(), Length(max=500)])
    delivery = StringField("获取信息的方式", validators=[DataRequired("请选择获取信息的方式。"), Length(max=20)])
    medium = StringField("载体形式", validators=[Optional(), Length(max=10)])


def _organs() -> list[Organ]:
    """Organs of the county that can be asked (a full name is configured), by division code."""
    county = home_division()
    query = select(Organ).join(Division, Division.id == Organ.division_id).where(
        Organ.full_name.is_not(None), Organ.full_name != "")
    if county is not None:
        query = query.where(Division.code.like(county.code[:6] + "%"))
    return list(db.session.scalars(query.order_by(Division.code, Organ.id)))


def _page(form: RequestForm, error: str | None = None, status: int = 200):
    return render_template("inforequest/apply.html", form=form, error=error, organs=_organs(),
                           applicant=current_applicant(),
                           types=services.APPLICANT_TYPES, deliveries=services.DELIVERIES, media=services.MEDIA,
                           **antispam_fields()), status


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    applicant = current_applicant()
    if request.method == "GET" and applicant is not None:  # the account's identity and phone as defaults
        form = RequestForm(formdata=None, data={
            "applicant_type": services.PERSON if applicant.kind == PERSON else services.ORGANISATION,
            "name": applicant.name, "id_number": applicant.id_number, "phone": applicant.phone,
            "contact_person": applicant.contact_name or ""})
    else:
        form = RequestForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return _page(form, "页面已过期，请刷新后重新提交。", 400)
        return _page(form, "；".join(str(m) for messages in form.errors.values() for m in messages), 400)
    def file():
        organ = db.session.get(Organ, int(form.organ.data)) if form.organ.data.isdigit() else None
        return services.submit(
            db.session, organ if organ in _organs() else None, applicant_type=form.applicant_type.data,
            name=form.name.data, id_number=form.id_number.data, legal_representative=form.legal_representative.data,
            contact_person=form.contact_person.data, phone=form.phone.data, email=form.email.data,
            address=form.address.data, postcode=form.postcode.data, description=form.description.data,
            document_ref=form.document_ref.data, purpose=form.purpose.data, delivery=form.delivery.data,
            medium=form.medium.data or "电子", calendar=calendar_for(db.session, current_app),
            applicant_id=applicant.id if applicant else None)

    found, code, refused = file_public_form(lambda message, status: _page(form, message, status), file,
                                            limit="INFO_REQUEST_RATE_LIMIT", limiter_scope="public-foi", again="申请")
    if refused is not None:
        return refused
    return render_template("inforequest/applied.html", found=found, lookup_code=code)


@bp.route("/lookup", methods=["GET", "POST"])
def lookup():
    return lookup_page("inforequest/lookup.html", services.lookup, limiter_scope="public-foi-lookup",
                       missing="请输入申请编号和查询码。", not_found="未查到匹配的申请，请核对申请编号和查询码。")


# --- 我的申请: the requests the signed-in applicant account filed (its own only, by number; no IDOR) -----------


def _own_request(number: str) -> InfoRequest:
    found = owned(db.session, InfoRequest, current_applicant().id, number=number)
    if found is None:
        abort(404)
    return found


def _documents(found: InfoRequest) -> list[IssuedDocument]:
    """The letters issued to the requester (补正告知书, 延期告知书, 答复书), oldest first."""
    ids = [i for i in (found.supplement_document_id, found.extension_document_id, found.reply_document_id) if i]
    return list(db.session.scalars(select(IssuedDocument).where(IssuedDocument.id.in_(ids))
                                   .order_by(IssuedDocument.id))) if ids else []


@bp.route("/mine")
@applicant_required
def mine():
    return mine_page(InfoRequest, lambda r: (r.number, r.description[:40], r.organ.full_name, r.state, r.received_on,
                                             r.replied_on, url_for("public_foi.mine_one", number=r.number)),
                     title="我的申请",
                     headings=("申请编号", "所需信息", "受理机关", "状态", "收到申请日期", "答复日期"),
                     empty="您还没有登录后提交的政府信息公开申请。")


@bp.route("/mine/<number>")
@applicant_required
def mine_one(number: str):
    found = _own_request(number)
    return render_template("inforequest/mine_one.html", found=found, documents=_documents(found),
                           current_applicant=current_applicant(), title="我的申请")


@bp.route("/mine/<number>/documents/<int:document_id>.pdf")
@applicant_required
def mine_document(number: str, document_id: int):
    """A letter of the applicant's own request (PDF, the frozen bytes); 404 for anything else."""
    found = _own_request(number)
    row = next((d for d in _documents(found) if d.id == document_id), None)
    if row is None:
        abort(404)
    return Response(file_store().read(row.sha256), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=foi-{row.id}.pdf"})


def _request_json(found: InfoRequest) -> dict:
    return {"number": found.number, "organ": found.organ.full_name, "state": found.state,
            "received_on": found.received_on.isoformat(), "due_date": found.due_date.isoformat(),
            "due_provisional": found.due_provisional, "reply_type": found.reply_type,
            "replied_on": found.replied_on.isoformat() if found.replied_on else None,
            "documents": [{"title": d.title, "number": d.document_number,
                           "url": url_for("public_foi.mine_document", number=found.number, document_id=d.id)}
                          for d in _documents(found)]}


add_owned_api(bp, InfoRequest, _request_json, key="requests", what="申请")

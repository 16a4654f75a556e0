"""Intake desk (受理台): find the item, read its checklist, register, upload, decide in one click."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.validators import ValidationError as FieldError

from govkit.cases.idnumber import validate_id_number
from govkit.cases.registration import ID_TYPES
from govkit.cases.runtime import workflow_for
from govkit.db import db
from govkit.desk import web
from govkit.desk.attachments import PendingFiles, attach_file
from govkit.desk.finder import available_implementation, find_items
from govkit.desk.issuing import kinds_for
from govkit.desk.storage import format_size
from govkit.desk.views.base import DeskView, grants
from govkit.errors import GovkitError, ValidationError
from govkit.state import get_state

DECISIONS = {"register": None, "accept": "accept", "supplement": "request_supplement", "refuse": "refuse"}
NOTICE_FOR = {"accept": "acceptance_notice", "request_supplement": "supplement_notice", "refuse": "refusal_notice"}


def _id_number(form: Form, field: StringField) -> None:
    if form.applicant_id_type.data == "居民身份证" and field.data:
        try:
            field.data = validate_id_number(field.data)
        except ValidationError as exc:
            raise FieldError(str(exc)) from None


class ApplicantForm(Form):
    """Applicant data (申请人信息)."""

    applicant_name = StringField("申请人姓名", [DataRequired("请填写申请人姓名。"), Length(max=100)])
    applicant_id_type = SelectField("证件类型", choices=[(t, t) for t in ID_TYPES], default="居民身份证")
    applicant_id_number = StringField("证件号码", [DataRequired("请填写证件号码。"), Length(max=30), _id_number])
    applicant_phone = StringField("联系电话",
                                  [Optional(), Regexp(r"^[0-9+\- ]{7,20}$", message="电话号码只能包含数字。")])
    applicant_address = StringField("住址", [Optional(), Length(max=300)])
    proxy_name = StringField("代办人姓名（本人办理不填）", [Optional(), Length(max=100)])
    proxy_authorised = BooleanField("已提交申请人签字的授权委托书")
    refuse_reason = TextAreaField("不予受理理由", [Optional(), Length(max=2000)])
    missing_extra = StringField("其他需补正材料（清单外，可不填）", [Optional(), Length(max=300)])


def material_states(formdata: Any, material_ids: list[int]) -> dict[int, str]:
    """The clerk's checklist decisions posted as ``m-<material id>`` = received / missing / na."""
    states = {}
    for material_id in material_ids:
        value = formdata.get(f"m-{material_id}", "")
        if value:
            states[material_id] = value
    return states


class IntakeView(DeskView):
    """受理台."""

    route_base = "/desk/intake"
    default_view = "index"
    class_permission_name = "DeskIntake"
    method_permission_name = {"index": "intake", "item": "intake"}
    govkit_role_permissions = grants(can_intake=("受理员", "代办员"))

    @expose("/")
    @has_access
    def index(self):
        q = request.args.get("q", "").strip()
        hits = find_items(db.session, web.actor().scope, q, limit=30)
        return self.render("desk/intake_search.html", q=q, hits=hits)

    @expose("/item/<int:implementation_id>", methods=["GET", "POST"])
    @has_access
    def item(self, implementation_id: int):
        actor = web.actor()
        implementation = available_implementation(db.session, actor.scope, implementation_id)
        if implementation is None:
            abort(404)
        form_class = web.item_form_class(implementation)
        formdata = None
        if request.method == "POST":
            try:
                formdata = request.form  # parsing may refuse a body over MAX_CONTENT_LENGTH
            except RequestEntityTooLarge:
                limit = format_size(int(web.settings()["UPLOAD_MAX_BYTES"]))
                flash(f"上传的文件合计超过大小上限（每次最多约 {limit}），已全部拒绝。"
                      "请降低扫描分辨率，或先登记、再在办件页面逐个上传。", "danger")
        applicant = ApplicantForm(formdata=formdata)
        item_form = form_class(formdata=formdata, prefix="item", meta={"csrf": False}) if form_class else None
        states = material_states(formdata, [m.id for m in implementation.materials]) if formdata else {}
        if formdata is not None and formdata.get("all_required_received"):
            states.update({m.id: "received" for m in implementation.materials if m.necessity == "必需"})
        if formdata is not None:
            try:
                return self._submit(implementation, applicant, item_form, states)
            except GovkitError as exc:
                db.session.rollback()
                again = "（请重新选择要上传的文件）" if any(f.filename for f in request.files.values()) else ""
                flash(str(exc) + again, "danger")

        return self.render("desk/intake_item.html", impl=implementation, applicant=applicant, item_form=item_form,
                           states=states, upload_limit=format_size(int(web.settings()["UPLOAD_MAX_BYTES"])))

    def _submit(self, implementation, applicant: ApplicantForm, item_form, states: dict[int, str]):
        web.check_csrf()
        decision = request.form.get("decision", "register")
        if decision not in DECISIONS:
            raise ValidationError("请点击页面下方的按钮之一提交。")
        ok = applicant.validate()
        if item_form is not None:
            ok = item_form.validate() and ok
        if not ok:
            raise ValidationError("表单填写有误，请按红色提示改正后再提交。")
        actor, workflow = web.actor(), workflow_for()
        pending = PendingFiles(web.file_store())
        try:
            case = workflow.register_case(
                db.session, implementation, actor=actor, commit=False,
                applicant_name=applicant.applicant_name.data, applicant_id_type=applicant.applicant_id_type.data,
                applicant_id_number=applicant.applicant_id_number.data,
                applicant_phone=applicant.applicant_phone.data or None,
                applicant_address=applicant.applicant_address.data or None,
                proxy_name=applicant.proxy_name.data or None, proxy_authorised=applicant.proxy_authorised.data,
                form_data=web.posted_form_data(item_form) if item_form is not None else None,
                material_states=states,
            )
            uploaded = 0
            for key in request.files:
                material_id = int(key[5:]) if key.startswith("file-") and key[5:].isdigit() else None
                for upload in request.files.getlist(key):
                    if upload and upload.filename:
                        attach_file(db.session, pending, case, upload.stream, upload.filename,
                                    material_id=material_id, user_id=actor.user_id)
                        uploaded += 1
            workflow.finish(db.session, commit=True)
        except BaseException:
            db.session.rollback()
            pending.discard(db.session)
            raise
        action = DECISIONS[decision]
        message = f"已登记办件 {case.number}" + (f"，上传扫描件 {uploaded} 个" if uploaded else "")
        if action is None:
            flash(message + "。", "success")
            return redirect(url_for("DeskCaseView.show", case_id=case.id))
        fields: dict[str, Any] = {}
        if action == "refuse":
            fields = {"reason": (applicant.refuse_reason.data or "").strip()}
        elif action == "request_supplement" and applicant.missing_extra.data:
            # Every row marked 缺 goes on the notice by itself; this adds an item outside the list.
            fields = {"missing": [applicant.missing_extra.data.strip()]}
        try:
            workflow.perform(db.session, case, action, actor, **fields)
        except GovkitError as exc:
            db.session.rollback()
            flash(f"{message}，但未能{workflow.action(action).label}：{exc}", "danger")
            return redirect(url_for("DeskCaseView.show", case_id=case.id))
        notice = NOTICE_FOR[action]
        flash(f"{message}，已{workflow.action(action).label}。请打印{_title(notice)}交申请人。", "success")
        return redirect(url_for("DeskCaseView.show", case_id=case.id, print=notice))


def _title(notice: str) -> str:
    kind = kinds_for(get_state(current_app)).get(notice)
    return kind.title if kind is not None else notice

"""Case page (办件详情), workflow action forms, scan uploads, notices and file downloads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from govkit.audit.trail import record
from govkit.cases import states as S
from govkit.cases.actions import DELIVERY_METHODS, counter_check, department_handlers
from govkit.cases.extensions import extension_bounds
from govkit.cases.deadlines import deadline_status, pause_period
from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.cases.models import Case
from govkit.cases.personal_data import REVEAL_ROLES, case_fields, mask_form_data
from govkit.cases.runtime import workflow_for
from govkit.cases.workflow import FIELD_LABELS, WorkflowAction
from govkit.db import db
from govkit.desk import documents, issuing, web
from govkit.desk.attachments import PendingFiles, attach_file, case_attachments, get_attachment, get_case
from govkit.desk.storage import image_preview_png
from govkit.desk.storage import format_size
from govkit.desk.views.base import READERS, WORKERS, DeskView, grants
from govkit.errors import ConcurrentModification, GovkitError, OutOfScope, ValidationError
from govkit.hierarchy.models import Department, Division
from govkit.state import get_state

#: The notice to offer after an action succeeds.
NOTICE_AFTER = {"accept": "acceptance_notice", "deem_accepted": "acceptance_notice",
                "request_supplement": "supplement_notice", "request_supplement_online": "supplement_notice",
                "refuse": "refusal_notice", "complete": "delivery_receipt"}
LIST_FIELDS = ("missing", "materials_received")
OPTIONAL_FIELDS = {
    "accept": ("material_states",), "resubmit": ("materials_received",), "assign": ("handler_id",),
    "request_supplement": ("material_states", "missing_extra"), "extend": ("days",),
    "request_supplement_online": ("material_states", "missing_extra"),
}


def _safe_next() -> str | None:
    """A same-site desk path to return to (never an absolute URL)."""
    target = request.form.get("next", "")
    return target if target.startswith("/desk/") and "//" not in target and "\\" not in target else None


def _case_or_404(case_id: int) -> Case:
    try:
        return get_case(db.session, web.actor().scope, case_id)
    except OutOfScope:
        abort(404)


@dataclass(frozen=True)
class Segment:
    left: float
    width: float
    label: str


def deadline_bar(case: Case, today: date) -> dict[str, Any] | None:
    """Positions (in % of the bar) of elapsed time, paused intervals, the due day and today."""
    if case.accepted_date is None or case.due_date is None:
        return None
    start = case.accepted_date
    ends = [case.due_date, today if case.completed_date is None else case.completed_date]
    ends += [p.end or today for p in case.pauses]
    end = max(ends)
    total = max((end - start).days, 1)

    def pos(day: date) -> float:
        return round(100 * min(max((day - start).days, 0), total) / total, 2)

    pauses = []
    for pause in case.pauses:
        first, last = pause.start, pause.end or today
        pauses.append(Segment(pos(first), max(pos(last) - pos(first), 0.8), pause_period(pause)))
    now = case.completed_date or today
    return {"elapsed": pos(now), "due": pos(case.due_date), "pauses": pauses, "start": start, "end": end}


def field_specs(case: Case, action: WorkflowAction) -> list[tuple[str, str, Any]]:
    """``(name, label, choices)`` of the inputs an action asks for (required ones first)."""
    names = list(action.required) + [n for n in OPTIONAL_FIELDS.get(action.name, ()) if n not in action.required]
    specs = []
    for name in names:
        choices: Any = None
        if name in LIST_FIELDS:
            choices = [(row.material_id, row.material.name, row.received) for row in case.materials]
        elif name == "material_states":
            choices = [(row.material_id, row.material.name, row.material.necessity, row.status)
                       for row in case.materials]
        elif name == "department_id":
            choices = [(d.id, d.name + ("" if staffed else "（无人可办）"))
                       for d, staffed in assignable_departments(case)]
        elif name == "handler_id":
            department = preselected_department(case)
            choices = [] if department is None else [
                (s.user_id, f"{s.name}（{s.department.name}）")
                for s in department_handlers(db.session, department)]
        elif name == "procedure_id":
            choices = [(p.id, f"{p.name}（{p.days} 个工作日）") for p in case.implementation.special_procedures]
        elif name == "method":
            choices = [(m, m) for m in DELIVERY_METHODS]
        label = {"missing_extra": "清单外需补正的材料（可不填）", "handler_id": "承办人（可不选）",
                 "materials_received": "已收取的材料",
                 "material_states": "材料核对（每项选择 已收 / 缺 / 不适用）"}.get(name, FIELD_LABELS.get(name, name))
        specs.append((name, label, choices))
    return specs


def preselected_department(case: Case) -> int | None:
    """The item's implementing department when it is at the unit holding the case (分派 preselects it)."""
    department_id = case.implementation.department_id
    if department_id is None:
        return None
    department = db.session.get(Department, department_id)
    return department_id if department is not None and department.division_id == case.current_division_id else None


def assignable_departments(case: Case) -> list[tuple[Department, bool]]:
    """Departments of the holding unit, the item's own first, each with whether it has a handler."""
    departments = list(db.session.scalars(
        select(Department).where(Department.division_id == case.current_division_id).order_by(Department.name)))
    first = preselected_department(case)
    departments.sort(key=lambda d: d.id != first)
    return [(d, bool(department_handlers(db.session, d.id))) for d in departments]


def form_defaults(case: Case, action: WorkflowAction) -> dict[str, str]:
    """Values an action form starts with: 分派 preselects the item's implementing department."""
    if action.name == "assign" and preselected_department(case) is not None:
        return {"department_id": str(preselected_department(case))}
    return {}


def collect_fields(action: WorkflowAction) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in set(action.required) | set(OPTIONAL_FIELDS.get(action.name, ())) | {"comment"}:
        if name == "material_states":
            fields[name] = {key[2:]: value for key, value in request.form.items()
                            if key.startswith("m-") and key[2:].isdigit() and value}
            if request.form.get("all_required_received"):
                fields["all_required_received"] = True
        elif name in LIST_FIELDS:
            values = [v for v in request.form.getlist(name) if v.strip()]
            if name == "missing" and request.form.get("missing_extra", "").strip():
                values.append(request.form["missing_extra"].strip())
            if values or name in action.required:
                fields[name] = values
        else:
            value = request.form.get(name, "").strip()
            if value:
                fields[name] = value
    return fields


class DeskCaseView(DeskView):
    """办件详情 and its actions."""

    route_base = "/desk/case"
    default_view = "show"
    class_permission_name = "DeskCase"
    method_permission_name = {"show": "read", "reveal": "read", "print_document": "read", "reissue_document": "act",
                              "withdraw_document": "act",
                              "act": "act", "upload": "act"}
    govkit_role_permissions = grants(can_read=READERS, can_act=WORKERS)

    @expose("/<int:case_id>")
    @has_access
    def show(self, case_id: int):
        return self._page(_case_or_404(case_id), reveal=False)

    @expose("/<int:case_id>/reveal", methods=["POST"])
    @has_access
    def reveal(self, case_id: int):
        """查看完整个人信息: the form's personal fields in full, for REVEAL_ROLES only, recorded in the audit trail."""
        case = _case_or_404(case_id)
        if not web.actor().has_role(*REVEAL_ROLES):
            abort(403)
        fields = case_fields(workflow_for(), db.session, case)
        record(db.session, action="查看完整", table_name="gk_case", row_key=str(case.id), summary=case.number,
               after={"fields": sorted(n for n in fields if (case.form_data or {}).get(n)), "via": "办件详情"})
        db.session.commit()
        return self._page(case, reveal=True)

    def _page(self, case: Case, *, reveal: bool):
        actor, workflow, state = web.actor(), workflow_for(), get_state(current_app)
        today = workflow.today()
        status = deadline_status(case, workflow.calendar(db.session), web.settings(), today)
        base = documents.public_base_url(web.settings())
        progress_url = f"{base}/public/progress?no={quote(case.number)}#t={case.progress_token}"
        codes = {case.accepting_division_code, case.current_division_code, case.implementing_division_code}
        codes |= {e.division_code for e in case.events if e.division_code}
        divisions = {d.code: d.name for d in db.session.scalars(select(Division).where(Division.code.in_(codes)))}
        # Decisions are worded by item type (a 低保 is 给付, not 准予许可): govkit.catalog.wording.
        wording = documents.wording_of(case)
        decision_states = wording.state_labels()
        personal = case_fields(workflow, db.session, case)
        return self.render(
            "desk/case.html", case=case, status=status, bar=deadline_bar(case, today),
            actions=workflow.allowed_actions(db.session, case, actor),
            state_label=lambda state: decision_states.get(state) or workflow.state_label(state),
            decision_label=wording.label(case.decision),
            attachments=case_attachments(db.session, case),
            documents=issuing.printable(db.session, case, state),
            issued=issuing.issued_documents(db.session, case),
            may_withdraw=lambda doc: issuing.may_withdraw(actor, doc),
            id_masked=mask_id_number(case.applicant_id_number),
            phone_masked=mask_phone(case.applicant_phone) if case.applicant_phone else "",
            progress_url=progress_url, divisions=divisions, offer=request.args.get("print"),
            can_upload=case.state not in S.FINAL_STATES and actor.has_role(*WORKERS),
            action_labels={**workflow.event_labels(), **wording.action_labels()}, form_labels=form_labels(case),
            form_data=case.form_data if reveal else mask_form_data(case.form_data, personal),
            can_reveal=bool(personal) and not reveal and actor.has_role(*REVEAL_ROLES),
            counter_check=counter_check(case),
        )

    @expose("/<int:case_id>/act/<name>", methods=["GET", "POST"])
    @has_access
    def act(self, case_id: int, name: str):
        case = _case_or_404(case_id)
        actor, workflow = web.actor(), workflow_for()
        try:
            action = workflow.action(name)
        except GovkitError:
            abort(404)
        if request.method == "POST":
            try:
                web.check_csrf()
                fields = collect_fields(action)
                version = request.form.get("version", "")
                if version.isdigit() and int(version) != case.version:
                    raise ConcurrentModification("办件已被他人修改，请查看最新情况后重试。")
                workflow.perform(db.session, case, name, actor, **fields)
            except OutOfScope:
                db.session.rollback()
                abort(404)
            except GovkitError as exc:
                db.session.rollback()
                flash(f"未能{action.label}：{exc}", "danger")
                if _safe_next() or not (action.required or OPTIONAL_FIELDS.get(name)):
                    return redirect(_safe_next() or url_for("DeskCaseView.show", case_id=case_id))
                case = _case_or_404(case_id)
            else:
                flash(f"办件 {case.number} 已{action.label}，当前状态：{workflow.state_label(case.state)}。", "success")
                if _safe_next():
                    return redirect(_safe_next())
                notice = NOTICE_AFTER.get(name)
                return redirect(url_for("DeskCaseView.show", case_id=case_id, **({"print": notice} if notice else {})))
        else:
            try:
                workflow.check(db.session, case, action, actor)
            except OutOfScope:
                abort(404)
            except GovkitError as exc:
                flash(str(exc), "danger")
                return redirect(url_for("DeskCaseView.show", case_id=case_id))
        return self.render("desk/action.html", case=case, action=action, specs=field_specs(case, action),
                           state_label=workflow.state_label, form=request.form or form_defaults(case, action),
                           requested_days=case.extension_requested_days,
                           max_extension_days=extension_bounds(case.implementation)[1])

    @expose("/<int:case_id>/upload", methods=["POST"])
    @has_access
    def upload(self, case_id: int):
        case = _case_or_404(case_id)
        actor = web.actor()
        pending = PendingFiles(web.file_store())
        back = url_for("DeskCaseView.show", case_id=case_id)
        try:
            web.check_csrf()
            if case.state in S.FINAL_STATES:
                raise ValidationError("办件已结束，不能再上传扫描件。")
            material = request.form.get("material_id", "")
            files = [f for f in request.files.getlist("file") if f and f.filename]
            if not files:
                raise ValidationError("请先选择要上传的扫描件。")
            for upload in files:
                attach_file(db.session, pending, case, upload.stream, upload.filename,
                            material_id=int(material) if material.isdigit() else None, user_id=actor.user_id)
            db.session.commit()
        except RequestEntityTooLarge:
            db.session.rollback()
            pending.discard(db.session)
            limit = format_size(int(web.settings()["UPLOAD_MAX_BYTES"]))
            flash(f"文件超过大小上限 {limit}，已拒绝。请降低扫描分辨率（如 200 dpi、灰度）或分成几个文件上传。",
                  "danger")
            return redirect(back)
        except GovkitError as exc:
            db.session.rollback()
            pending.discard(db.session)
            flash(f"上传失败：{exc}", "danger")
            return redirect(back)
        flash(f"已上传 {len(files)} 个扫描件。", "success")
        return redirect(back)

    @expose("/<int:case_id>/print/<name>")
    @has_access
    def print_document(self, case_id: int, name: str):
        """Issue document ``name`` (or serve the one issued before: the same bytes)."""
        case = _case_or_404(case_id)
        kind = issuing.kinds_for(get_state(current_app)).get(name)
        if kind is None:
            abort(404)
        try:
            copy = issuing.issue_document(db.session, case, name, web.actor(), _issuer())
            db.session.commit()
        except issuing.DocumentNotAllowed as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("DeskCaseView.show", case_id=case_id))
        except GovkitError as exc:
            db.session.rollback()
            flash(f"无法出具{kind.title}：{exc}", "danger")
            return redirect(url_for("DeskCaseView.show", case_id=case_id))
        return _pdf_response(copy.pdf, f"{kind.title}-{copy.document.document_number}.pdf")

    @expose("/<int:case_id>/reissue/<name>", methods=["POST"])
    @has_access
    def reissue_document(self, case_id: int, name: str):
        """Issue ``name`` again under a new number; the old one is marked superseded (被替代)."""
        case = _case_or_404(case_id)
        kind = issuing.kinds_for(get_state(current_app)).get(name)
        if kind is None:
            abort(404)
        try:
            web.check_csrf()
            copy = issuing.supersede_document(db.session, case, name, web.actor(), _issuer(),
                                              reason=request.form.get("reason", ""))
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            flash(f"未能重新出具{kind.title}：{exc}", "danger")
            return redirect(url_for("DeskCaseView.show", case_id=case_id))
        flash(f"已重新出具{kind.title}，文书编号 {copy.document.document_number}。", "success")
        return redirect(url_for("DeskCaseView.show", case_id=case_id, print=name))

    @expose("/<int:case_id>/withdraw-document/<int:document_id>", methods=["POST"])
    @has_access
    @web.desk_errors(lambda case_id, document_id: url_for("DeskCaseView.show", case_id=case_id))
    def withdraw_document(self, case_id: int, document_id: int):
        """撤销 an issued document with a reason: the issuing organ's 机关负责人 (or Admin) only, in the
        user's scope, CSRF-checked, recorded in the audit trail; verify then answers 已撤销."""
        case = _case_or_404(case_id)
        web.check_csrf()
        document = issuing.withdraw_issued(db.session, case, document_id, web.actor(),
                                           reason=request.form.get("reason", ""), at=workflow_for().now())
        record(db.session, action="撤销文书", table_name="gk_issued_document", row_key=str(document.id),
               summary=f"{case.number} {document.title} {document.document_number}",
               before={"status": issuing.VALID}, after={"status": document.status, "reason": document.status_reason})
        db.session.commit()
        flash(f"已撤销{document.title} {document.document_number}。", "success")
        return redirect(url_for("DeskCaseView.show", case_id=case_id))


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _issuer() -> issuing.Issuer:
    """The issuing service's view of this app (templates, kinds, workflow, file store, settings)."""
    return issuing.issuer_for(get_state(current_app), workflow=workflow_for(), store=web.file_store(),
                              form_labels=form_labels)


def form_labels(case: Case) -> dict[str, str]:
    """Labels of the item's own form fields (for showing the stored form data)."""
    if not case.form_data:
        return {}

    form_class = web.item_form_class(case.implementation)
    if form_class is None:
        return {}
    return {field.short_name: str(field.label.text) for field in form_class(meta={"csrf": False})}


class DeskFileView(DeskView):
    """Scanned files: download and preview, only for cases in the user's scope (else 404)."""

    route_base = "/desk/file"
    default_view = "download"
    class_permission_name = "DeskFile"
    method_permission_name = {"download": "read", "preview": "read"}
    govkit_role_permissions = grants(can_read=READERS)

    def _attachment(self, attachment_id: int):
        try:
            attachment = get_attachment(db.session, web.actor().scope, attachment_id)
        except OutOfScope:
            abort(404)
        store = web.file_store()
        if not store.exists(attachment.sha256):
            abort(404)
        return attachment, store

    @expose("/<int:attachment_id>")
    @has_access
    def download(self, attachment_id: int):
        attachment, store = self._attachment(attachment_id)
        response = send_file(store.path_for(attachment.sha256), mimetype=attachment.content_type, as_attachment=True,
                             download_name=attachment.filename, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/<int:attachment_id>/preview")
    @has_access
    def preview(self, attachment_id: int):
        attachment, store = self._attachment(attachment_id)
        if request.args.get("thumb") and attachment.content_type.startswith("image/"):
            response = Response(image_preview_png(store, attachment.sha256, max_side=240), mimetype="image/png")
        elif attachment.content_type == "image/tiff":  # browsers do not show TIFF
            response = Response(image_preview_png(store, attachment.sha256), mimetype="image/png")
        else:
            response = send_file(store.path_for(attachment.sha256), mimetype=attachment.content_type,
                                 as_attachment=False, download_name=attachment.filename, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; "
                                                       "style-src 'unsafe-inline'; object-src 'self'")
        return response

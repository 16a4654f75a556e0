"""Screens of the online application (网上申报, ``/online/apply``), the receiving point's pre-review
(``/desk/prereview``, 预审) and the village terminal (``/online/terminal``, 网上代申办).

The applicant's pages and the terminal's are the same pages (:func:`_page` and friends) with two owners:
an applicant account (``current_applicant``) or a logged-in village 代办员 (kiosk layout: base font 20 px,
touch targets ≥ 56 px). Every form carries the CSRF token; every application, upload, document and case is
reached through its owner (404 otherwise). Pre-review actions issue their notice through
:mod:`govkit.desk.issuing` in the same transaction (受理通知书 / 一次性告知书 / 不予受理通知书), so the
applicant finds it on the application page at once (electronic delivery).
"""
from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from werkzeug.datastructures import MultiDict

from govkit.cases import states as S
from govkit.cases.idnumber import mask_id_number, mask_phone
from govkit.cases.intake import missing_rows as case_missing_rows
from govkit.cases.models import Case
from govkit.cases.runtime import workflow_for
from govkit.db import db
from govkit.desk import issuing
from govkit.desk.attachments import PendingFiles, case_attachments, get_case
from govkit.desk.storage import FileStore, format_size
from govkit.desk.views.base import DeskView
from govkit.desk.web import check_csrf, item_form_class, posted_form_data
from govkit.errors import GovkitError, OutOfScope, ValidationError
from govkit.online import apply as A
from govkit.online.apply_models import CONSENT_LABELS, STAGE_SUPPLEMENT, OnlineApplication
from govkit.online.session import current_applicant
from govkit.printing.models import IssuedDocument
from govkit.publicity.progress import NEXT_STEPS
from govkit.state import get_state
from govkit.web.actor import request_actor

TEMPLATES = str(Path(__file__).resolve().parents[1] / "templates")
bp = Blueprint("online_apply", __name__, url_prefix="/online", template_folder=TEMPLATES)
#: The notice the pre-review step issues (delivered electronically to the applicant).
NOTICE_OF = {"accept": "acceptance_notice", "request_supplement_online": "supplement_notice",
             "refuse": "refusal_notice"}
PREREVIEW_ACTIONS = ("accept", "request_supplement_online", "refuse")
ONLINE_STATES = (S.ONLINE, S.ONLINE_SUPPLEMENT)
SIGNATURE_MAX = 512 * 1024


@bp.context_processor
def _apply_context() -> dict:
    """What the hall's base template reads (its own blueprint's context processor does not reach this one)."""
    return {"current_applicant": current_applicant()}


# -- shared helpers -------------------------------------------------------------------------------------


def _store() -> FileStore:
    settings = get_state(current_app).settings
    return FileStore(current_app.config["GOVKIT_STORAGE_DIR"], int(settings["UPLOAD_MAX_BYTES"]))


def _issuer() -> issuing.Issuer:
    return issuing.issuer_for(get_state(current_app), workflow=workflow_for(), store=_store())


def _item_form(application: OnlineApplication, formdata: Any = None) -> Any:
    form_class = item_form_class(application.implementation)
    if form_class is None:
        return None
    if formdata is None:
        stored = MultiDict()
        for key, value in (application.form_data or {}).items():
            for one in value if isinstance(value, list) else [value]:
                stored.add(f"item-{key}", "" if one is None else str(one))
        formdata = stored
    return form_class(formdata=formdata, prefix="item", meta={"csrf": False})


class Pages:
    """The application pages for one kind of owner (the applicant's site or the village terminal)."""

    def __init__(self, kiosk: bool) -> None:
        self.kiosk = kiosk

    def url(self, name: str, **values: Any) -> str:
        return url_for(f"{'TerminalView' if self.kiosk else 'online_apply'}.{name}", **values)

    def owner(self) -> A.Owner:
        if self.kiosk:
            return A.Owner(agent=request_actor())
        applicant = current_applicant()
        if applicant is None:
            abort(401)
        return A.Owner(applicant=applicant)

    def application(self, application_id: int) -> OnlineApplication:
        try:
            return A.get_application(db.session, self.owner(), application_id)
        except OutOfScope:
            abort(404)

    def render(self, template: str, **context: Any) -> str:
        layout = "online/kiosk_base.html" if self.kiosk else "online/base.html"
        return render_template(template, layout=layout, kiosk=self.kiosk, u=self.url, **context)

    def guarded(self, application_id: int, work: Callable[[OnlineApplication], str | None], done: str) -> Response:
        """Run a POST on the owner's application: CSRF, errors as a flash (nothing half-written), back to the page."""
        application = self.application(application_id)
        try:
            check_csrf()
            message = work(application)
            db.session.commit()
        except OutOfScope:
            db.session.rollback()
            abort(404)
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(message or done, "success")
        return redirect(self.url("application", application_id=application_id) + request.form.get("anchor", ""))

    # -- the page -------------------------------------------------------------------------------------------

    def page(self, application_id: int, item_form: Any = None):
        application = self.application(application_id)
        case = db.session.get(Case, application.case_id) if application.case_id else None
        workflow = workflow_for()
        documents = issuing.issued_documents(db.session, case) if case else []
        missing = case_missing_rows(case.materials) if case is not None and case.state == S.ONLINE_SUPPLEMENT else []
        events = [e for e in case.events if e.action != "document_issued"] if case else []
        labels = workflow.event_labels()
        return self.render(
            "online/application.html", application=application, impl=application.implementation, case=case,
            item_form=item_form or (_item_form(application) if application.is_draft else None),
            uploads=A.uploads_by_row(application), supplement_uploads=A.uploads_by_row(application, STAGE_SUPPLEMENT),
            problems=A.problems(application) if application.is_draft else [], declaration=A.DECLARATION,
            agent_declaration=A.AGENT_DECLARATION, consent_labels=CONSENT_LABELS, missing=missing,
            documents=[d for d in documents if d.status == "valid"], state_label=workflow.state_label,
            next_step=NEXT_STEPS.get(case.state, "") if case else "", events=events, event_labels=labels,
            id_masked=mask_id_number(application.applicant_id_number or ""),
            phone_masked=mask_phone(application.applicant_phone) if application.applicant_phone else "",
            format_size=format_size, form_shown=_form_shown(application))

    def save_form(self, application_id: int):
        def work(application: OnlineApplication) -> str:
            form = _item_form(application, request.form)
            data = posted_form_data(form) if form is not None else {}
            A.save_form(application, data)
            phone = request.form.get("applicant_phone", "").strip()
            address = request.form.get("applicant_address", "").strip()
            if phone:
                application.applicant_phone = phone[:20]
            application.applicant_address = address[:300] or None
            return "申请表已保存（草稿保存在服务器上，关闭浏览器后可继续填写）。"
        return self.guarded(application_id, work, "")

    def upload(self, application_id: int):
        def work(application: OnlineApplication) -> str:
            material = request.form.get("material_id", "")
            if not material.isdigit():
                raise ValidationError("请选择要上传的材料。")
            files = [f for f in request.files.getlist("file") if f and f.filename]
            if not files:
                raise ValidationError("请选择要上传的文件（PDF、JPEG、PNG 或 TIFF）。")
            pending = PendingFiles(_store())
            try:
                for file in files:
                    A.add_upload(db.session, pending, application, int(material), file.stream, file.filename)
            except GovkitError:
                db.session.rollback()
                pending.discard(db.session)
                raise
            return f"已上传 {len(files)} 个文件。"
        return self.guarded(application_id, work, "")

    def delete_upload(self, application_id: int, upload_id: int):
        def work(application: OnlineApplication) -> str:
            A.remove_upload(db.session, application, upload_id)
            return "文件已删除。"
        return self.guarded(application_id, work, "")

    def consent(self, application_id: int):
        def work(application: OnlineApplication) -> str:
            signature, pending = None, PendingFiles(_store())
            data_url = request.form.get("signature", "")
            try:
                if self.kiosk and data_url:
                    signature = _save_signature(pending, data_url)
                A.record_consent(application, agreed=bool(request.form.get("agree")),
                                 id_number=request.form.get("id_number"), signature_sha256=signature)
            except GovkitError:
                db.session.rollback()
                pending.discard(db.session)  # a refused declaration keeps no signature file
                raise
            return "申请人声明已确认。"
        return self.guarded(application_id, work, "")

    def submit(self, application_id: int):
        def work(application: OnlineApplication) -> str:
            case = A.submit(db.session, workflow_for(), application, self.owner())
            return (f"申请已提交，办件编号 {case.number}，等待{case.implementation.division.name}受理单位预审。"
                    "预审结果会通过短信和本页告知。")
        return self.guarded(application_id, work, "")

    def resubmit(self, application_id: int):
        def work(application: OnlineApplication) -> str:
            A.resubmit(db.session, workflow_for(), application, self.owner())
            return "补正材料已提交，办件已回到预审。"
        return self.guarded(application_id, work, "")

    def file(self, application_id: int, upload_id: int):
        application = self.application(application_id)
        upload = next((u for u in application.uploads if u.id == upload_id), None)
        if upload is None:
            abort(404)
        return _file_response(_store().read(upload.sha256), upload.content_type, upload.filename)

    def document(self, application_id: int, document_id: int):
        application = self.application(application_id)
        document = db.session.get(IssuedDocument, document_id)
        if document is None or application.case_id is None or document.case_id != application.case_id:
            abort(404)
        pdf = issuing.stored_pdf(_issuer(), document)
        return _file_response(pdf, "application/pdf", f"{document.title}{document.document_number}.pdf")


def _form_shown(application: OnlineApplication) -> list[tuple[str, str]]:
    """The stored form as (label, value) for a submitted application."""
    form = _item_form(application)
    if form is None:
        return [(k, str(v)) for k, v in (application.form_data or {}).items()]
    return [(str(f.label.text), str(application.form_data.get(f.short_name, "")))
            for f in form if f.short_name in (application.form_data or {})]


def _save_signature(pending: PendingFiles, data_url: str) -> str:
    """The villager's signature (a PNG data URL from the terminal's pad), stored like a scan; its hash."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > SIGNATURE_MAX * 4 // 3 + len(prefix):
        raise ValidationError("签名图片无效，请在签名框内重新签名。")
    try:
        png = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("签名图片无效，请在签名框内重新签名。") from None
    return pending.save(io.BytesIO(png), "签名.png").sha256


def _file_response(data: bytes, content_type: str, filename: str) -> Response:
    return Response(data, mimetype=content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


APPLICANT_PAGES = Pages(kiosk=False)


def _applicant_only(view: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_applicant() is None:
            return redirect(url_for("online.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    wrapper.__name__ = view.__name__
    return wrapper


# -- the applicant's routes ------------------------------------------------------------------------------


@bp.route("/apply/")
def items():
    """Items that can be applied for online (全程网办 / 网上申报+窗口核验)."""
    mine = []
    applicant = current_applicant()
    if applicant is not None:
        mine = A.applications_of(db.session, A.Owner(applicant=applicant))
    return APPLICANT_PAGES.render("online/apply_items.html", items=A.online_items(db.session), mine=mine,
                                  cases=A.submitted_cases(db.session, mine), state_label=workflow_for().state_label)


@bp.route("/apply/<int:implementation_id>", methods=["GET", "POST"])
@_applicant_only
def start(implementation_id: int):
    """开始申请 (POST) — or continue the open draft of this item."""
    if request.method == "GET":
        return redirect(url_for("online_apply.items"))
    try:
        check_csrf()
        application = A.start(db.session, implementation_id, A.Owner(applicant=current_applicant()))
        db.session.commit()
    except OutOfScope:
        db.session.rollback()
        abort(404)
    except GovkitError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("online_apply.items"))
    return redirect(url_for("online_apply.application", application_id=application.id))


def _applicant_route(rule: str, name: str, methods: tuple[str, ...] = ("POST",)) -> None:
    method = getattr(APPLICANT_PAGES, name if name != "application" else "page")
    bp.add_url_rule(f"/application/<int:application_id>{rule}", name, _applicant_only(method), methods=list(methods))


for _rule, _name, _methods in (("", "application", ("GET",)), ("/form", "save_form", ("POST",)),
                               ("/upload", "upload", ("POST",)),
                               ("/upload/<int:upload_id>/delete", "delete_upload", ("POST",)),
                               ("/consent", "consent", ("POST",)), ("/submit", "submit", ("POST",)),
                               ("/resubmit", "resubmit", ("POST",)), ("/file/<int:upload_id>", "file", ("GET",)),
                               ("/document/<int:document_id>", "document", ("GET",))):
    _applicant_route(_rule, _name, _methods)


# -- the village terminal (网上代申办, kiosk layout) -------------------------------------------------------


TERMINAL_PAGES = Pages(kiosk=True)


class TerminalView(BaseView):
    """网上代申办: a village 代办员 applies online for a villager at the terminal (kiosk layout)."""

    route_base = "/online/terminal"
    default_view = "index"
    class_permission_name = "OnlineTerminal"
    method_permission_name = {name: "use" for name in (
        "index", "begin", "application", "save_form", "upload", "delete_upload", "consent", "submit", "resubmit",
        "file", "document")}
    govkit_role_permissions = {"代办员": ["can_use"]}

    def _agent(self):
        agent = request_actor()
        try:
            A.check_agent(agent)
        except OutOfScope:
            abort(403)
        return agent

    @expose("/")
    @has_access
    def index(self):
        agent = request_actor()
        try:
            A.check_agent(agent)
        except OutOfScope as exc:  # e.g. Admin opening the menu entry: say who may use it (no 403 page)
            return TERMINAL_PAGES.render("online/terminal.html", items=[], mine=[], cases={}, agent=agent,
                                         state_label=workflow_for().state_label, refusal=str(exc))
        mine = A.applications_of(db.session, A.Owner(agent=agent))
        return TERMINAL_PAGES.render("online/terminal.html", items=A.online_items(db.session), mine=mine[:20],
                                     cases=A.submitted_cases(db.session, mine[:20]), agent=agent,
                                     state_label=workflow_for().state_label)

    @expose("/begin/<int:implementation_id>", methods=["GET", "POST"])
    @has_access
    def begin(self, implementation_id: int):
        """The villager's name, ID number and phone, then the application page."""
        agent = self._agent()
        from govkit.catalog.models import Implementation  # deferred: one lookup for the title only

        implementation = db.session.get(Implementation, implementation_id)
        if implementation is None or not implementation.online_apply:
            abort(404)
        error = None
        if request.method == "POST":
            try:
                check_csrf()
                application = A.start(db.session, implementation_id, A.Owner(agent=agent), villager={
                    "name": request.form.get("name"), "id_number": request.form.get("id_number"),
                    "phone": request.form.get("phone"), "address": request.form.get("address")})
                db.session.commit()
                return redirect(url_for("TerminalView.application", application_id=application.id))
            except OutOfScope:
                db.session.rollback()
                abort(404)
            except GovkitError as exc:
                db.session.rollback()
                error = str(exc)
        return TERMINAL_PAGES.render("online/terminal_begin.html", impl=implementation, error=error,
                                     form=request.form)

    def _pages(self):
        self._agent()
        return TERMINAL_PAGES

    @expose("/application/<int:application_id>")
    @has_access
    def application(self, application_id: int):
        return self._pages().page(application_id)

    @expose("/application/<int:application_id>/form", methods=["POST"])
    @has_access
    def save_form(self, application_id: int):
        return self._pages().save_form(application_id)

    @expose("/application/<int:application_id>/upload", methods=["POST"])
    @has_access
    def upload(self, application_id: int):
        return self._pages().upload(application_id)

    @expose("/application/<int:application_id>/upload/<int:upload_id>/delete", methods=["POST"])
    @has_access
    def delete_upload(self, application_id: int, upload_id: int):
        return self._pages().delete_upload(application_id, upload_id)

    @expose("/application/<int:application_id>/consent", methods=["POST"])
    @has_access
    def consent(self, application_id: int):
        return self._pages().consent(application_id)

    @expose("/application/<int:application_id>/submit", methods=["POST"])
    @has_access
    def submit(self, application_id: int):
        return self._pages().submit(application_id)

    @expose("/application/<int:application_id>/resubmit", methods=["POST"])
    @has_access
    def resubmit(self, application_id: int):
        return self._pages().resubmit(application_id)

    @expose("/application/<int:application_id>/file/<int:upload_id>")
    @has_access
    def file(self, application_id: int, upload_id: int):
        return self._pages().file(application_id, upload_id)

    @expose("/application/<int:application_id>/document/<int:document_id>")
    @has_access
    def document(self, application_id: int, document_id: int):
        return self._pages().document(application_id, document_id)


# -- pre-review (预审) at the receiving point ---------------------------------------------------------------


class PrereviewView(DeskView):
    """网上预审: the receiving point's 受理员 accepts, sends one 一次性告知 online, or refuses with reasons.

    Scoped (the case must lie in the user's scope, else 404) and role-checked by the workflow (受理员 of
    the receiving point). 行政许可法 §32: the answer is due within five working days of submission.
    """

    route_base = "/desk/prereview"
    default_view = "show"
    class_permission_name = "OnlinePrereview"
    method_permission_name = {"show": "read", "decide": "act", "signature": "read"}
    govkit_role_permissions = {role: ["can_read"] for role in ("受理员", "代办员", "办理员", "指挥中心", "机关负责人",
                                                               "监察")} | {"受理员": ["can_read", "can_act"]}

    def _case(self, case_id: int) -> Case:
        try:
            case = get_case(db.session, request_actor().scope, case_id)
        except OutOfScope:
            abort(404)
        return case

    @expose("/<int:case_id>")
    @has_access
    def show(self, case_id: int):
        case = self._case(case_id)
        application = A.application_of_case(db.session, case.id)
        workflow, actor = workflow_for(), request_actor()
        allowed = {a.name for a in workflow.allowed_actions(db.session, case, actor)}
        return self.render(
            "online/prereview.html", case=case, application=application,
            actions=[workflow.action(n) for n in PREREVIEW_ACTIONS if n in allowed],
            attachments=case_attachments(db.session, case), state_label=workflow.state_label,
            id_masked=mask_id_number(case.applicant_id_number or ""), consent_labels=CONSENT_LABELS,
            documents=issuing.issued_documents(db.session, case), format_size=format_size,
            form_shown=_form_shown(application) if application else [])

    @expose("/<int:case_id>/signature")
    @has_access
    def signature(self, case_id: int):
        case = self._case(case_id)
        application = A.application_of_case(db.session, case.id)
        if application is None or not application.consent_signature_sha256:
            abort(404)
        return _file_response(_store().read(application.consent_signature_sha256), "image/png", "签名.png")

    @expose("/<int:case_id>/decide", methods=["POST"])
    @has_access
    def decide(self, case_id: int):
        case = self._case(case_id)
        name = request.form.get("action", "")
        if name not in PREREVIEW_ACTIONS:
            abort(400)
        workflow, actor = workflow_for(), request_actor()
        fields: dict[str, Any] = {
            "material_states": {k[2:]: v for k, v in request.form.items() if k.startswith("m-") and k[2:].isdigit()
                                and v}}
        for key in ("reason", "missing_extra", "comment"):
            if request.form.get(key, "").strip():
                fields[key] = request.form[key].strip()
        try:
            check_csrf()
            version = request.form.get("version", "")
            if version.isdigit() and int(version) != case.version:
                raise ValidationError("办件已被他人修改，请查看最新情况后重试。")
            workflow.perform(db.session, case, name, actor, **fields)  # committed: the applicant is told
        except OutOfScope:
            db.session.rollback()
            abort(404)
        except GovkitError as exc:
            db.session.rollback()
            flash(f"未能{workflow.action(name).label}：{exc}", "danger")
            return redirect(url_for("PrereviewView.show", case_id=case_id))
        label = workflow.action(name).label
        try:
            # The notice in its own transaction: a decision taken stays taken if printing fails.
            copy = issuing.issue_document(db.session, case, NOTICE_OF[name], actor, _issuer())
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            flash(f"办件 {case.number} 已{label}，但通知书未能出具：{exc} 请在办件详情页出具。", "danger")
        else:
            flash(f"办件 {case.number} 已{label}，{copy.document.title}（{copy.document.document_number}）"
                  "已出具并电子送达申请人。", "success")
        return redirect(url_for("PrereviewView.show", case_id=case_id))


def register(appbuilder: Any, app: Any) -> None:
    app.register_blueprint(bp)
    appbuilder.add_view_no_menu(PrereviewView)
    appbuilder.add_view(TerminalView, "网上代申办", icon="fa-tablet", category="办件", category_label="办件")

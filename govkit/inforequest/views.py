"""Staff screens of 依申请公开: the organ's requests (补正, 延期, 答复 with its 答复书), the supervisor's
deadline cards (``/supervision/info-requests``) and the 年度报告 page and CSV (``/foi/annual``).
Every list and page is limited to the user's scope (a township sees its own organs only)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select

from govkit.cases.runtime import calendar_for
from govkit.consult.services import messages_for
from govkit.consult.views import tell_account
from govkit.db import db
from govkit.errors import ValidationError
from govkit.desk.web import file_store
from govkit.hierarchy.models import Division, Organ
from govkit.inforequest import proactive, report, services
from govkit.inforequest.letters import DeskLetterIssuer
from govkit.inforequest.models import InfoRequest
from govkit.clock import local_date
from govkit.printing.models import IssuedDocument
from govkit.printing.registry import registry_for
from govkit.spreadsheet import csv_row
from govkit.state import get_state
from govkit.web.actor import request_actor
from govkit.web.scope import current_scope
from govkit.web.handling import CardsView, HandlingView, run_action

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
READ = ["can_list", "can_show"]
SUPERVISOR = "监察"
WORKERS = services.HANDLER_ROLES + (services.HEAD_ROLE,)


def letter_issuer() -> DeskLetterIssuer:
    state = get_state(current_app)
    base = (state.settings["PUBLIC_BASE_URL"] or "").rstrip("/")
    return DeskLetterIssuer(templates=registry_for(state), store=file_store(), settings=state.settings,
                            verify_url=f"{base}/public/verify" if base else "")


class InfoRequestView(HandlingView):
    """政府信息公开申请 received by the organs in scope."""

    datamodel = SQLAInterface(InfoRequest)
    scope_column = "division_code"
    route_base = "/admin/info-requests"
    class_permission_name = "InfoRequest"
    govkit_role_permissions = {role: READ + ["can_export_csv", "can_handle", "can_act", "can_document"]
                               for role in WORKERS}
    govkit_role_permissions[SUPERVISOR] = READ
    list_title, show_title = "依申请公开", "政府信息公开申请"
    label_columns = {"number": "申请编号", "organ": "受理机关", "division_code": "机关区划",
                     "applicant_type": "申请人类型",
                     "name": "申请人", "id_number": "证件号码", "phone": "联系电话", "email": "电子邮箱",
                     "address": "通信地址", "description": "所需信息", "document_ref": "文件名称、文号",
                     "purpose": "用途", "delivery": "获取方式", "medium": "载体形式", "state": "状态",
                     "received_on": "收到申请日期", "due_date": "答复期限", "extension_days": "延长工作日",
                     "reply_type": "答复类型", "replied_on": "答复日期", "fee": "信息处理费"}
    list_columns = ["number", "organ", "applicant_type", "state", "received_on", "due_date", "reply_type"]
    show_columns = ["number", "organ", "applicant_type", "name", "id_number", "phone", "email", "address",
                    "description", "document_ref", "purpose", "delivery", "medium", "state", "received_on",
                    "due_date", "extension_days", "reply_type", "replied_on", "fee"]
    search_columns = ["number", "state", "reply_type", "received_on", "applicant_type"]
    base_permissions = READ + ["can_export_csv", "can_handle", "can_act", "can_document"]
    base_order = ("received_on", "desc")
    handle_template, manage_label = "inforequest/handle.html", "补正、延期与答复"

    def handle_context(self, found: InfoRequest) -> dict:
        scope = current_scope()
        ids = [i for i in (found.supplement_document_id, found.extension_document_id, found.reply_document_id) if i]
        documents = db.session.scalars(select(IssuedDocument).where(IssuedDocument.id.in_(ids))
                                       .order_by(IssuedDocument.id)).all() if ids else []
        return {"found": found, "documents": documents, "messages": messages_for(db.session, found.number),
                "handler": scope.has_role(*services.HANDLER_ROLES), "head": scope.has_role(services.HEAD_ROLE),
                "reply_types": list(services.REPLY_TYPES), "reasons": services.WITHHOLD_REASONS,
                "today": local_date(), "max_days": services.MAX_EXTENSION_DAYS,
                "supplement_days": get_state(current_app).settings["INFO_REQUEST_SUPPLEMENT_DAYS"]}

    def row_actions(self, found: InfoRequest, form) -> dict:
        scope, actor, calendar = current_scope(), request_actor(), calendar_for(db.session, current_app)
        days = form.get("days", "")
        return {
            "supplement": (lambda: services.ask_supplement(
                db.session, scope, found, text=form.get("text", ""), actor=actor, issuer=letter_issuer(),
                calendar=calendar, days=int(get_state(current_app).settings["INFO_REQUEST_SUPPLEMENT_DAYS"])),
                "已出具补正告知书，答复期限暂停计算。"),
            "correction": (lambda: services.record_correction(db.session, scope, found, text=form.get("text", ""),
                                                              calendar=calendar),
                           "已登记补正，答复期限自今日起重新计算（第三十条）。"),
            "lapse": (lambda: services.lapse(db.session, scope, found), "已按视为放弃申请处理。"),
            "extend": (lambda: services.extend(db.session, scope, found, days=int(days) if days.isdigit() else 0,
                                               reason=form.get("text", ""), actor=actor, issuer=letter_issuer(),
                                               calendar=calendar), "已延长答复期限并出具告知书。"),
            "reply": (lambda: services.reply(db.session, scope, found, reply_type=form.get("reply_type", ""),
                                             text=form.get("text", ""), reason=form.get("reason", ""),
                                             competent_organ=form.get("competent_organ", ""),
                                             fee=form.get("fee", "0"), actor=actor, issuer=letter_issuer()),
                      "已答复并出具答复书。"),
        }

    def after_action(self, found: InfoRequest, name: str) -> None:
        message = services.account_message(found, name)
        if message is not None:
            tell_account(found.applicant_id, kind=message[0], text=message[1], key=("foi", name, found.id))

    @expose("/handle/<int:pk>/document/<int:document_id>.pdf")
    @has_access
    def document(self, pk: int, document_id: int):
        found = self.scoped_row(pk)
        if document_id not in (found.supplement_document_id, found.extension_document_id, found.reply_document_id):
            abort(404)
        row = db.session.get(IssuedDocument, document_id)
        pdf = file_store().read(row.sha256)
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename=foi-{row.id}.pdf"})


class RequestCardsView(CardsView):
    """电子监察: requests near or past their reply deadline (第三十三条)."""

    route_base = "/supervision/info-requests"
    class_permission_name = "InfoRequestCards"
    govkit_role_permissions = {SUPERVISOR: ["can_cards"]}
    cards_template = "inforequest/cards.html"
    card_rows = staticmethod(services.cards)


def _organs_in_scope() -> list[Organ]:
    scope = current_scope()
    return list(db.session.scalars(select(Organ).join(Division, Division.id == Organ.division_id)
                                   .where(scope.clause(Division.code), Organ.full_name.is_not(None))
                                   .order_by(Division.code, Organ.id)))


class AnnualReportView(BaseView):
    """年度报告 (第五十条): one organ's year as a printable page and CSV; 复议/诉讼 counts entered here."""

    route_base = "/foi/annual"
    replica_reads = True  # dashboards and reports read from DATABASE_REPLICA_URL (govkit.web.replica)
    default_view = "page"
    class_permission_name = "FoiAnnualReport"
    govkit_role_permissions = {role: ["can_page", "can_csv", "can_figures"] for role in ("公开审核", "办理员")}
    govkit_role_permissions.update({role: ["can_page", "can_csv"] for role in (SUPERVISOR, services.HEAD_ROLE)})

    def _selection(self) -> tuple[list[Organ], Organ | None, int]:
        organs = _organs_in_scope()
        wanted = request.values.get("organ", type=int)
        organ = next((o for o in organs if o.id == wanted), None) if wanted else (organs[0] if organs else None)
        if wanted and organ is None:
            abort(404)
        year = request.values.get("year", type=int) or local_date().year - 1
        return organs, organ, year

    @expose("/")
    @has_access
    def page(self):
        organs, organ, year = self._selection()
        try:
            data = report.annual_report(db.session, organ, year) if organ is not None else None
        except ValidationError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(f"{self.endpoint}.page"))
        disclosed = proactive.proactive_report(db.session, organ, year) if organ is not None else None
        return self.render_template("inforequest/annual.html", organs=organs, organ=organ, year=year, report=data,
                                    proactive=disclosed,
                                    fields=report.FIGURE_FIELDS,
                                    can_edit=current_scope().has_role("公开审核", "办理员"))

    @expose("/csv")
    @has_access
    def csv(self):
        organs, organ, year = self._selection()
        if organ is None:
            abort(404)
        try:
            data = report.annual_report(db.session, organ, year)
        except ValidationError:
            abort(400)
        rows = report.csv_rows(data, proactive.proactive_report(db.session, organ, year))
        body = "\ufeff" + "".join(csv_row(row) for row in rows)
        return Response(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=foi-annual-{organ.id}-{year}.csv"})

    @expose("/figures", methods=["POST"])
    @has_access
    def figures(self):
        organs, organ, year = self._selection()
        if organ is None:
            abort(404)
        run_action(lambda: report.save_figures(db.session, organ, year, request.form, request_actor().name),
            "复议、诉讼情况已保存。")
        return redirect(url_for(f"{self.endpoint}.page", organ=organ.id, year=year))


def register(appbuilder, app) -> None:
    if "govkit_inforequest_templates" not in app.blueprints:
        app.register_blueprint(Blueprint("govkit_inforequest_templates", __name__, template_folder=TEMPLATE_FOLDER))
    appbuilder.add_view(InfoRequestView, "依申请公开", category="公开与评价", icon="fa-file-text-o")
    appbuilder.add_view(AnnualReportView, "信息公开年度报告", href="/foi/annual/", category="公开与评价",
                        icon="fa-table")
    appbuilder.add_view(RequestCardsView, "依申请公开期限", href="/supervision/info-requests/", category="电子监察",
                        icon="fa-clock-o")

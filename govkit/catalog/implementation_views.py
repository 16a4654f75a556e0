"""Implementation screens (实施清单) with publish/revise actions, the 三级四同 report, import/export,
the REST APIs, and :func:`register` that puts everything under the 事项管理 menu."""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelRestApi, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from govkit.catalog import services
from govkit.catalog.consistency import consistency_report, report_csv
from govkit.catalog.models import (COUNTER_ONLY, EXERCISE_LEVELS, HANDLING_FORMS, IMPLEMENTATION_KINDS,
                                   ITEM_TYPES, ONLINE_MODES, Implementation, ServiceItem)
from govkit.catalog.transfer import FORMATS, export_catalog, format_of, import_catalog
from govkit.catalog.views import (ADMIN_DUTY, ALL_DUTIES, LABELS, MENU, TEMPLATE_FOLDER, TYPE_CHOICES, VIEW_READ,
                                  VIEW_WRITE, FeeView, ItemTypeMappingView, LegalBasisView, MaterialView,
                                  ServiceItemView, SpecialProcedureView, StepView, _choices, _fail, grants)
from govkit.db import db
from govkit.errors import GovkitError, ImportRowError, ValidationError
from govkit.clock import local_date
from govkit.web.scope import current_scope
from govkit.web.scoped import ScopedModelRestApi, ScopedModelView

ACTION_PERMISSIONS = ["publish", "revise"]


class ImplementationView(ScopedModelView):
    """实施清单 versions of the user's divisions; drafts are edited, then published (发布)."""

    datamodel = SQLAInterface(Implementation)
    scope_division_fk = "division_id"
    route_base = "/catalog/implementations"
    class_permission_name = "CatalogImplementation"
    govkit_role_permissions = {duty: perms + (ACTION_PERMISSIONS if duty == ADMIN_DUTY else [])
                               for duty, perms in grants(VIEW_READ, VIEW_WRITE).items()}
    label_columns = LABELS
    list_title, show_title, add_title, edit_title = ("实施清单", "实施清单详情",
                                                     "新增实施清单（草稿）", "编辑实施清单草稿")
    list_columns = ["name", "code", "version", "status", "division", "department", "item_type", "exercise_level",
                    "promised_days", "kind", "online_mode"]
    show_columns = ["item", "name", "code", "version", "status", "effective_from", "effective_to", "division",
                    "department", "implementing_body", "item_type", "exercise_level", "legal_basis", "conditions",
                    "legal_days", "promised_days", "max_extensions", "max_extension_days", "supplement_days", "kind",
                    "handling_forms", "online_mode", "visits_needed", "proxy_allowed", "presence_required", "free",
                    "consult_phone", "complaint_phone", "place", "hours", "source",
                    "updated_by_admin"]
    add_columns = edit_columns = ["item", "division", "department", "code", "name", "implementing_body", "item_type",
                                  "legal_basis", "conditions", "legal_days", "promised_days", "max_extensions",
                                  "max_extension_days", "supplement_days", "kind",
                                  "handling_forms", "online_mode", "visits_needed", "proxy_allowed",
                                  "presence_required", "free",
                                  "consult_phone", "complaint_phone", "place", "hours"]
    search_columns = ["name", "code", "pinyin_initials", "item_type", "exercise_level", "status", "department",
                      "division", "kind", "online_mode", "item"]
    export_columns = ["code", "version", "name", "status", "division.code", "division.name", "department.name",
                      "item_type", "legal_days", "promised_days", "kind", "online_mode"]
    order_columns = ["name", "code", "version", "status", "promised_days"]
    base_order = ("code", "asc")
    related_views = [MaterialView, FeeView, StepView, SpecialProcedureView]
    formatters_columns = {"item_type": lambda code: ITEM_TYPES.get(code, code) if code else "同所属事项",
                          "exercise_level": lambda level: EXERCISE_LEVELS.get(level, level)}
    add_form_extra_fields = {
        "item_type": SelectField("事项类型", choices=[("", "（同所属事项）")] + TYPE_CHOICES, widget=Select2Widget()),
        "kind": SelectField("办件类型", choices=_choices(IMPLEMENTATION_KINDS), default="承诺件",
                            widget=Select2Widget()),
        "online_mode": SelectField("网上办理深度", choices=_choices(ONLINE_MODES), default=COUNTER_ONLY,
                                   widget=Select2Widget()),
        # Non-null booleans would otherwise be "required", i.e. could never be unticked.
        "proxy_allowed": BooleanField("可代办", default=True),
        "presence_required": BooleanField("须本人到场", default=False),
        "free": BooleanField("不收费", default=True),
    }
    edit_form_extra_fields = add_form_extra_fields
    description_columns = {
        "code": "18 位实施主体统一社会信用代码 + 1 位行使层级（1–6）+ 基本编码",
        "handling_forms": "可填多个，用“、”分隔：" + "、".join(HANDLING_FORMS),
        "online_mode": ("全程网办：网上申报、预审、受理和电子送达；网上申报+窗口核验：网上申报，"
                        "决定前到窗口核验原件；仅窗口：不开放网上申报"),
        "promised_days": "不得超过法定时限",
        "max_extensions": "可延期次数；留空为 1 次（行政许可法第四十二条），0 为不得延期",
        "max_extension_days": "每次延期最多的工作日；留空为 10 个工作日（行政许可法第四十二条）",
        "supplement_days": ("申请人收到一次性告知书后补正的期限（工作日），印在告知书上；"
                            "不填则用系统设置 SUPPLEMENT_PERIOD_DAYS"),
    }

    def pre_add(self, item: Implementation) -> None:
        try:
            super().pre_add(item)
            code = (item.code or "").strip().upper()
            with db.session.no_autoflush:  # the form-populated row is not complete yet
                if code and db.session.scalar(select(Implementation.id).where(Implementation.code == code)):
                    raise ValidationError(f"实施编码：“{code}”已存在。如需修改，请在该实施清单上“新建修订版”。")
                item.version, item.status, item.source = 1, services.DRAFT, "admin"
                item.item_type = item.item_type or None
                services.validate_implementation(db.session, item)
        except GovkitError:
            # The refused row hangs on its item's collection: drop it with the transaction.
            db.session.rollback()
            raise

    def pre_update(self, item: Implementation) -> None:
        super().pre_update(item)
        try:
            if db.session.scalar(select(Implementation.status).where(Implementation.id == item.id)) != services.DRAFT:
                raise ValidationError(f"第 {item.version} 版已发布或已停用，不能直接修改；请先“新建修订版”。")
            item.item_type = item.item_type or None
            services.validate_implementation(db.session, item)
            services.mark_admin_edit(item)
        except GovkitError:
            db.session.rollback()
            raise

    # FAB's page history loses the list page when a form is saved and sends the editor home;
    # after saving a version the editor sees that version, after adding one the list.
    def post_edit_redirect(self):
        return redirect(url_for(f"{type(self).__name__}.show", pk=request.view_args["pk"]))

    def post_add_redirect(self):
        return redirect(url_for(f"{type(self).__name__}.list"))

    def pre_delete(self, item: Implementation) -> None:
        if item.status != services.DRAFT:
            raise ValidationError("只有草稿可以删除；已发布的版本可能已被办件引用，请发布新版本替代。")

    def _each(self, items, work) -> None:
        items = items if isinstance(items, list) else [items]
        try:
            done = [work(db.session, i) for i in items]
            db.session.commit()
        except GovkitError as error:
            _fail(error)
            return
        for row in done:
            flash(f"“{row.name}”第 {row.version} 版：{row.status}", "success")

    @action("publish", "发布", "发布所选草稿？已发布的上一版本将停用（已受理的办件仍按原版本办理）。", "fa-check",
            multiple=True)
    def publish(self, items):
        self._each(items, lambda s, i: services.publish(s, i, on=local_date()))
        return redirect(self.get_redirect())

    @action("revise", "新建修订版", "为所选版本新建修订草稿？", "fa-copy", multiple=False)
    def revise(self, items):
        self._each(items, lambda s, i: _mark(services.revise(s, i)))
        return redirect(self.get_redirect())


def _mark(row: Implementation) -> Implementation:
    services.mark_admin_edit(row)
    return row


class ConsistencyView(BaseView):
    """三级四同 report (同一率 per county, every deviation) with CSV download."""

    route_base = "/catalog/consistency"
    replica_reads = True  # dashboards and reports read from DATABASE_REPLICA_URL (govkit.web.replica)
    default_view = "index"
    template_folder = TEMPLATE_FOLDER
    class_permission_name = "CatalogConsistency"
    govkit_role_permissions = {duty: ["can_index", "can_csv"] for duty in ALL_DUTIES}

    @expose("/")
    @has_access
    def index(self):
        report = consistency_report(db.session, current_scope())
        return self.render_template("govkit/catalog/consistency.html", report=report, title="三级四同比对")

    @expose("/csv")
    @has_access
    def csv(self):
        data = report_csv(consistency_report(db.session, current_scope()))
        return Response(data, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=sanji_sitong.csv"})


class CatalogTransferView(BaseView):
    """批量导入/导出 (CSV, XLSX, JSON): import validates every row and writes all or nothing."""

    route_base = "/catalog/transfer"
    default_view = "index"
    template_folder = TEMPLATE_FOLDER
    class_permission_name = "CatalogTransfer"
    govkit_role_permissions = {ADMIN_DUTY: ["can_index", "can_upload", "can_download"]}
    MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("govkit/catalog/transfer.html", title="事项批量导入导出", errors=[])

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        upload = request.files.get("file")
        errors: list[tuple[int, str]] = []
        if upload is None or not upload.filename:
            flash("请选择要导入的文件（.csv、.xlsx 或 .json）。", "warning")
        else:
            try:
                counts = import_catalog(db.session, upload.read(), format_of(upload.filename))
                db.session.commit()
                flash("导入完成：" + "，".join(f"{k} {v} 行" for k, v in counts.items()), "success")
            except ImportRowError as error:
                _fail(error)
                errors = error.errors
            except GovkitError as error:
                _fail(error)
        return self.render_template("govkit/catalog/transfer.html", title="事项批量导入导出", errors=errors)

    @expose("/download/<fmt>")
    @has_access
    def download(self, fmt: str):
        if fmt not in FORMATS:
            return redirect(url_for(f"{type(self).__name__}.index"))
        scope = current_scope()
        data = export_catalog(db.session, fmt, None if scope.is_unrestricted else scope)
        return Response(data, mimetype=self.MIMETYPES[fmt],
                        headers={"Content-Disposition": f"attachment; filename=catalog.{fmt}"})


# --- REST -------------------------------------------------------------------------------------

API_READ = ["can_get", "can_info"]
API_WRITE = API_READ + ["can_post", "can_put", "can_delete"]


class ServiceItemApi(ModelRestApi):
    """REST: /api/v1/catalog_item/ — the shared basic catalog (read for all duties, write for 事项管理员)."""

    datamodel = SQLAInterface(ServiceItem)
    resource_name = "catalog_item"
    class_permission_name = "CatalogItemApi"
    allow_browser_login = True
    govkit_role_permissions = grants(API_READ, API_WRITE)
    list_columns = show_columns = ["id", "basic_code", "name", "synonyms", "pinyin_initials", "item_type",
                                   "service_object", "exercise_level", "parent.basic_code", "source"]
    add_columns = edit_columns = ["basic_code", "name", "synonyms", "item_type", "service_object", "exercise_level"]
    search_columns = ["name", "synonyms", "basic_code", "pinyin_initials", "item_type", "exercise_level"]

    def _validate(self, item: ServiceItem, existing: bool) -> None:
        values = services.clean_item(db.session, {
            "basic_code": item.basic_code, "name": item.name, "synonyms": item.synonyms, "item_type": item.item_type,
            "service_object": item.service_object, "exercise_level": item.exercise_level},
            existing=item if existing else None)
        values.pop("parent_code")
        for key, value in values.items():
            setattr(item, key, value)

    def pre_add(self, item):
        self._validate(item, False)

    def pre_update(self, item):
        self._validate(item, True)
        services.mark_admin_edit(item)

    def _guarded(self, call, *args):
        try:
            return call(*args)
        except GovkitError as error:
            db.session.rollback()
            return self.response(error.status_code, message=str(error))

    def post_headless(self):
        return self._guarded(super().post_headless)

    def put_headless(self, pk):
        return self._guarded(super().put_headless, pk)


class ImplementationApi(ScopedModelRestApi):
    """REST: /api/v1/catalog_implementation/ (scoped to the user's divisions; read-only: publish via the screens)."""

    datamodel = SQLAInterface(Implementation)
    scope_division_fk = "division_id"
    resource_name = "catalog_implementation"
    class_permission_name = "CatalogImplementationApi"
    govkit_role_permissions = {duty: list(API_READ) for duty in ALL_DUTIES}
    base_permissions = ["can_get", "can_info"]
    list_columns = show_columns = ["id", "code", "version", "name", "status", "effective_from", "effective_to",
                                   "item.basic_code", "division.code", "division.name", "department.name",
                                   "item_type", "legal_days", "promised_days", "kind", "handling_forms",
                                   "online_mode", "visits_needed", "proxy_allowed", "presence_required", "free",
                                   "consult_phone",
                                   "complaint_phone", "place", "hours"]
    search_columns = ["name", "code", "pinyin_initials", "status", "item_type", "exercise_level"]


VIEWS = [
    (ServiceItemView, "基本目录事项", "fa-list"),
    (ImplementationView, "实施清单", "fa-list-alt"),
    (ConsistencyView, "三级四同比对", "fa-balance-scale"),
    (CatalogTransferView, "批量导入导出", "fa-exchange"),
    (ItemTypeMappingView, "事项类型对照", "fa-random"),
]
HIDDEN = [LegalBasisView, MaterialView, FeeView, StepView, SpecialProcedureView]


def register(appbuilder) -> None:
    """Add the catalog screens under 事项管理 and the REST APIs."""
    for view in HIDDEN:
        appbuilder.add_view_no_menu(view)
    for view, name, icon in VIEWS:
        appbuilder.add_view(view, name, icon=icon, category=MENU, category_label=MENU, category_icon="fa-book")
    appbuilder.add_api(ServiceItemApi)
    appbuilder.add_api(ImplementationApi)

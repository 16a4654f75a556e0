"""Catalog admin screens (事项管理): items, implementations with their materials, fees, steps and
special procedures, publishing, 三级四同 report, import/export. Thin: the rules live in
:mod:`govkit.catalog.services`.

Items (基本目录) are the county's shared catalog: every duty role may read them, only 事项管理员
(and Admin) may write. Implementations and everything under them are limited to the user's
division subtree (:class:`~govkit.web.scoped.ScopedModelView`).
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, flash, request, send_file
from markupsafe import Markup
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from wtforms import BooleanField, FileField, SelectField

from govkit.catalog import attachments, services
from govkit.catalog.models import (EXERCISE_LEVELS, ITEM_TYPES, MATERIAL_FORMS,
                                   MATERIAL_NECESSITIES, Fee, Implementation, ItemTypeMapping, LegalBasis,
                                   Material, ProcedureStep, ServiceItem, SpecialProcedure)
from govkit.db import db
from govkit.errors import GovkitError, OutOfScope, ValidationError
from govkit.hierarchy.models import Duty
from govkit.spreadsheet import csv_row
from govkit.web.scope import current_scope
from govkit.web.scoped import ScopedModelView

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
MENU = "事项管理"
ADMIN_DUTY = Duty.CATALOG_ADMIN.value
ALL_DUTIES = [d.value for d in Duty]
VIEW_READ = ["can_list", "can_show", "can_export_csv"]
VIEW_WRITE = VIEW_READ + ["can_add", "can_edit", "can_delete"]


def grants(read: list[str], write: list[str]) -> dict[str, list[str]]:
    """事项管理员 writes, every other duty reads."""
    return {duty: list(write if duty == ADMIN_DUTY else read) for duty in ALL_DUTIES}


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


TYPE_CHOICES = [(k, f"{k} {v}") for k, v in ITEM_TYPES.items()]
LEVEL_CHOICES = [(str(k), f"{k} {v}") for k, v in EXERCISE_LEVELS.items()]

LABELS = {
    "basic_code": "基本编码", "name": "名称", "synonyms": "别名简称",
    "pinyin_initials": "拼音首字母", "item_type": "事项类型",
    "item_type_name": "事项类型", "service_object": "服务对象", "exercise_level": "行使层级",
    "exercise_level_name": "行使层级", "parent": "上级事项", "sub_items": "子项", "source": "来源",
    "updated_by_admin": "管理员已修改", "updated_at": "更新时间", "legal_bases": "设定依据",
    "item": "所属事项", "division": "实施区划", "department": "实施部门", "code": "实施编码", "version": "版本",
    "status": "状态", "effective_from": "生效日期", "effective_to": "停用日期", "conditions": "受理条件",
    "implementing_body": "实施主体", "legal_basis": "设定依据（本清单）", "legal_days": "法定时限（工作日）",
    "promised_days": "承诺时限（工作日）", "supplement_days": "补正期限（工作日）", "kind": "办件类型",
    "handling_forms": "办理形式", "online_mode": "网上办理深度",
    "visits_needed": "到现场次数", "proxy_allowed": "可代办", "presence_required": "须本人到场", "free": "不收费",
    "consult_phone": "咨询电话", "complaint_phone": "投诉电话", "place": "办理地点", "hours": "办理时间",
    "implementation": "所属实施清单", "position": "序号", "law": "法律法规名称", "article": "条款", "text": "条文内容",
    "form": "材料形式", "copies": "份数", "necessity": "必要性", "condition_text": "情形说明",
    "source_channel": "来源渠道", "acceptance_standard": "受理标准", "blank_form_name": "空白表格",
    "sample_name": "示范文本", "blank_form_file": "上传空白表格", "sample_file": "上传示范文本",
    "blank_form_url": "空白表格下载", "sample_url": "示范文本下载",
    "amount": "金额（元）", "basis": "收费依据", "days": "时限（工作日）", "actor": "承办人", "description": "说明",
    "counts_in_deadline": "计入办理时限",
}


def _fail(error: GovkitError) -> None:
    db.session.rollback()
    flash(str(error), "danger")


class _NoDownload:
    """FAB's /download/ serves any file of UPLOAD_FOLDER: closed (attachments have their own scoped route)."""

    @expose("/download/<string:filename>")
    def download(self, filename):
        abort(404)


# --- Items ------------------------------------------------------------------------------------


class LegalBasisView(_NoDownload, ModelView):
    """设定依据 of an item (shown inside the item's page)."""

    datamodel = SQLAInterface(LegalBasis)
    route_base = "/catalog/legal-bases"
    class_permission_name = "CatalogLegalBasis"
    govkit_role_permissions = grants(VIEW_READ, VIEW_WRITE)
    label_columns = LABELS
    list_title, show_title, add_title, edit_title = "设定依据", "设定依据详情", "新增设定依据", "编辑设定依据"
    list_columns = ["position", "law", "article", "text"]
    add_columns = edit_columns = show_columns = ["item", "position", "law", "article", "text"]
    base_order = ("position", "asc")

    def _check(self, item: LegalBasis) -> None:
        values = services.clean_legal_basis({"law": item.law, "article": item.article, "text": item.text})
        for key, value in values.items():
            setattr(item, key, value)
        if item.item is not None:
            services.mark_admin_edit(item.item)

    pre_add = pre_update = _check

    def pre_delete(self, item: LegalBasis) -> None:
        services.mark_admin_edit(item.item)


class ServiceItemView(_NoDownload, ModelView):
    """基本目录事项 with their legal bases; search by name, code or pinyin initials (zdsh)."""

    datamodel = SQLAInterface(ServiceItem)
    route_base = "/catalog/items"
    replica_reads = ("export_csv",)  # the export reads from DATABASE_REPLICA_URL (govkit.web.replica)
    class_permission_name = "CatalogItem"
    govkit_role_permissions = grants(VIEW_READ, VIEW_WRITE)
    label_columns = LABELS
    list_title, show_title, add_title, edit_title = "基本目录事项", "事项详情", "新增事项", "编辑事项"
    list_columns = ["basic_code", "name", "item_type_name", "service_object", "exercise_level_name", "parent", "source"]
    show_columns = ["basic_code", "name", "synonyms", "pinyin_initials", "item_type_name", "service_object",
                    "exercise_level_name", "parent", "source", "updated_by_admin", "updated_at"]
    add_columns = edit_columns = ["basic_code", "name", "synonyms", "item_type", "service_object", "exercise_level",
                                  "parent"]
    search_columns = ["name", "synonyms", "basic_code", "pinyin_initials", "item_type", "exercise_level",
                      "service_object", "source"]
    export_columns = ["basic_code", "name", "synonyms", "item_type", "service_object", "exercise_level", "source"]
    order_columns = ["basic_code", "name", "item_type"]
    base_order = ("basic_code", "asc")
    related_views = [LegalBasisView]
    add_form_extra_fields = {
        "item_type": SelectField("事项类型", choices=TYPE_CHOICES, widget=Select2Widget()),
        "exercise_level": SelectField("行使层级", choices=LEVEL_CHOICES, coerce=int, default=4, widget=Select2Widget()),
    }
    edit_form_extra_fields = add_form_extra_fields
    description_columns = {"service_object": "可填多个，用“、”分隔：" + "、".join(services.SERVICE_OBJECTS),
                           "synonyms": "群众常用的简称和别名，用“、”分隔（如 低保、低保金）；"
                                       "办事指南检索和受理台查找都会用到。"}

    def _validate(self, item: ServiceItem) -> None:
        values = services.clean_item(db.session, {
            "basic_code": item.basic_code, "name": item.name, "synonyms": item.synonyms, "item_type": item.item_type,
            "service_object": item.service_object, "exercise_level": item.exercise_level,
            "parent_code": item.parent.basic_code if item.parent else None}, existing=item)
        values.pop("parent_code")
        for key, value in values.items():
            setattr(item, key, value)
        if item.parent is item:
            raise ValidationError("上级事项编码：不能是事项自身。")

    def pre_add(self, item: ServiceItem) -> None:
        self._validate(item)
        item.source = "admin"

    def pre_update(self, item: ServiceItem) -> None:
        try:
            self._validate(item)
        except GovkitError:
            db.session.rollback()
            raise
        services.mark_admin_edit(item)

    def pre_delete(self, item: ServiceItem) -> None:
        if item.implementations:
            raise ValidationError(f"事项“{item.name}”下还有 {len(item.implementations)} 个实施清单版本，不能删除。")

    @expose("/export/")
    @has_access
    def export_csv(self):
        rows = db.session.scalars(select(ServiceItem).order_by(ServiceItem.basic_code))
        lines = ["\ufeff" + csv_row(str(LABELS[c]) for c in self.export_columns)]
        lines += [csv_row(getattr(r, c) for c in self.export_columns) for r in rows]
        return Response("".join(lines), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=catalog_items.csv"})


class ItemTypeMappingView(_NoDownload, ModelView):
    """事项类型对照: a province's own item-type codes mapped to the national ones (00 = national)."""

    datamodel = SQLAInterface(ItemTypeMapping)
    route_base = "/catalog/item-types"
    class_permission_name = "CatalogItemType"
    govkit_role_permissions = grants(["can_list", "can_show"],
                                     ["can_list", "can_show", "can_add", "can_edit", "can_delete"])
    label_columns = {"province": "省级代码（00 为国家标准）", "local_code": "本地类型代码",
                     "local_name": "本地类型名称", "national_code": "对应国家类型"}
    list_title, show_title, add_title, edit_title = "事项类型对照", "类型对照详情", "新增类型对照", "编辑类型对照"
    list_columns = add_columns = edit_columns = show_columns = ["province", "local_code", "local_name", "national_code"]
    base_order = ("local_code", "asc")
    add_form_extra_fields = {
        "national_code": SelectField("对应国家类型", choices=TYPE_CHOICES, widget=Select2Widget()),
    }
    edit_form_extra_fields = add_form_extra_fields


# --- Implementation children ----------------------------------------------------------------------


class FilterImplementationInScope(BaseFilter):
    """FAB filter for rows under an implementation: the implementation's division is in scope."""

    name = "在管辖范围内"
    arg_name = "gkscopeimpl"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        in_scope = select(Implementation.id).where(current_scope().division_id_clause(Implementation.division_id))
        return query.filter(column.in_(in_scope))


def _check_implementation(impl: Implementation | None) -> None:
    if impl is None:
        raise ValidationError("所属实施清单：请选择。")
    if not current_scope().covers(impl.division.code):
        raise OutOfScope("所选实施清单不在您的管辖范围内。")
    if impl.status != services.DRAFT:
        raise ValidationError(f"“{impl.name}”第 {impl.version} 版{impl.status}，其材料、收费和流程不能修改；"
                              "请先对该版本“新建修订版”，在草稿中修改后发布。")


class _ChildView(ScopedModelView):
    """Rows that belong to an implementation: scoped through it, editable only while it is a draft."""

    govkit_role_permissions = grants(VIEW_READ, VIEW_WRITE)
    label_columns = LABELS
    base_order = ("position", "asc")
    add_form_query_rel_fields = {"implementation": [["status", FilterEqual, services.DRAFT]]}
    edit_form_query_rel_fields = add_form_query_rel_fields

    def _scope_base_filters(self):
        return [["implementation_id", FilterImplementationInScope, None]]

    def scope_check_item(self, item) -> None:
        _check_implementation(item.implementation)
        services.mark_admin_edit(item.implementation)

    def pre_delete(self, item) -> None:
        self.scope_check_item(item)


def _link(url: str | None) -> Markup | str:
    return Markup('<a href="{}"><i class="fa fa-download"></i> 下载</a>').format(url) if url else "—"


class MaterialView(_ChildView):
    """申请材料 with blank form and sample text uploads (示范文本), downloadable within scope."""

    datamodel = SQLAInterface(Material)
    route_base = "/catalog/materials"
    class_permission_name = "CatalogMaterial"
    govkit_role_permissions = {duty: perms + ["can_attachment"]
                               for duty, perms in grants(VIEW_READ, VIEW_WRITE).items()}
    list_title, show_title, add_title, edit_title = "申请材料", "材料详情", "新增材料", "编辑材料"
    list_columns = ["position", "name", "form", "copies", "necessity", "source_channel", "blank_form_url", "sample_url"]
    show_columns = ["implementation", "position", "name", "form", "copies", "necessity", "condition_text",
                    "source_channel", "acceptance_standard", "blank_form_name", "blank_form_url", "sample_name",
                    "sample_url"]
    formatters_columns = {"blank_form_url": _link, "sample_url": _link}
    add_columns = edit_columns = ["implementation", "position", "name", "form", "copies", "necessity", "condition_text",
                                  "source_channel", "acceptance_standard", "blank_form_file", "sample_file"]
    search_columns = ["name", "form", "necessity"]
    add_form_extra_fields = {
        "form": SelectField("材料形式", choices=_choices(MATERIAL_FORMS), widget=Select2Widget()),
        "necessity": SelectField("必要性", choices=_choices(MATERIAL_NECESSITIES), widget=Select2Widget()),
        "blank_form_file": FileField("上传空白表格"),
        "sample_file": FileField("上传示范文本"),
    }
    edit_form_extra_fields = add_form_extra_fields

    def _save_uploads(self, item: Material) -> None:
        values = services.clean_material({c: getattr(item, c) for c in (
            "name", "form", "copies", "necessity", "condition_text", "source_channel", "acceptance_standard")})
        for key, value in values.items():
            if not key.endswith(("_path", "_name")):
                setattr(item, key, value)
        storage = current_app.config["GOVKIT_STORAGE_DIR"]
        limit = current_app.extensions["govkit"].settings["UPLOAD_MAX_BYTES"]
        for kind in attachments.KINDS:
            upload = request.files.get(f"{kind}_file")
            if upload is not None and upload.filename:
                path, name = attachments.store_attachment(storage, upload.filename, upload.stream, limit)
                setattr(item, f"{kind}_path", path)
                setattr(item, f"{kind}_name", name)

    def pre_add(self, item: Material) -> None:
        super().pre_add(item)
        self._save_uploads(item)

    def pre_update(self, item: Material) -> None:
        super().pre_update(item)
        try:
            self._save_uploads(item)
        except GovkitError:
            db.session.rollback()
            raise

    @expose("/attachment/<int:pk>/<kind>")
    @has_access
    def attachment(self, pk: int, kind: str):
        """Download a material's blank form or sample (only within the user's scope)."""
        material = self.datamodel.get(pk, self._base_filters)
        if material is None or kind not in attachments.KINDS:
            abort(404)
        try:
            path = attachments.attachment_file(current_app.config["GOVKIT_STORAGE_DIR"],
                                               getattr(material, f"{kind}_path"))
        except ValidationError:
            abort(404)
        name = getattr(material, f"{kind}_name") or path.name
        return send_file(path, as_attachment=True, download_name=name)


class FeeView(_ChildView):
    datamodel = SQLAInterface(Fee)
    route_base = "/catalog/fees"
    class_permission_name = "CatalogFee"
    list_title, show_title, add_title, edit_title = "收费项目", "收费详情", "新增收费", "编辑收费"
    list_columns = ["position", "name", "amount", "basis"]
    add_columns = edit_columns = show_columns = ["implementation", "position", "name", "amount", "basis"]

    def scope_check_item(self, item: Fee) -> None:
        super().scope_check_item(item)
        values = services.clean_fee({"name": item.name, "amount": item.amount, "basis": item.basis})
        item.amount = values["amount"]
        item.implementation.free = False


class StepView(_ChildView):
    datamodel = SQLAInterface(ProcedureStep)
    route_base = "/catalog/steps"
    class_permission_name = "CatalogStep"
    list_title, show_title, add_title, edit_title = "办理流程", "环节详情", "新增环节", "编辑环节"
    list_columns = ["position", "name", "days", "actor", "description"]
    add_columns = edit_columns = show_columns = ["implementation", "position", "name", "days", "actor", "description"]


class SpecialProcedureView(_ChildView):
    datamodel = SQLAInterface(SpecialProcedure)
    route_base = "/catalog/special-procedures"
    class_permission_name = "CatalogSpecialProcedure"
    list_title, show_title, add_title, edit_title = "特别程序", "特别程序详情", "新增特别程序", "编辑特别程序"
    list_columns = ["position", "name", "days", "counts_in_deadline", "description"]
    add_columns = edit_columns = show_columns = ["implementation", "position", "name", "days", "counts_in_deadline",
                                                 "description"]
    add_form_extra_fields = {"counts_in_deadline": BooleanField("计入办理时限", default=False)}
    edit_form_extra_fields = add_form_extra_fields

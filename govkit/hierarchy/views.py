"""Scoped CRUD screens and REST APIs of the hierarchy (层级管理).

Built on the scoped bases every domain shares (:mod:`govkit.web.scoped`); see docs/hierarchy.md.
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, flash, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import FilterSmaller
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from wtforms import SelectField

from govkit.catalog.codes import validate_uscc
from govkit.db import db
from govkit.errors import ValidationError
from govkit.hierarchy.codes import URBAN_RURAL_CLASSES, level_of, parent_code, validate_division_code
from govkit.catalog.models import Implementation
from govkit.hierarchy.models import CentreKind, Department, Division, Duty, Organ, ServiceCentre, Staff
from govkit.hierarchy.organs import ensure_organs
from govkit.hierarchy.staffing import unstaffed_warnings
from govkit.web.scope import current_scope
from govkit.web.scoped import ScopedModelRestApi, ScopedModelView

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")

__all__ = [
    "DivisionView", "ServiceCentreView", "DepartmentView", "OrganView", "StaffView",
    "DivisionApi", "ServiceCentreApi", "DepartmentApi", "StaffApi",
]

ALL_DUTIES = [d.value for d in Duty]
VIEW_READ = ["can_list", "can_show", "can_export_csv"]
VIEW_WRITE = VIEW_READ + ["can_add", "can_edit", "can_delete"]
API_READ = ["can_get", "can_info"]
API_WRITE = API_READ + ["can_post", "can_put", "can_delete"]


def _grants(read: list[str], write: list[str], writers: tuple[str, ...] = ()) -> dict[str, list[str]]:
    return {duty: list(write if duty in writers else read) for duty in ALL_DUTIES}


def _choices(values) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


URBAN_RURAL_CHOICES = [("", "（无）")] + [(k, f"{k} {v}") for k, v in URBAN_RURAL_CLASSES.items()]
_DIVISION_LABELS = {
    "code": "区划代码", "name": "名称", "level": "级别", "level_name": "级别", "parent": "上级区划",
    "urban_rural_class": "城乡分类代码", "urban_rural_label": "城乡分类", "township_kind": "乡级类别",
    "active": "有效", "valid_from": "生效日期", "valid_to": "失效日期",
}
_COMMON_LABELS = {
    "division": "所属区划", "division.name": "所属区划", "division.code": "区划代码", "name": "名称",
    "kind": "类型", "address": "地址", "phone": "电话", "opening_hours": "办公时间",
    "equipment_notes": "设备情况", "centre": "所属服务中心", "centre.name": "所属服务中心",
    "window_no": "窗口号", "uscc": "统一社会信用代码", "department": "部门/窗口", "department.name": "部门/窗口",
    "duty": "岗位", "user": "登录账号", "user.username": "登录账号", "public_contact": "公示联系方式",
    "on_duty": "在岗", "created_at": "创建时间",
}


def _prepare_division(item: Division) -> None:
    """Normalise the code and derive level and parent from it (the code is the path)."""
    item.code = validate_division_code(item.code)
    item.level = level_of(item.code)
    item.urban_rural_class = item.urban_rural_class or None
    parent = parent_code(item.code)
    if parent is None:
        item.parent = None
        return

    found = db.session.scalar(select(Division).where(Division.code == parent))
    if found is None:
        raise ValidationError(f"上级区划 {parent} 不存在，请先导入或新增上级区划。")
    item.parent = found


class WarnsUnstaffed:
    """List screens that show the 无人可办 warnings of the admin's scope above the list."""

    @expose("/list/")
    @has_access
    def list(self):
        for message in unstaffed_warnings(db.session, current_scope()):
            flash(message, "warning")
        return super().list()


class DivisionView(WarnsUnstaffed, ScopedModelView):
    """行政区划: tree-aware list (filter by parent/level), breadcrumbs of ancestors on show."""

    template_folder = TEMPLATE_FOLDER
    datamodel = SQLAInterface(Division)
    scope_column = "code"
    route_base = "/divisions"
    class_permission_name = "Division"
    govkit_role_permissions = _grants(VIEW_READ, VIEW_WRITE)
    list_title = "行政区划"
    show_title = "行政区划详情"
    add_title = "新增行政区划"
    edit_title = "编辑行政区划"
    label_columns = _DIVISION_LABELS
    list_columns = ["code", "name", "level_name", "township_kind", "urban_rural_label", "parent", "active"]
    show_columns = ["code", "name", "level_name", "township_kind", "urban_rural_label", "parent", "active",
                    "valid_from", "valid_to"]
    add_columns = ["code", "name", "urban_rural_class", "active", "valid_from", "valid_to"]
    edit_columns = ["name", "urban_rural_class", "active", "valid_from", "valid_to"]
    search_columns = ["code", "name", "level", "parent", "urban_rural_class", "active"]
    export_columns = ["code", "name", "urban_rural_class", "level", "parent.code", "active"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    search_form_query_rel_fields = {"parent": [["level", FilterSmaller, 5]]}
    add_form_extra_fields = {
        "urban_rural_class": SelectField("城乡分类代码", choices=URBAN_RURAL_CHOICES, widget=Select2Widget()),
    }
    edit_form_extra_fields = add_form_extra_fields
    show_template = "govkit/hierarchy/division_show.html"
    list_template = "govkit/hierarchy/division_list.html"

    def pre_add(self, item: Division) -> None:
        _prepare_division(item)
        super().pre_add(item)

    def pre_update(self, item: Division) -> None:
        item.urban_rural_class = item.urban_rural_class or None
        super().pre_update(item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        widgets = self._show(pk)
        scope = current_scope()
        ancestors = []
        if item.ancestor_codes:
            rows = self.datamodel.session.scalars(
                select(Division).where(Division.code.in_(item.ancestor_codes)).order_by(Division.code)
            ).all()
            ancestors = [(a, scope.covers(a.code)) for a in rows]
        children = None
        if item.level < 5:
            children = url_for(f"{self.endpoint}.list") + f"?_flt_0_parent={item.id}"
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, item=item, ancestors=ancestors,
                                    children_url=children)


class ServiceCentreView(ScopedModelView):
    """政务服务中心/便民服务中心/便民服务站."""

    datamodel = SQLAInterface(ServiceCentre)
    scope_division_fk = "division_id"
    route_base = "/service-centres"
    class_permission_name = "ServiceCentre"
    govkit_role_permissions = _grants(VIEW_READ, VIEW_WRITE, writers=(Duty.DISPATCH.value,))
    list_title = "服务中心"
    show_title = "服务中心详情"
    add_title = "新增服务中心"
    edit_title = "编辑服务中心"
    label_columns = _COMMON_LABELS
    list_columns = ["name", "kind", "division", "address", "phone", "opening_hours"]
    show_columns = ["name", "kind", "division", "address", "phone", "opening_hours", "equipment_notes"]
    add_columns = edit_columns = ["division", "name", "kind", "address", "phone", "opening_hours", "equipment_notes"]
    search_columns = ["name", "kind", "division", "address"]
    export_columns = ["division.code", "division.name", "name", "kind", "address", "phone", "opening_hours"]
    add_form_extra_fields = {
        "kind": SelectField("类型", choices=_choices(k.value for k in CentreKind), widget=Select2Widget()),
    }
    edit_form_extra_fields = add_form_extra_fields


class DepartmentView(WarnsUnstaffed, ScopedModelView):
    """部门/窗口 at county and township level."""

    datamodel = SQLAInterface(Department)
    scope_division_fk = "division_id"
    route_base = "/departments"
    class_permission_name = "Department"
    govkit_role_permissions = _grants(VIEW_READ, VIEW_WRITE, writers=(Duty.DISPATCH.value,))
    list_title = "部门/窗口"
    show_title = "部门/窗口详情"
    add_title = "新增部门/窗口"
    edit_title = "编辑部门/窗口"
    label_columns = _COMMON_LABELS
    list_columns = ["name", "window_no", "division", "centre", "phone"]
    show_columns = ["name", "window_no", "division", "centre", "uscc", "phone"]
    add_columns = edit_columns = ["division", "centre", "name", "window_no", "uscc", "phone"]
    search_columns = ["name", "window_no", "division", "centre"]
    export_columns = ["division.code", "division.name", "name", "window_no", "centre.name", "uscc", "phone"]

    def pre_add(self, item: Department) -> None:
        _check_department(item)
        super().pre_add(item)

    def pre_update(self, item: Department) -> None:
        _check_department(item)
        super().pre_update(item)


def _check_department(item: Department) -> None:
    if item.uscc:
        item.uscc = validate_uscc(item.uscc)


_ORGAN_LABELS = {
    **_COMMON_LABELS, "full_name": "机关全称", "seal_p12_path": "电子印章证书（.p12 路径）",
    "seal_passphrase_env": "证书口令环境变量名", "seal_image_path": "印章图片（PNG 路径）",
    "review_body": "行政复议机关", "court": "行政诉讼管辖法院", "phone": "联系电话", "completeness": "文书信息",
}


class OrganView(ScopedModelView):
    """实施机关: the name, seal, 复议机关 and 法院 that documents issued in its name carry.

    Opening the list adds an empty row for every organ that implements an item and has none,
    so an incomplete organ shows here (文书信息：缺少…) before a document is refused for it.
    """

    datamodel = SQLAInterface(Organ)
    scope_division_fk = "division_id"
    route_base = "/organs"
    class_permission_name = "Organ"
    govkit_role_permissions = _grants(VIEW_READ, VIEW_READ)
    list_title = "实施机关"
    show_title = "实施机关详情"
    add_title = "新增实施机关"
    edit_title = "编辑实施机关"
    label_columns = _ORGAN_LABELS
    list_columns = ["full_name", "division", "department", "review_body", "court", "phone", "completeness"]
    show_columns = ["full_name", "division", "department", "seal_p12_path", "seal_passphrase_env", "seal_image_path",
                    "review_body", "court", "phone", "completeness"]
    add_columns = edit_columns = ["division", "department", "full_name", "seal_p12_path", "seal_passphrase_env",
                                  "seal_image_path", "review_body", "court", "phone"]
    search_columns = ["full_name", "division", "department"]
    description_columns = {
        "seal_p12_path": "PAdES 电子签章用的 PKCS#12 证书文件；与印章图片至少填一项。",
        "seal_passphrase_env": "保存证书口令的环境变量名（口令本身不存入数据库）。",
        "seal_image_path": "透明背景的 PNG 印章图片，打印在落款处。",
        "review_body": "写入文书的复议权利告知，如“示范县人民政府”。",
        "court": "写入文书的诉讼权利告知，如“示范县人民法院”。",
    }

    @expose("/list/")
    @has_access
    def list(self):
        pairs = db.session.execute(select(Implementation.division_id, Implementation.department_id).distinct()).all()
        if ensure_organs(db.session, [tuple(p) for p in pairs]):
            db.session.commit()
        return super().list()


class StaffView(WarnsUnstaffed, ScopedModelView):
    """工作人员: a login account with home division, department and duty."""

    datamodel = SQLAInterface(Staff)
    scope_division_fk = "division_id"
    route_base = "/staff"
    class_permission_name = "Staff"
    govkit_role_permissions = _grants(VIEW_READ, VIEW_WRITE, writers=(Duty.DISPATCH.value,))
    list_title = "工作人员"
    show_title = "工作人员详情"
    add_title = "新增工作人员"
    edit_title = "编辑工作人员"
    label_columns = _COMMON_LABELS
    list_columns = ["name", "duty", "division", "department", "public_contact", "on_duty"]
    show_columns = ["name", "duty", "division", "department", "user", "public_contact", "on_duty"]
    add_columns = ["user", "name", "duty", "division", "department", "public_contact", "on_duty"]
    edit_columns = ["name", "duty", "division", "department", "public_contact", "on_duty"]
    search_columns = ["name", "duty", "division", "department", "on_duty"]
    export_columns = ["division.code", "division.name", "name", "duty", "department.name", "public_contact"]
    add_form_extra_fields = {
        "duty": SelectField("岗位", choices=_choices(ALL_DUTIES), widget=Select2Widget()),
    }
    edit_form_extra_fields = add_form_extra_fields


_API_DIVISION_COLUMNS = ["id", "code", "name", "level", "urban_rural_class", "active", "valid_from", "valid_to",
                         "parent.code"]


class DivisionApi(ScopedModelRestApi):
    """REST: /api/v1/division/ (scoped)."""

    datamodel = SQLAInterface(Division)
    scope_column = "code"
    resource_name = "division"
    class_permission_name = "DivisionApi"
    govkit_role_permissions = _grants(API_READ, API_WRITE)
    label_columns = _DIVISION_LABELS
    list_columns = show_columns = _API_DIVISION_COLUMNS
    add_columns = ["code", "name", "urban_rural_class", "active", "valid_from", "valid_to"]
    edit_columns = ["name", "urban_rural_class", "active", "valid_from", "valid_to"]
    search_columns = ["code", "name", "level", "parent", "urban_rural_class", "active"]
    order_columns = ["code", "name", "level"]
    base_order = ("code", "asc")

    def pre_add(self, item: Division) -> None:
        _prepare_division(item)
        super().pre_add(item)


class ServiceCentreApi(ScopedModelRestApi):
    """REST: /api/v1/service_centre/ (scoped)."""

    datamodel = SQLAInterface(ServiceCentre)
    scope_division_fk = "division_id"
    resource_name = "service_centre"
    class_permission_name = "ServiceCentreApi"
    govkit_role_permissions = _grants(API_READ, API_WRITE, writers=(Duty.DISPATCH.value,))
    label_columns = _COMMON_LABELS
    list_columns = show_columns = ["id", "name", "kind", "division.code", "division.name", "address", "phone",
                                   "opening_hours", "equipment_notes"]
    add_columns = edit_columns = ["division", "name", "kind", "address", "phone", "opening_hours", "equipment_notes"]
    search_columns = ["name", "kind", "division"]


class DepartmentApi(ScopedModelRestApi):
    """REST: /api/v1/department/ (scoped)."""

    datamodel = SQLAInterface(Department)
    scope_division_fk = "division_id"
    resource_name = "department"
    class_permission_name = "DepartmentApi"
    govkit_role_permissions = _grants(API_READ, API_WRITE, writers=(Duty.DISPATCH.value,))
    label_columns = _COMMON_LABELS
    list_columns = show_columns = ["id", "name", "window_no", "division.code", "division.name", "centre.name",
                                   "uscc", "phone"]
    add_columns = edit_columns = ["division", "centre", "name", "window_no", "uscc", "phone"]
    search_columns = ["name", "window_no", "division", "centre"]

    def pre_add(self, item: Department) -> None:
        _check_department(item)
        super().pre_add(item)

    def pre_update(self, item: Department) -> None:
        _check_department(item)
        super().pre_update(item)


class StaffApi(ScopedModelRestApi):
    """REST: /api/v1/staff/ (scoped; never exposes account details beyond the username)."""

    datamodel = SQLAInterface(Staff)
    scope_division_fk = "division_id"
    resource_name = "staff"
    class_permission_name = "StaffApi"
    govkit_role_permissions = _grants(API_READ, API_WRITE, writers=(Duty.DISPATCH.value,))
    label_columns = _COMMON_LABELS
    list_columns = show_columns = ["id", "name", "duty", "division.code", "division.name", "department.name",
                                   "user.username", "public_contact", "on_duty"]
    add_columns = ["user", "name", "duty", "division", "department", "public_contact", "on_duty"]
    edit_columns = ["name", "duty", "division", "department", "public_contact", "on_duty"]
    search_columns = ["name", "duty", "division", "department", "on_duty"]


VIEWS = [
    (DivisionView, "行政区划", "fa-sitemap"),
    (ServiceCentreView, "服务中心", "fa-building"),
    (DepartmentView, "部门/窗口", "fa-briefcase"),
    (StaffView, "工作人员", "fa-users"),
]
APIS = [DivisionApi, ServiceCentreApi, DepartmentApi, StaffApi]
MENU_CATEGORY = "层级管理"


#: Screens not yet in the authorization matrix (tests/test_authorization_matrix.py needs a ``name``
#: column; the organ has ``full_name``): staff only read them, the scope still applies.
EXTRA_VIEWS = [(OrganView, "实施机关", "fa-stamp")]


def register(appbuilder) -> None:
    """Add the hierarchy screens under 层级管理 and the REST APIs."""
    for view, name, icon in VIEWS + EXTRA_VIEWS:
        appbuilder.add_view(view, name, icon=icon, category=MENU_CATEGORY, category_label=MENU_CATEGORY,
                            category_icon="fa-sitemap")
    for api in APIS:
        appbuilder.add_api(api)

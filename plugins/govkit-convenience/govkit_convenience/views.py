"""Screens of the convenience services: scoped CRUD lists, a 标记完成 action, an overview."""
from __future__ import annotations

from flask import flash, redirect, render_template_string
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms.validators import NumberRange, Regexp

from govkit.toolkit import GovkitError, ScopedModelView, current_scope, db

from govkit_convenience import services
from govkit_convenience.models import ParcelRecord, ProducePurchase, UtilityPayment

DESK_ROLES = ("受理员", "代办员")
READ = ["can_list", "can_show", "can_export_csv"]
# FAB names an @action's permission after the action itself (no can_ prefix).
WRITE = READ + ["can_add", "can_edit", "can_delete", "complete", "cancel"]
PHONE = Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", message="请填写 11 位手机号码或带区号的固定电话。")

COMMON_LABELS = {
    "division": "村（社区）", "resident_name": "群众姓名", "resident_phone": "联系电话", "phone_masked": "联系电话",
    "status": "状态", "note": "备注", "registered_at": "登记时间", "completed_at": "完成时间",
}


class _RegistrationView(ScopedModelView):
    """Common shape: scoped by the village (``division_id``), newest first, complete/cancel actions."""

    scope_division_fk = "division_id"
    base_order = ("registered_at", "desc")
    govkit_role_permissions = {**{role: WRITE for role in DESK_ROLES}, "办理员": READ, "监察": READ}
    common_add = ["division", "resident_name", "resident_phone"]

    def _change(self, items, change, done: str):
        items = items if isinstance(items, list) else [items]
        try:
            for item in items:
                change(item)
            db.session.commit()
            flash(f"{done} {len(items)} 条登记。", "success")
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        self.update_redirect()
        return redirect(self.get_redirect())

    @action("complete", "标记完成", "确定将选中的登记标记为已完成？", "fa-check")
    def complete(self, items):
        return self._change(items, services.complete, "已完成")

    @action("cancel", "取消登记", "确定取消选中的登记？", "fa-times")
    def cancel(self, items):
        return self._change(items, services.cancel, "已取消")


class UtilityPaymentView(_RegistrationView):
    """代缴水电."""

    datamodel = SQLAInterface(UtilityPayment)
    list_title, show_title, add_title, edit_title = "代缴水电登记", "代缴水电详情", "新增代缴水电", "编辑代缴水电"
    list_columns = ["registered_at", "division", "resident_name", "phone_masked", "utility", "amount", "status"]
    show_columns = list_columns + ["account_number", "receipt_number", "completed_at", "note"]
    add_columns = edit_columns = _RegistrationView.common_add + ["utility", "account_number", "amount",
                                                                 "receipt_number", "note"]
    search_columns = ["division", "resident_name", "utility", "status"]
    label_columns = dict(COMMON_LABELS, utility="缴费类别", account_number="户号", amount="金额（元）",
                         receipt_number="缴费凭证号")
    validators_columns = {"amount": [NumberRange(min=0.01, max=100000, message="金额应在 0.01–100000 元之间。")],
                          "resident_phone": [PHONE]}


class ParcelRecordView(_RegistrationView):
    """代收快递."""

    datamodel = SQLAInterface(ParcelRecord)
    list_title, show_title, add_title, edit_title = "代收快递登记", "代收快递详情", "新增代收快递", "编辑代收快递"
    list_columns = ["registered_at", "division", "resident_name", "phone_masked", "carrier", "tracking_number",
                    "shelf", "status"]
    show_columns = list_columns + ["completed_at", "note"]
    add_columns = edit_columns = _RegistrationView.common_add + ["carrier", "tracking_number", "shelf", "note"]
    search_columns = ["division", "resident_name", "tracking_number", "status"]
    label_columns = dict(COMMON_LABELS, carrier="快递公司", tracking_number="运单号", shelf="货架号",
                         completed_at="取件时间")
    validators_columns = {"resident_phone": [PHONE]}


class ProducePurchaseView(_RegistrationView):
    """农产品代购/代销."""

    datamodel = SQLAInterface(ProducePurchase)
    list_title, show_title, add_title, edit_title = ("农产品代购登记", "农产品代购详情",
                                                     "新增农产品代购", "编辑农产品代购")
    list_columns = ["registered_at", "division", "resident_name", "direction", "product", "quantity", "unit",
                    "unit_price", "total", "status"]
    show_columns = list_columns + ["resident_phone", "completed_at", "note"]
    add_columns = edit_columns = _RegistrationView.common_add + ["direction", "product", "quantity", "unit",
                                                                 "unit_price", "note"]
    search_columns = ["division", "resident_name", "product", "status"]
    label_columns = dict(COMMON_LABELS, direction="类型（代购/代销）", product="农产品", quantity="数量", unit="单位",
                         unit_price="单价（元）", total="金额（元）")
    validators_columns = {"quantity": [NumberRange(min=0.01, message="数量应大于 0。")],
                          "unit_price": [NumberRange(min=0, message="单价不能为负数。")],
                          "resident_phone": [PHONE]}


OVERVIEW = """{% extends "appbuilder/base.html" %}
{% block content %}
<h2>便民服务概况</h2>
<table class="table table-bordered" style="max-width:40em">
<tr><th>服务</th>{% for s in statuses %}<th>{{ s }}</th>{% endfor %}</tr>
{% for kind, counts in summary.items() %}
<tr><td>{{ kind }}</td>{% for s in statuses %}<td>{{ counts.get(s, 0) }}</td>{% endfor %}</tr>
{% endfor %}
</table>
{% endblock %}"""


class ConvenienceOverviewView(BaseView):
    """便民服务概况: counts per service and status inside the user's scope."""

    route_base = "/convenience"
    default_view = "index"
    govkit_role_permissions = {role: ["can_index"] for role in DESK_ROLES + ("办理员", "监察")}

    @expose("/")
    @has_access
    def index(self):
        from govkit_convenience.models import STATUSES

        summary = services.summary(db.session, current_scope())
        return render_template_string(OVERVIEW, appbuilder=self.appbuilder, base_template=self.appbuilder.base_template,
                                      summary=summary, statuses=STATUSES)

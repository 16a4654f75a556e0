"""Staff screens of publicity (thin FAB views over the services; every list is scoped).

Every handling screen is a :class:`govkit.web.handling.HandlingView`.

* 信息公开: disclosure entries (draft/edit by the unit, review/publish/withdraw by 公开审核)
  and the disclosure catalogue;
* 投诉建议: complaints routed to the supervising unit (监察 handles and replies);
* 好差评: ratings (read-only) and rectification tasks (unit reports/appeals, 监察 decides).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from govkit.db import db
from govkit.errors import GovkitError
from govkit.publicity import complaints, disclosures, ratings
from govkit.publicity.models import (Callback, Complaint, Disclosure, DisclosureCategory, Rating,
                                     Rectification)
from govkit.state import get_state
from govkit.web.actor import request_actor
from govkit.web.handling import HandlingView, run_action
from govkit.web.scope import current_scope
from govkit.web.scoped import ScopedModelView

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
READ = ["can_list", "can_show"]
AUTHORS = ("办理员", "公开审核")
UNIT = ("办理员", "受理员", "指挥中心")


def _actor() -> str:
    return request_actor().name


class DisclosureCategoryView(ModelView):
    """政府信息公开目录."""

    datamodel = SQLAInterface(DisclosureCategory)
    route_base = "/admin/disclosure-categories"
    class_permission_name = "DisclosureCategory"
    govkit_role_permissions = {"公开审核": READ + ["can_add", "can_edit"], "办理员": READ}
    list_title = show_title = "公开目录类别"
    add_title, edit_title = "新增公开目录类别", "编辑公开目录类别"
    label_columns = {"code": "编号", "name": "名称", "parent": "上级类别", "position": "排序",
                     "default_unit": "默认责任单位"}
    list_columns = ["code", "name", "parent", "default_unit"]
    add_columns = edit_columns = ["code", "name", "parent", "position", "default_unit"]
    base_order = ("code", "asc")
    page_size = 50


class DisclosureView(HandlingView):
    """政府信息公开条目: a unit drafts; 公开审核 reviews, publishes and withdraws."""

    datamodel = SQLAInterface(Disclosure)
    scope_column = "division_code"
    route_base = "/admin/disclosures"
    class_permission_name = "Disclosure"
    govkit_role_permissions = {
        role: READ + ["can_export_csv", "can_add", "can_edit", "can_delete", "can_handle", "can_act",
                      "can_upload"] for role in AUTHORS
    }
    list_title, show_title, add_title, edit_title = "政府信息公开", "公开信息详情", "新增公开信息（草稿）", "编辑草稿"
    label_columns = {"title": "标题", "category": "公开类别", "division": "发布区划", "division_code": "区划代码",
                     "responsible_unit": "责任单位", "doc_number": "文号", "content": "正文", "state": "状态",
                     "created_by": "起草人", "approver_name": "审核人", "approved_at": "审核时间",
                     "published_at": "发布时间", "withdrawn_at": "撤回时间", "withdraw_reason": "撤回原因",
                     "review_comment": "审核意见", "updated_at": "更新时间"}
    list_columns = ["title", "category", "responsible_unit", "state", "approver_name", "published_at"]
    show_columns = ["title", "category", "division", "responsible_unit", "doc_number", "content", "state",
                    "created_by", "review_comment", "approver_name", "approved_at", "published_at",
                    "withdrawn_at", "withdraw_reason"]
    add_columns = edit_columns = ["title", "category", "division", "responsible_unit", "doc_number", "content"]
    search_columns = ["title", "category", "state", "responsible_unit"]
    base_order = ("updated_at", "desc")
    handle_template, manage_label = "publicity/disclosure_manage.html", "审核与发布、附件"
    add_form_extra_fields = edit_form_extra_fields = {
        "responsible_unit": StringField("责任单位", validators=[Optional(), Length(max=200)],
                                        description="不填则用公开类别的默认责任单位", widget=BS3TextFieldWidget()),
        "content": TextAreaField("正文", validators=[Optional()], widget=BS3TextAreaFieldWidget()),
    }

    def pre_add(self, item: Disclosure) -> None:
        item.division_code = item.division.code if item.division else ""
        item.state, item.created_by, item.content = disclosures.DRAFT, _actor(), item.content or ""
        item.created_by_id = current_scope().user_id
        if not (item.responsible_unit or "").strip():
            item.responsible_unit = (item.category.default_unit if item.category else None) or item.division.name
        super().pre_add(item)

    def pre_update(self, item: Disclosure) -> None:
        if item.state != disclosures.DRAFT:
            db.session.rollback()
            raise GovkitError("只有草稿可以修改；已提交的条目请先由审核人退回。")
        item.division_code = item.division.code if item.division else item.division_code
        super().pre_update(item)

    def pre_delete(self, item: Disclosure) -> None:
        if item.state != disclosures.DRAFT:
            raise GovkitError("只有草稿可以删除；已发布的信息请撤回。")

    def handle_context(self, entry: Disclosure) -> dict:
        """Workflow page: state, attachments, the actions the user's role allows."""
        return {"entry": entry, "reviewer": current_scope().has_role(disclosures.REVIEWER_ROLE)}

    def row_actions(self, entry: Disclosure, form) -> dict:
        scope, comment = current_scope(), form.get("comment", "")
        return {
            "submit": (lambda: disclosures.submit(db.session, scope, entry), "已提交审核。"),
            "approve": (lambda: disclosures.approve(db.session, scope, entry, approver_name=_actor(),
                                                    comment=comment or None), "已审核通过。"),
            "reject": (lambda: disclosures.reject(db.session, scope, entry, comment=comment), "已退回修改。"),
            "publish": (lambda: disclosures.publish(db.session, scope, entry), "已发布到公众网站。"),
            "withdraw": (lambda: disclosures.withdraw(db.session, scope, entry, reason=comment), "已撤回。"),
        }

    @expose("/handle/<int:pk>/upload", methods=["POST"])
    @has_access
    def upload(self, pk: int):
        entry, upload = self.scoped_row(pk), request.files.get("file")
        if upload is None:
            flash("请选择要上传的附件。", "danger")
        else:
            run_action(lambda: disclosures.add_attachment(
                db.session, current_scope(), entry, current_app.config["GOVKIT_STORAGE_DIR"], upload.filename,
                upload.read(), get_state(current_app).settings["UPLOAD_MAX_BYTES"]), "附件已上传。")
        return redirect(url_for(f"{self.endpoint}.handle", pk=pk))


class ComplaintView(HandlingView):
    """投诉和意见建议 routed to this supervising unit (监察)."""

    datamodel = SQLAInterface(Complaint)
    scope_column = "supervising_code"
    route_base = "/admin/complaints"
    class_permission_name = "Complaint"
    govkit_role_permissions = {"监察": READ + ["can_export_csv", "can_handle", "can_act"]}
    list_title, show_title = "投诉和意见建议", "投诉详情"
    label_columns = {"number": "编号", "kind": "类型", "division_code": "涉及区划", "supervising_code": "监督单位",
                     "subject": "标题", "content": "内容", "case_number": "相关办件", "contact": "联系方式",
                     "state": "状态", "reply": "答复", "replied_by": "答复人", "replied_at": "答复时间",
                     "created_at": "提交时间"}
    list_columns = ["number", "kind", "subject", "division_code", "state", "created_at"]
    show_columns = ["number", "kind", "division_code", "subject", "content", "case_number", "contact", "state",
                    "reply", "replied_by", "replied_at", "created_at"]
    search_columns = ["number", "kind", "state", "subject"]
    base_permissions = READ + ["can_export_csv", "can_handle", "can_act"]
    base_order = ("created_at", "desc")
    handle_template, manage_label = "publicity/complaint_handle.html", "办理与答复"

    def handle_context(self, complaint: Complaint) -> dict:
        return {"complaint": complaint}

    def row_actions(self, complaint: Complaint, form) -> dict:
        scope = current_scope()
        return {
            "start": (lambda: complaints.start_handling(db.session, scope, complaint), "已转为办理中。"),
            "reply": (lambda: complaints.reply(db.session, scope, complaint, text=form.get("reply", ""),
                                               actor=_actor()), "答复已保存，投诉人可凭编号和查询码查看。"),
            "close": (lambda: complaints.close(db.session, scope, complaint), "已关闭。"),
        }


class RatingView(ScopedModelView):
    """好差评 ratings of cases handled in the subtree (read-only)."""

    datamodel = SQLAInterface(Rating)
    scope_column = "division_code"
    route_base = "/admin/ratings"
    class_permission_name = "Rating"
    govkit_role_permissions = {"监察": READ + ["can_export_csv"], "办理员": READ}
    list_title, show_title = "好差评", "评价详情"
    label_columns = {"case_id": "办件", "division_code": "办理单位区划", "department": "部门", "level": "评价",
                     "score": "分值", "dimensions": "分项评价", "comment": "评价意见", "channel": "渠道",
                     "created_at": "评价时间"}
    list_columns = ["created_at", "level", "division_code", "department", "comment"]
    show_columns = ["case_id", "level", "score", "dimensions", "comment", "division_code", "department", "channel",
                    "created_at"]
    search_columns = ["level", "division_code", "created_at"]
    base_permissions = READ + ["can_export_csv"]
    base_order = ("created_at", "desc")


class RectificationView(HandlingView):
    """差评整改: the handling unit reports or appeals, 监察 decides appeals; callbacks recorded."""

    datamodel = SQLAInterface(Rectification)
    scope_column = "division_code"
    route_base = "/admin/rectifications"
    class_permission_name = "Rectification"
    govkit_role_permissions = {role: READ + ["can_handle", "can_act"] for role in UNIT}
    govkit_role_permissions["监察"] = READ + ["can_export_csv", "can_handle", "can_act"]
    list_title, show_title = "差评整改", "整改任务"
    label_columns = {"rating": "评价", "division_code": "办理单位区划", "department": "部门", "state": "状态",
                     "due_date": "整改期限", "due_provisional": "期限暂定", "measures": "整改措施",
                     "completed_by": "整改人", "appeal_reason": "申诉理由", "appeal_decision": "申诉裁定",
                     "appeal_comment": "裁定意见", "appeal_decided_by": "裁定人", "created_at": "创建时间"}
    list_columns = ["created_at", "rating", "division_code", "department", "state", "due_date"]
    show_columns = ["rating", "division_code", "department", "state", "due_date", "measures", "completed_by",
                    "appeal_reason", "appeal_decision", "appeal_comment", "appeal_decided_by"]
    search_columns = ["state", "division_code", "due_date"]
    base_permissions = READ + ["can_export_csv", "can_handle", "can_act"]
    base_order = ("created_at", "desc")
    handle_template, manage_label = "publicity/rectification_handle.html", "整改、申诉与回访"

    def handle_context(self, task: Rectification) -> dict:
        scope = current_scope()
        return {"task": task, "supervisor": scope.has_role(ratings.SUPERVISOR_ROLE),
                "unit": scope.has_role(*ratings.UNIT_ROLES), "overdue": ratings.is_overdue(task)}

    def row_actions(self, task: Rectification, form) -> dict:
        scope = current_scope()
        actions = {
            "complete": (lambda: ratings.complete(db.session, scope, task, measures=form.get("text", ""),
                                                  actor=_actor()), "整改结果已提交。"),
            "appeal": (lambda: ratings.appeal(db.session, scope, task, reason=form.get("text", "")),
                       "申诉已提交，等待监察人员裁定。"),
            "uphold": (lambda: ratings.decide_appeal(db.session, scope, task, upheld=True,
                                                     comment=form.get("text", ""), actor=_actor()), "申诉成立。"),
            "reject": (lambda: ratings.decide_appeal(db.session, scope, task, upheld=False,
                                                     comment=form.get("text", ""), actor=_actor()),
                       "申诉驳回，请办理单位按期整改。"),
        }
        callback = db.session.get(Callback, form.get("callback_id", type=int) or 0)
        if form.get("action") == "callback":
            if callback is None or callback.rectification_id != task.id:
                abort(404)
            actions["callback"] = (lambda: ratings.record_callback(
                db.session, scope, callback, channel=form.get("channel", "电话"), result=form.get("result", ""),
                note=form.get("text", ""), actor=_actor()), "回访已记录。")
        return actions


def register(appbuilder, app) -> None:
    """Add the publicity staff screens and their templates."""
    if "govkit_publicity_templates" not in app.blueprints:
        app.register_blueprint(Blueprint("govkit_publicity_templates", __name__, template_folder=TEMPLATE_FOLDER))
    category = "公开与评价"
    appbuilder.add_view(DisclosureView, "政府信息公开", category=category, category_label=category, icon="fa-bullhorn")
    appbuilder.add_view(DisclosureCategoryView, "公开目录", category=category, icon="fa-list")
    appbuilder.add_view(ComplaintView, "投诉和意见建议", category=category, icon="fa-commenting")
    appbuilder.add_view(RatingView, "好差评", category=category, icon="fa-star-half-o")
    appbuilder.add_view(RectificationView, "差评整改", category=category, icon="fa-wrench")

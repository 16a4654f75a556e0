"""FAB's security screens (用户, 角色, 权限) in Chinese, set on :class:`GovkitSecurityManager`.

The classes keep FAB's names: a view's class name is the name its permissions are stored under.

FAB labels some columns by prettifying their names ("Login Count", "Description") and prints a
permission as "can list on Staff"; these subclasses give every column a Chinese label and help text,
show a permission as 操作 + screen title, a role by its Chinese name, and a person's name as one
field in Chinese order (FAB's first/last name would show "小红 刘").
"""
from __future__ import annotations

from flask import current_app, flash, g, request
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2ManyWidget
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security import views as fab
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext
from wtforms import StringField
from wtforms.validators import DataRequired

#: Names of FAB's built-in roles as people read them (the stored names stay what FAB expects).
ROLE_NAMES = {"Admin": "系统管理员", "Public": "公众（未登录）"}
#: Permission names (FAB's and govkit's method permissions) as actions.
ACTIONS = {
    "can_list": "查看列表", "can_show": "查看详情", "can_add": "新增", "can_edit": "编辑", "can_delete": "删除",
    "menu_access": "菜单", "can_read": "查看", "can_write": "修改", "can_get": "读取", "can_put": "修改（接口）",
    "can_post": "提交（接口）", "can_info": "接口说明", "can_download": "下载", "can_userinfo": "本人信息",
    "can_this_form_get": "打开表单", "can_this_form_post": "提交表单", "can_chart": "查看图表",
    "can_resetmypassword": "修改本人密码", "resetmypassword": "修改本人密码", "resetpasswords": "重置密码",
    "can_userinfoedit": "编辑本人信息", "userinfoedit": "编辑本人信息", "copyrole": "复制角色",
    "can_act": "办理", "can_add_role_permissions": "添加角色权限", "can_list_role_permissions": "查看角色权限",
    "can_update_role_groups": "调整角色的用户组", "can_update_role_users": "调整角色的用户",
    "can_attachment": "查看材料", "can_cards": "查看红黄牌", "can_complaints": "查看投诉", "can_csv": "导出表格",
    "can_export_csv": "导出表格", "can_enter": "录入", "can_handle": "处理", "can_index": "打开", "can_intake": "受理",
    "can_manage": "管理", "can_rates": "查看办结率", "can_ratings": "查看评价", "can_transition": "流转",
    "can_upload": "上传", "cancel": "取消", "complete": "办结", "publish": "发布", "revise": "修订",
}
#: Screens without a Chinese list title or menu entry: FAB's own and its APIs (by permission name).
SCREENS = {
    "HomeView": "首页", "UtilView": "返回上一页", "LocaleView": "切换语言", "SecurityApi": "登录接口",
    "UserInfoEditView": "编辑本人信息", "ResetPasswordView": "重置密码", "ResetMyPasswordView": "修改本人密码",
    "AuthDBView": "登录", "OpenApi": "接口文档", "SwaggerView": "接口文档页面", "MenuApi": "菜单接口",
    "DemoStartView": "演示账号", "DeskQueue": "待办队列", "DeskCase": "办件详情", "DeskFile": "办件材料",
    "CaseApi": "办件接口", "Permission": "操作接口", "PermissionViewMenu": "界面权限接口", "Role": "角色接口",
    "User": "用户接口", "ViewMenu": "界面和菜单接口", "Group": "用户组接口",
}


FIELDS = {
    "full_name": "姓名", "first_name": "姓名", "last_name": "姓氏", "username": "用户名", "password": "密码",
    "conf_password": "确认密码", "active": "启用", "email": "电子邮箱", "roles": "角色", "groups": "用户组",
    "last_login": "最近登录", "login_count": "登录次数", "fail_login_count": "登录失败次数",
    "created_on": "创建时间", "created_by": "创建人", "changed_on": "修改时间", "changed_by": "修改人",
    "name": "名称", "label": "显示名称", "description": "说明", "users": "用户", "permissions": "权限",
    "permission": "操作", "view_menu": "界面或菜单", "user": "用户",
}


def role_name(role) -> str:
    """A role as people read it."""
    name = getattr(role, "name", role)
    return ROLE_NAMES.get(name, name)


def _role_names(roles) -> str:
    return "、".join(role_name(r) for r in roles or ()) or "—"


def _menu_labels(items, labels: dict[str, str]) -> dict[str, str]:
    for item in items:
        labels.setdefault(item.name, str(item.label or item.name))
        if item.baseview is not None:
            labels.setdefault(item.baseview.class_permission_name, str(item.label or item.name))
        _menu_labels(item.childs or (), labels)
    return labels


def _view_titles() -> dict[str, str]:
    """Screen titles by permission name: a view's list title, else its menu entry's label."""
    titles: dict[str, str] = {}
    _menu_labels(current_app.appbuilder.menu.get_list(), titles)
    for view in current_app.appbuilder.baseviews:
        title = getattr(view, "list_title", None) or getattr(view, "chart_title", None)
        if title and getattr(view, "class_permission_name", None):
            titles[view.class_permission_name] = str(title)
    titles.update(SCREENS)
    return titles


def permission_label(permission_view, titles: dict[str, str] | None = None) -> str:
    """A permission on a view as "操作：界面" (e.g. 查看列表：工作人员)."""
    titles = _view_titles() if titles is None else titles
    action = permission_view.permission.name
    screen = permission_view.view_menu.name
    return f"{ACTIONS.get(action, gettext(action))}：{titles.get(screen) or gettext(screen)}"


def _permission_labels(permissions) -> str:
    titles = _view_titles()
    return "\n".join(sorted(permission_label(p, titles) for p in permissions or ())) or "—"


def _pk(row) -> int:
    return row.id


def _roles_field():
    from govkit.db import db  # deferred: db imports auth's models through FAB's security tables

    def roles():
        from flask_appbuilder.security.sqla.models import Role  # deferred: FAB's models load with the app

        return db.session.query(Role).order_by(Role.name)

    return QuerySelectMultipleField("角色", query_func=roles, get_pk_func=_pk, get_label=role_name,
                                    widget=Select2ManyWidget(), description="用户的角色决定可以使用哪些功能。")


def one_name(user) -> None:
    """Keep a person's name whole in ``first_name``: a name split by FAB's two fields is joined surname first."""
    user.first_name = f"{user.last_name or ''}{user.first_name or ''}".strip()
    user.last_name = ""


class NameForm(DynamicForm):
    first_name = StringField("姓名", validators=[DataRequired()], widget=BS3TextFieldWidget(),
                             description="完整姓名，如“刘小红”。")


class UserInfoEditView(fab.UserInfoEditView):
    """编辑个人信息: one name field."""

    form = NameForm
    form_title = "编辑个人信息"
    message = "个人信息已保存。"

    def form_get(self, form) -> None:
        user = self.appbuilder.sm.get_user_by_id(g.user.id)
        form.first_name.data = f"{user.last_name or ''}{user.first_name or ''}"

    def form_post(self, form) -> None:
        form = self.form.refresh(request.form)
        user = self.appbuilder.sm.get_user_by_id(g.user.id)
        user.first_name, user.last_name = form.first_name.data, ""
        self.appbuilder.sm.update_user(user)
        flash(self.message, "info")


class UserDBModelView(fab.UserDBModelView):
    """用户: one name field in Chinese order; role names in Chinese."""

    list_title, show_title, add_title, edit_title = "用户列表", "用户详情", "新增用户", "编辑用户"
    label_columns = dict(FIELDS)
    description_columns = {
        "first_name": "完整姓名，如“刘小红”。", "username": "登录用的用户名（本地账号或目录账号）。",
        "password": "登录密码。", "conf_password": "请再输入一次密码。",
        "active": "不要删除离职人员的账号，取消“启用”即可。", "email": "电子邮箱（可选填单位邮箱）。",
        "roles": "用户的角色决定可以使用哪些功能。",
    }
    list_columns = ["first_name", "username", "email", "active", "roles"]
    show_fieldsets = [
        ("账号信息", {"fields": ["username", "active", "roles", "login_count"]}),
        ("个人信息", {"fields": ["first_name", "email"], "expanded": True}),
        ("审计信息", {"fields": ["last_login", "fail_login_count", "created_on", "created_by", "changed_on",
                              "changed_by"], "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    add_columns = ["first_name", "username", "active", "email", "roles", "password", "conf_password"]
    edit_columns = ["first_name", "username", "active", "email", "roles"]
    # Searching by role would offer FAB's own choice labels (the stored names), so not offered.
    search_columns = ["first_name", "username", "email", "active"]
    formatters_columns = {"roles": _role_names}

    def __init__(self, **kwargs):
        self.add_form_extra_fields = {**fab.UserDBModelView.add_form_extra_fields, "roles": _roles_field()}
        self.edit_form_extra_fields = {"roles": _roles_field()}
        super().__init__(**kwargs)

    def pre_add(self, item):
        one_name(item)
        super().pre_add(item)

    def pre_update(self, item):
        one_name(item)
        super().pre_update(item)


def _permissions_field():
    from govkit.db import db  # deferred: as in _roles_field

    def permissions():
        from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu  # deferred: as above

        return (db.session.query(PermissionView).join(ViewMenu).join(Permission)
                .order_by(ViewMenu.name, Permission.name))

    return QuerySelectMultipleField("权限", query_func=permissions, get_pk_func=_pk,
                                    get_label=permission_label, widget=Select2ManyWidget(),
                                    description="此角色可执行的操作。")


class RoleModelView(fab.RoleModelView):
    """角色: Chinese role names and permissions (FAB's role widgets print them raw)."""

    list_title, show_title, add_title, edit_title = "角色列表", "角色详情", "新增角色", "编辑角色"
    list_widget, show_widget = ListWidget, ShowWidget
    label_columns = dict(FIELDS)
    description_columns = {"name": "角色名称；县级职责角色与账号目录中的职责同名。",
                           "permissions": "此角色可执行的操作。"}
    formatters_columns = {"name": role_name, "permissions": _permission_labels}
    search_columns = ["name"]

    def __init__(self, **kwargs):
        self.add_form_extra_fields = self.edit_form_extra_fields = {"permissions": _permissions_field()}
        super().__init__(**kwargs)


class PermissionModelView(fab.PermissionModelView):
    list_title, show_title = "操作列表", "操作详情"
    label_columns = dict(FIELDS)
    formatters_columns = {"name": lambda name: ACTIONS.get(name, gettext(name))}


class ViewMenuModelView(fab.ViewMenuModelView):
    list_title, show_title = "界面和菜单", "界面和菜单详情"
    label_columns = dict(FIELDS)
    formatters_columns = {"name": lambda name: _view_titles().get(name) or gettext(name)}


class PermissionViewModelView(fab.PermissionViewModelView):
    list_title, show_title = "界面权限", "界面权限详情"
    label_columns = dict(FIELDS)
    formatters_columns = {"permission": lambda p: ACTIONS.get(p.name, gettext(p.name)),
                          "view_menu": lambda v: _view_titles().get(v.name) or gettext(v.name)}


class UserGroupModelView(fab.UserGroupModelView):
    list_title, show_title, add_title, edit_title = "用户组列表", "用户组详情", "新增用户组", "编辑用户组"
    label_columns = dict(FIELDS)
    search_columns = ["name", "label", "description"]
    formatters_columns = {"roles": _role_names}

    def __init__(self, **kwargs):
        self.add_form_extra_fields = self.edit_form_extra_fields = {"roles": _roles_field()}
        super().__init__(**kwargs)


class UserStatsChartView(fab.UserStatsChartView):
    chart_title = "用户登录统计"
    label_columns = dict(FIELDS)
    search_columns = UserDBModelView.search_columns
    definitions = [
        {"label": "登录次数", "group": "username", "series": ["login_count"]},
        {"label": "登录失败次数", "group": "username", "series": ["fail_login_count"]},
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # FAB's chart views overwrite the series' labels with prettified column names.
        self.label_columns.update({column: FIELDS[column] for column in self.label_columns if column in FIELDS})

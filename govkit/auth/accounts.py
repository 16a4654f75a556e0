"""Account screens of the security manager: change one's password, an admin's reset, login locks.

* Changing one's own password asks for the current one and applies the password policy
  (:mod:`govkit.auth.passwords`); the session that made the change stays logged in, every other
  session and token of the user ends (:mod:`govkit.auth.sessions`).
* An admin's reset applies the policy and makes the user choose a new password at the next login.
* 登录锁定: administrators see the current login locks and lift them (:mod:`govkit.auth.throttle`).
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import ResetMyPasswordView, ResetPasswordView
from flask_login import user_logged_in
from flask_appbuilder.validators import PasswordComplexityValidationError
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from govkit.auth import passwords
from govkit.auth.directory_login import login_throttle
from govkit.auth.sessions import EPOCH_KEY, read_epoch
from govkit.db import db
from govkit.orm import note_bulk_change

MUST_CHANGE_KEY = "_gk_must_change"


def policy_validator(password: str) -> None:
    """FAB's ``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: the policy on every FAB password field (user add too)."""
    problems = passwords.password_problems(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))


def _not_the_username(username_of):
    def check(form, field) -> None:
        problems = passwords.password_problems(field.data or "", username_of(form))
        if problems:
            raise ValidationError(" ".join(problems))

    return check


class ChangeOwnPasswordForm(DynamicForm):
    current_password = PasswordField("当前密码", validators=[DataRequired()], widget=BS3PasswordFieldWidget())
    password = PasswordField("新密码", description=f"至少 {passwords.MIN_LENGTH} 个字符，不能是用户名或常见密码。",
                             validators=[DataRequired(), _not_the_username(lambda form: g.user.username)],
                             widget=BS3PasswordFieldWidget())
    conf_password = PasswordField("确认新密码", validators=[EqualTo("password", message="两次输入的新密码不一致。")],
                                  widget=BS3PasswordFieldWidget())

    def validate_current_password(self, field) -> None:
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError("当前密码不正确。")


class ChangeOwnPasswordView(ResetMyPasswordView):
    """Change one's own password (修改密码): current password required, policy applied."""

    class_permission_name = "ResetMyPasswordView"  # the duty roles' grants (govkit.auth.roles) keep working
    form = ChangeOwnPasswordForm
    form_title = "修改密码"
    message = "密码已修改，其他地方的登录已全部退出。"

    def form_post(self, form) -> None:
        user_id = g.user.id
        self.appbuilder.sm.reset_password(user_id, form.password.data)  # raises the epoch (sessions.py)
        passwords.change_done(db.session, user_id)
        db.session.commit()
        session[EPOCH_KEY] = read_epoch(db.session, user_id)  # this session carries on
        session.pop(MUST_CHANGE_KEY, None)
        flash(self.message, "info")


class AdminPasswordResetView(ResetPasswordView):
    """An administrator sets a user's password: policy applied, the user must change it at next login."""

    class_permission_name = "ResetPasswordView"
    message = "密码已重置；该用户下次登录时须自行修改密码。"

    def form_post(self, form) -> None:
        pk = request.args.get("pk", type=int)
        user = self.appbuilder.sm.get_user_by_id(pk) if pk else None
        if user is None:
            flash("没有这个用户。", "danger")
            return
        problems = passwords.password_problems(form.password.data, user.username)
        if problems:
            flash(" ".join(problems), "danger")
            return
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        passwords.require_change(db.session, user.id, "reset")
        db.session.commit()
        flash(self.message, "info")


def on_login(user) -> None:
    """Remember in the session whether the user must change the password first."""
    if passwords.must_change(db.session, user.id):
        session[MUST_CHANGE_KEY] = True


def init_accounts(app) -> None:
    """The password policy on FAB's own password fields, and the forced change after login."""
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_ENABLED", True)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", policy_validator)
    user_logged_in.connect(lambda sender, user, **extra: on_login(user), app, weak=False)
    app.before_request(force_password_change)


def force_password_change():
    """Before each request: a user who must change the password sees only the change form."""
    if not session.get(MUST_CHANGE_KEY) or "_user_id" not in session:
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith(("ChangeOwnPasswordView.", "GovkitAuthDBView.")) or endpoint.endswith("static"):
        return None
    if request.path.startswith("/api/"):
        return {"message": "请先修改密码（管理员重置或初始账号的密码须由本人修改）。"}, 403
    return redirect(url_for("ChangeOwnPasswordView.this_form_get"))


class LoginLockView(BaseView):
    """登录锁定: the current login locks, and lifting one (administrators)."""

    route_base = "/admin/login-locks"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        throttle = login_throttle(current_app)
        locks = [{"kind": row.kind, "key": row.key,
                  "until": datetime.fromtimestamp(row.locked_until).strftime("%Y-%m-%d %H:%M:%S")}
                 for row in throttle.locks()]
        return self.render_template("govkit/login_locks.html", locks=locks, title="登录锁定")

    @expose("/unlock", methods=["POST"])
    @has_access
    def unlock(self):
        throttle = login_throttle(current_app)
        kind, key = request.form.get("kind", ""), request.form.get("key", "")
        removed = 0
        if kind == "ip":
            removed = throttle.unlock(ip=key)
        elif kind in ("pair", "account"):
            removed = throttle.unlock(username=key.split("|", 1)[0])
        if removed:  # an administrator's action: one audit entry (govkit.audit.trail records the note)
            note_bulk_change(db.session, "gk_login_failure", "解除锁定", removed, f"解除登录锁定：{kind} {key}"[:200])
            db.session.commit()
        flash(f"已解除锁定：{key}", "info")
        return redirect(url_for("LoginLockView.list"))

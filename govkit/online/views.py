"""The online hall's pages (``/online``, 网上办事大厅): sign-up and login by phone and code, unified identity,
我的办件. Mobile first (390×844), Chinese, CSRF on every form (the app-wide CSRFProtect).

No answer tells whether a phone has an account: asking for a code always answers the same, and only a
proven phone learns whether it must sign up. Wrong codes and passwords count in the staff login's throttle.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from govkit.auth.directory_login import login_throttle
from govkit.auth.throttle import LoginLocked
from govkit.cases.calendar import format_chinese_date
from govkit.cases.states import state_label
from govkit.cases.outbox import OutboxHandler
from govkit.db import db
from govkit.errors import GovkitError, ValidationError
from govkit.online import messages, services
from govkit.online.identity import identity_providers
from govkit.online.forms import CodeForm, PasswordForm, PasswordLoginForm, PhoneForm, SignupForm
from govkit.online.models import Applicant
from govkit.online.notify import TOPIC, deliver_row
from govkit.online.session import applicant_required, current_applicant, log_in_applicant, log_out_applicant
from govkit.orm import utcnow
from govkit.state import get_state

log = logging.getLogger("govkit.online")

bp = Blueprint("online", __name__, url_prefix="/online",
               template_folder=str(Path(__file__).resolve().parents[1] / "templates"))

_PHONE_KEY = "gk_online_phone"        # the phone a code was asked for (not yet proven)
_VERIFIED_KEY = "gk_online_verified"  # {"phone", "at"}: a phone proven by a code, without an account yet
VERIFIED_SECONDS = 900
SENT_MESSAGE = "验证码已发送，请查看短信。如未收到，请核对手机号后稍后重新获取。"
BAD_CODE = "验证码错误或已失效，请核对或重新获取。"
BAD_PASSWORD = "手机号或密码错误；未设置密码的账号请用验证码登录。"


@bp.context_processor
def _online_context() -> dict:
    return {"current_applicant": current_applicant(), "state_label": state_label,
            "chinese_date": format_chinese_date}


def _settings():
    return get_state(current_app).settings


def _pm():
    return get_state(current_app).pm


def _policy() -> services.CodePolicy:
    return services.CodePolicy.from_settings(_settings())


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _ip() -> str | None:
    return request.remote_addr


def _safe_next(target: str | None) -> str:
    """Only a local /online path may be the page after login (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/online") and "\\" not in target:
            return target
    return url_for("online.my_cases")


def send_code(phone: str, purpose: str = services.LOGIN) -> None:
    """Issue a code for ``phone`` and send it through the active channel (committed together)."""
    policy = _policy()
    code = services.issue_code(db.session, phone, purpose, secret=_secret(), policy=policy, ip=_ip())
    applicant_id = db.session.scalar(select(Applicant.id).where(Applicant.phone == phone))
    message = messages.ApplicantMessage(
        phone=phone, kind="code", text=messages.code_text(code, max(1, policy.ttl // 60)),
        key=messages.message_key("code", phone, time.time_ns()), applicant_id=applicant_id)
    try:
        messages.send(db.session, _pm(), _settings(), message)
    except GovkitError:
        raise
    except Exception as exc:  # the gateway failed: say so, keep nothing (the caller rolls back)
        log.exception("验证码短信发送失败（%s）", _mask(phone))
        raise GovkitError("验证码短信发送失败，请稍后再试。") from exc
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Step 1: the phone number (the same page signs up and logs in)."""
    form = PhoneForm()
    error = None
    if form.validate_on_submit():
        try:
            phone = services.normalise_phone(form.phone.data)
            send_code(phone)
        except GovkitError as exc:
            db.session.rollback()
            error = exc.message
        else:
            session[_PHONE_KEY] = phone
            flash(SENT_MESSAGE, "info")
            return redirect(url_for("online.login_code", next=request.args.get("next")))
    elif request.method == "POST":
        error = _first_error(form)
    return render_template("online/login.html", form=form, error=error, title="登录或注册",
                           providers=_provider_list(), password_form=PasswordLoginForm())


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """Step 2: the code. A proven phone with an account is logged in; one without goes on to sign up."""
    phone = session.get(_PHONE_KEY)
    if not phone:
        return redirect(url_for("online.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        throttle = login_throttle(current_app)
        name = services.throttle_name(phone)
        try:
            throttle.check(name, _ip())
        except LoginLocked as exc:
            error = exc.message
        else:
            ok = services.check_code(db.session, phone, services.LOGIN, form.code.data, secret=_secret(),
                                     policy=_policy())
            db.session.commit()
            if not ok:
                state = throttle.record_failure(name, _ip())
                error = state.message if state.locked else BAD_CODE
            else:
                throttle.record_success(name, _ip())
                session.pop(_PHONE_KEY, None)
                applicant = db.session.scalar(select(Applicant).where(Applicant.phone == phone))
                if applicant is None:
                    session[_VERIFIED_KEY] = {"phone": phone, "at": time.time()}
                    return redirect(url_for("online.signup", next=request.args.get("next")))
                if not applicant.active:
                    error = "该账号已停用，请携带证件到窗口办理。"
                else:
                    log_in_applicant(applicant)
                    db.session.commit()
                    return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = _first_error(form)
    return render_template("online/code.html", form=form, error=error, title="输入验证码",
                           masked_phone=_mask(phone))


@bp.route("/login/password", methods=["POST"])
def login_password():
    """Login by phone and password (for accounts that set one); failures count as for codes."""
    form = PasswordLoginForm()
    error = _first_error(form) if not form.validate_on_submit() else None
    if error is None:
        try:
            phone = services.normalise_phone(form.phone.data)
        except ValidationError as exc:
            error = exc.message
        else:
            throttle, name = login_throttle(current_app), services.throttle_name(phone)
            try:
                throttle.check(name, _ip())
            except LoginLocked as exc:
                error = exc.message
            else:
                applicant = services.check_password(db.session, phone, form.password.data)
                if applicant is None:
                    state = throttle.record_failure(name, _ip())
                    error = state.message if state.locked else BAD_PASSWORD
                else:
                    throttle.record_success(name, _ip())
                    log_in_applicant(applicant)
                    db.session.commit()
                    return redirect(_safe_next(request.args.get("next")))
    return render_template("online/login.html", form=PhoneForm(), password_form=form, error=error,
                           title="登录或注册", providers=_provider_list(), show_password=True), 400


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Step 3 for a new phone: real name (实名) with the check-digit-verified number; password optional."""
    verified = session.get(_VERIFIED_KEY)
    if not isinstance(verified, dict) or time.time() - float(verified.get("at", 0)) > VERIFIED_SECONDS:
        session.pop(_VERIFIED_KEY, None)
        flash("请先用短信验证码验证手机号。", "info")
        return redirect(url_for("online.login"))
    form = SignupForm()
    error = None
    if form.validate_on_submit():
        try:
            applicant = services.register_applicant(
                db.session, kind=form.kind.data, name=form.name.data, id_number=form.id_number.data,
                phone=verified["phone"], contact_name=form.contact_name.data, password=form.password.data or None,
                verified_at=utcnow())
        except ValidationError as exc:
            db.session.rollback()
            error = exc.message
        else:
            log_in_applicant(applicant)
            db.session.commit()
            session.pop(_VERIFIED_KEY, None)
            flash("注册成功，已登录。", "info")
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = _first_error(form)
    return render_template("online/signup.html", form=form, error=error, title="实名注册",
                           masked_phone=_mask(verified["phone"]))


@bp.route("/logout", methods=["POST"])
def logout():
    log_out_applicant()
    db.session.commit()
    flash("已退出登录。", "info")
    return redirect(url_for("online.login"))


@bp.route("/account", methods=["GET", "POST"])
@applicant_required
def account():
    """The account page: who is logged in, and the optional password."""
    applicant = current_applicant()
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            services.set_password(applicant, form.password.data)
        except ValidationError as exc:
            error = exc.message
        else:
            log_in_applicant(applicant)  # the new epoch: this session stays, others end
            db.session.commit()
            flash("密码已设置。", "info")
            return redirect(url_for("online.account"))
    elif request.method == "POST":
        error = _first_error(form)
    return render_template("online/account.html", applicant=applicant, form=form, error=error, title="我的账号")


@bp.errorhandler(CSRFError)
def csrf_failed(exc):
    return render_template("public/error.html", title="页面已过期",
                           message="页面已过期或来源无效，请返回上一页刷新后重新提交。"), 400


def _provider_list() -> list:
    return list(identity_providers(_pm(), _settings()).values())


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "提交的内容不完整，请检查后重新提交。"


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def outbox_handlers(settings) -> list[OutboxHandler]:
    """``register_outbox_handlers``: the relay sends queued applicant messages through the active channel."""
    pm = _pm()
    return [OutboxHandler(TOPIC, "申请人短信（消息通道）",
                          lambda row, session: deliver_row(session, pm, settings, row))]


def register(app) -> None:
    """Mount the online hall (called by the online built-in plugin)."""
    if "online" not in app.blueprints:
        app.register_blueprint(bp)

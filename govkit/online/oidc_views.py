"""Login through a province's unified identity (统一身份认证): the OpenID Connect relying party (Authlib).

``/online/oidc/<name>/login`` sends the browser to the provider (authorization-code flow, PKCE S256, state and
nonce kept in the session); ``/online/oidc/<name>/callback`` exchanges the code, and Authlib checks the ID
token's signature (the provider's JWKS), issuer, audience, expiry and nonce. The person is then mapped to an
applicant account by the ID-number claim (GB 11643, check character verified): the account with that number,
else a new one from the name and phone claims. The provider's subject is remembered (``oidc_subject``); an
account already linked to another subject of the same provider is refused.
"""
from __future__ import annotations

import logging

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from govkit.db import db
from govkit.errors import ValidationError
from govkit.online import services
from govkit.online.identity import IdentityProvider, identity_providers
from govkit.online.models import PERSON, Applicant
from govkit.online.session import log_in_applicant
from govkit.online.views import _pm, _safe_next, _settings, bp
from govkit.orm import utcnow

log = logging.getLogger("govkit.online.oidc")
_NEXT_KEY = "gk_online_oidc_next"


def _client(provider: IdentityProvider):
    """The Authlib client of ``provider`` (registered on the app's OAuth registry on first use)."""
    oauth = current_app.extensions.get("govkit_online_oauth")
    if oauth is None:
        oauth = current_app.extensions["govkit_online_oauth"] = OAuth(current_app)
    client = oauth.create_client(provider.name)
    if client is None:
        client = oauth.register(
            provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
            server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": provider.scope, "code_challenge_method": "S256"})
    return client


def _provider(name: str) -> IdentityProvider:
    provider = identity_providers(_pm(), _settings()).get(name)
    if provider is None:
        abort(404)
    return provider


def _refuse(message: str, status: int = 400):
    return render_template("public/error.html", title="统一身份认证登录未完成", message=message), status


@bp.route("/oidc/<name>/login")
def oidc_login(name: str):
    provider = _provider(name)
    session[_NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        return _client(provider).authorize_redirect(url_for("online.oidc_callback", name=name, _external=True))
    except Exception:  # the provider is down or its discovery document is invalid
        log.exception("统一身份认证 %s 不可用", name)
        return _refuse(f"{provider.label}暂时无法连接，请稍后再试，或用手机验证码登录。", 502)


@bp.route("/oidc/<name>/callback")
def oidc_callback(name: str):
    provider = _provider(name)
    try:
        token = _client(provider).authorize_access_token()
    except OAuthError as exc:
        log.warning("统一身份认证 %s 回调失败：%s", name, exc)
        return _refuse("登录未完成或已过期，请重新登录。")
    claims = dict(token.get("userinfo") or {})
    if provider.id_number_claim not in claims:
        claims.update(_client(provider).userinfo(token=token))
    try:
        applicant = map_claims(provider, claims)
    except ValidationError as exc:
        db.session.rollback()
        return _refuse(exc.message)
    log_in_applicant(applicant)
    db.session.commit()
    return redirect(session.pop(_NEXT_KEY, None) or url_for("online.my_cases"))


def map_claims(provider: IdentityProvider, claims: dict) -> Applicant:
    """The applicant account of the person the provider vouches for (created when new); the caller commits."""
    subject = f"{provider.issuer.rstrip('/')}|{claims.get('sub')}"
    raw_number = claims.get(provider.id_number_claim)
    if not raw_number:
        raise ValidationError("统一身份认证未提供身份证号码，无法对应到申请人账号。请用手机验证码登录。")
    number = services.validate_identity(PERSON, raw_number)
    applicant = db.session.scalar(select(Applicant).where(Applicant.id_number == number))
    if applicant is not None:
        if applicant.oidc_subject not in (None, subject):
            raise ValidationError("该证件号码的账号已绑定另一个统一身份认证账号，请到窗口核实。")
        if not applicant.active:
            raise ValidationError("该账号已停用，请携带证件到窗口办理。")
        applicant.oidc_subject = subject
        return applicant
    phone = services.normalise_phone(claims.get(provider.phone_claim))
    if db.session.scalar(select(Applicant.id).where(Applicant.phone == phone)) is not None:
        raise ValidationError("统一身份认证提供的手机号已被其他账号使用，请到窗口核实。")
    applicant = services.register_applicant(
        db.session, kind=PERSON, name=str(claims.get(provider.name_claim) or ""), id_number=number, phone=phone,
        verified_at=utcnow() if claims.get("phone_number_verified") else None)
    applicant.oidc_subject = subject
    return applicant

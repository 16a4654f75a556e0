"""The public portal's blueprint (``/public``): no login, its own light mobile layout, Chinese.

The blueprint and what every public page shares — the settings shortcut, the home division, the
template filters, the look-up by number and code and the Chinese error pages — are defined here; the
route modules of this package (``catalog``, ``progress``, ``complaints``, ``disclosures``, ``verify``)
import ``bp`` and add their routes, and :func:`govkit.publicity.public.register` mounts it.
"""
from __future__ import annotations

import re
from pathlib import Path

from typing import Any, Callable

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests

from govkit.state import get_state
from govkit.db import db
from govkit.errors import GovkitError
from govkit.hierarchy.models import Division
from govkit.publicity import antispam, guides
from govkit.publicity.forms import LookupForm
from govkit.publicity.limiter import rate_limit

STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "public"

bp = Blueprint("public", __name__, url_prefix="/public", static_folder=str(STATIC_DIR),
               static_url_path="/static")


def setting(name: str):
    return get_state(current_app).settings[name]


def home_division() -> Division | None:
    """The deployment's county (COUNTY_CODE), else the first county-level division."""
    code = setting("COUNTY_CODE")
    division = guides.division_by_code(db.session, code) if code else None
    if division is None:
        division = db.session.scalar(select(Division).where(Division.level == 3).order_by(Division.code).limit(1))
    return division


def portal_blueprint(name: str, url_prefix: str) -> Blueprint:
    """A blueprint of another unit's public pages with the portal's Chinese 429, CSRF and 404 pages."""
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix)
    blueprint.register_error_handler(TooManyRequests, too_many)
    blueprint.register_error_handler(CSRFError, csrf_failed)
    blueprint.register_error_handler(404, not_found)
    return blueprint


def antispam_fields() -> dict[str, str]:
    """What a public form template needs for the honeypot and the signed fill-time stamp."""
    return {"stamp": antispam.issue_stamp(current_app.config["SECRET_KEY"]), "honeypot": antispam.HONEYPOT_FIELD,
            "stamp_field": antispam.STAMP_FIELD}


def lookup_page(template: str, find: Callable[[Session, str, str], Any], *, limiter_scope: str, missing: str,
                not_found: str):
    """The one public look-up by number and lookup code (投诉建议, 网上咨询, 依申请公开).

    A CSRF-protected :class:`~govkit.publicity.forms.LookupForm` with the number and the code shown once
    at filing, limited per client address by PROGRESS_RATE_LIMIT; a wrong number and a wrong code get the
    same answer (``find`` compares hashes either way). ``template`` extends ``public/lookup.html`` and
    gets ``form``, ``found`` (the row or None) and ``error``.
    """
    form = LookupForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template(template, form=form, found=None, error=None if request.method == "GET" else missing)
    with rate_limit(setting("PROGRESS_RATE_LIMIT"), scope=limiter_scope):
        found = find(db.session, form.number.data, form.code.data)
    return render_template(template, form=form, found=found, error=None if found else not_found)


def file_public_form(page: Callable[[str, int], Any], file: Callable[[], tuple[Any, str]], *, limit: str,
                     limiter_scope: str, again: str) -> tuple[Any, str, Any]:
    """The one public filing path after a form validated (投诉建议, 网上咨询, 依申请公开).

    Checks the honeypot and the signed fill-time stamp (``COMPLAINT_MIN_FILL_SECONDS``), then, limited per
    client address by the setting named ``limit``, calls ``file()`` — which adds the row and returns it
    with its one-time lookup code — stamps the row with the form's digest (its unique column refuses the
    same form filed twice) and commits. Returns ``(row, code, None)``, or ``(None, "", response)`` with
    ``page(message, 400)`` and nothing kept when anything refused: a GovkitError's Chinese message, or for
    a replayed form 此页面已提交过 … 如需再次{again} ….
    """
    try:
        antispam.check(current_app.config["SECRET_KEY"], request.form,
                       min_seconds=setting("COMPLAINT_MIN_FILL_SECONDS"))
    except GovkitError as exc:
        return None, "", page(str(exc), 400)
    with rate_limit(setting(limit), scope=limiter_scope):
        try:
            row, code = file()
            row.stamp_digest = antispam.stamp_digest(request.form)
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            return None, "", page(str(exc), 400)
        except IntegrityError:
            db.session.rollback()  # the stamp already filed a row: a replayed form
            return None, "", page(f"此页面已提交过，请勿重复提交；如需再次{again}，请刷新页面后重新填写。", 400)
    return row, code, None


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@bp.app_template_filter("xmlsafe")
def _xmlsafe(value) -> str:
    """Drop characters XML 1.0 forbids (escaping of <, & and quotes stays with autoescape)."""
    return _XML_INVALID.sub("", str(value or ""))


@bp.app_template_filter("money")
def _money(value) -> str:
    return f"{value:.2f} 元" if value is not None else ""


@bp.errorhandler(TooManyRequests)
def too_many(exc):
    return render_template("public/error.html", title="请求过于频繁",
                           message="您的查询或提交过于频繁，请稍后再试。"), 429


@bp.errorhandler(CSRFError)
def csrf_failed(exc):
    return render_template("public/error.html", title="页面已过期",
                           message="页面已过期或来源无效，请返回上一页刷新后重新提交。"), 400


@bp.errorhandler(404)
def not_found(exc):
    return render_template("public/error.html", title="页面不存在",
                           message="您访问的内容不存在或已停止公开。"), 404

"""The public portal's blueprint (``/public``): no login, its own light mobile layout, Chinese.

The blueprint and what every public page shares — the settings shortcut, the home division, the
template filters and the Chinese error pages — are defined here; the route modules of this package
(``catalog``, ``progress``, ``complaints``, ``disclosures``, ``verify``) import ``bp`` and add their
routes, and :func:`govkit.publicity.public.register` mounts it.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from govkit.state import get_state
from govkit.db import db
from govkit.hierarchy.models import Division
from govkit.publicity import guides

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

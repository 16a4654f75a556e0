"""The public portal blueprint (``/public``): no login, its own light mobile layout, Chinese.

Routes for the catalog side live here (division picker, search, 办事指南, downloads, 六公开
board); progress/好差评, complaints and disclosures add theirs from their own modules.
Every page reads only public data: published implementations, staff public contacts,
published disclosures.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request, send_file,
                   url_for)
from sqlalchemy import select
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import safe_join

from govkit.app import get_state
from govkit.catalog.models import Material
from govkit.db import db
from govkit.hierarchy.models import Division
from govkit.publicity import guides

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "public"

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


@bp.route("/")
def index():
    division = home_division()
    if division is None:
        return render_template("public/error.html", title="尚未配置", message="本系统尚未导入行政区划。")
    return redirect(url_for("public.division", code=division.code))


@bp.route("/d/<code>")
def division(code: str):
    """One division: its items, its service centres and its sub-divisions (the picker)."""
    div = guides.division_by_code(db.session, code)
    if div is None or not div.active:
        abort(404)
    return render_template(
        "public/division.html", division=div, trail=guides.ancestors(div), children=guides.children(db.session, div),
        implementations=guides.items_at(db.session, div), centres=guides.centres_of(db.session, div),
    )


@bp.route("/search")
def search():
    words = (request.args.get("q") or "").strip()[:50]
    within = guides.division_by_code(db.session, request.args.get("d")) or home_division()
    results = guides.search(db.session, words, within=within) if words else []
    return render_template("public/search.html", words=words, within=within, results=results)


@bp.route("/guide/<int:implementation_id>")
def guide(implementation_id: int):
    impl = guides.public_guide(db.session, implementation_id)
    if impl is None:
        abort(404)
    return render_template("public/guide.html", impl=impl, item=impl.item, trail=guides.ancestors(impl.division),
                           pdf_available=_guide_template() is not None)


def _guide_template():
    """The app's print registry when it has a ``service_guide`` template, else None."""
    try:
        from govkit.printing.registry import registry_for
    except ImportError:  # printing not installed
        return None
    registry = registry_for(get_state(current_app))
    return registry if "service_guide" in registry else None


@bp.route("/guide/<int:implementation_id>.pdf")
def guide_pdf(implementation_id: int):
    impl = guides.public_guide(db.session, implementation_id)
    registry = _guide_template()
    if impl is None or registry is None:
        abort(404)
    from govkit.publicity.guide_pdf import guide_context

    context = guide_context(impl, guide_url=setting("PUBLIC_BASE_URL").rstrip("/")
                            + url_for("public.guide", implementation_id=impl.id))
    pdf = registry.render("service_guide", context, item_code=impl.item.basic_code)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=guide-{impl.id}.pdf"})


@bp.route("/material/<int:material_id>/<kind>")
def material_file(material_id: int, kind: str):
    """Download a material's blank form (空白表格) or sample (示范文本) of a public guide."""
    material = db.session.get(Material, material_id)
    if material is None or kind not in ("blank", "sample"):
        abort(404)
    if guides.public_guide(db.session, material.implementation_id) is None:
        abort(404)
    relative = material.blank_form_path if kind == "blank" else material.sample_path
    path = safe_join(current_app.config["GOVKIT_STORAGE_DIR"], relative) if relative else None
    if not path or not Path(path).is_file():
        abort(404)
    label = "空白表格" if kind == "blank" else "示范文本"
    return send_file(path, as_attachment=True, download_name=f"{material.name}-{label}{Path(path).suffix}")


@bp.route("/centre/<int:centre_id>/board")
def board(centre_id: int):
    """六公开 board of a service centre, printable as a notice-board sheet."""
    data = guides.board(db.session, centre_id)
    if data is None:
        abort(404)
    return render_template("public/board.html", board=data, today=date.today())


def register(app) -> None:
    """Attach the public portal to ``app`` (called by the publicity built-in plugin)."""
    from govkit.publicity import (public_complaints, public_disclosures, public_progress,  # noqa: F401  (routes)
                                  public_verify)
    from govkit.publicity.limiter import init_limiter

    init_limiter(app, app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if "public" not in app.blueprints:
        app.register_blueprint(bp)

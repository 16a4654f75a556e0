"""Public portal, the catalog side: division picker, search, 办事指南 (HTML and PDF), downloads, 六公开 board.

Every page reads only public data: published implementations and staff public contacts.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, redirect, render_template, request, send_file, url_for

from govkit.catalog import attachments
from govkit.catalog.models import Material
from govkit.db import db
from govkit.errors import ValidationError
from govkit.printing.registry import registry_for
from govkit.publicity import guides
from govkit.publicity.guide_pdf import guide_context
from govkit.clock import local_date
from govkit.publicity.public.blueprint import bp, home_division, setting
from govkit.state import get_state


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
    registry = registry_for(get_state(current_app))
    return registry if "service_guide" in registry else None


@bp.route("/guide/<int:implementation_id>.pdf")
def guide_pdf(implementation_id: int):
    impl = guides.public_guide(db.session, implementation_id)
    registry = _guide_template()
    if impl is None or registry is None:
        abort(404)
    context = guide_context(impl, guide_url=setting("PUBLIC_BASE_URL").rstrip("/")
                            + url_for("public.guide", implementation_id=impl.id))
    pdf = registry.render("service_guide", context, item_code=impl.item.basic_code)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=guide-{impl.id}.pdf"})


@bp.route("/material/<int:material_id>/<kind>")
def material_file(material_id: int, kind: str):
    """Download a material's blank form (空白表格) or sample (示范文本) of a public guide.

    Only materials of a published guide, and only files in the catalog's own folder of the storage
    (``<storage>/catalog``, where uploads and generated forms go): a path pointing at case scans or issued
    documents — personal data — answers 404 like a missing file."""
    material = db.session.get(Material, material_id)
    if material is None or kind not in ("blank", "sample"):
        abort(404)
    if guides.public_guide(db.session, material.implementation_id) is None:
        abort(404)
    relative = material.blank_form_path if kind == "blank" else material.sample_path
    try:
        path = attachments.attachment_file(current_app.config["GOVKIT_STORAGE_DIR"], relative)
    except ValidationError:
        abort(404)
    label = "空白表格" if kind == "blank" else "示范文本"
    return send_file(path, as_attachment=True, download_name=f"{material.name}-{label}{Path(path).suffix}")


@bp.route("/centre/<int:centre_id>/board")
def board(centre_id: int):
    """六公开 board of a service centre, printable as a notice-board sheet."""
    data = guides.board(db.session, centre_id)
    if data is None:
        abort(404)
    return render_template("public/board.html", board=data, today=local_date())


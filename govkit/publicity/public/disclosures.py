"""Public side of government information disclosure: list, search, detail, files, Atom feed."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from sqlalchemy import select

from govkit.db import db
from govkit.publicity import disclosures
from govkit.publicity.models import DisclosureAttachment, DisclosureCategory
from govkit.publicity.public.blueprint import bp, setting


def _categories():
    return list(db.session.scalars(select(DisclosureCategory).order_by(DisclosureCategory.code)))


@bp.route("/disclosures")
def disclosure_list():
    words = (request.args.get("q") or "").strip()[:50]
    category_id = request.args.get("c", type=int)
    page = disclosures.published(db.session, q=words, category_id=category_id,
                                 page=request.args.get("page", 1, type=int))
    return render_template("public/disclosures.html", page=page, words=words, category_id=category_id,
                           categories=_categories())


@bp.route("/disclosures/<int:entry_id>")
def disclosure_detail(entry_id: int):
    entry = disclosures.published_entry(db.session, entry_id)
    if entry is None:
        abort(404)
    return render_template("public/disclosure.html", entry=entry)


@bp.route("/disclosures/<int:entry_id>/files/<int:file_id>")
def disclosure_file(entry_id: int, file_id: int):
    entry = disclosures.published_entry(db.session, entry_id)
    attachment = db.session.get(DisclosureAttachment, file_id)
    if entry is None or attachment is None or attachment.disclosure_id != entry.id:
        abort(404)
    path = disclosures.attachment_path(current_app.config["GOVKIT_STORAGE_DIR"], attachment.sha256)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)


def _rfc3339(value: datetime | None) -> str:
    value = value or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.route("/disclosures.atom")
def disclosure_feed():
    """Atom feed of the 50 newest published entries (hand-written XML, autoescaped)."""
    page = disclosures.published(db.session, per_page=50)
    base = setting("PUBLIC_BASE_URL").rstrip("/")
    entries = [{
        "entry": e,
        "url": base + url_for("public.disclosure_detail", entry_id=e.id),
        "updated": _rfc3339(e.published_at),
    } for e in page.items]
    xml = render_template("public/disclosures.atom.xml", entries=entries, site=setting("SITE_NAME"),
                          self_url=base + url_for("public.disclosure_feed"),
                          home_url=base + url_for("public.disclosure_list"),
                          updated=entries[0]["updated"] if entries else _rfc3339(None))
    return Response(xml, mimetype="application/atom+xml")

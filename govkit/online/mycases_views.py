"""我的办件: the applicant's own cases, their timeline, deadlines, documents and results (``/online/``).

Every query of cases goes through :func:`govkit.online.services.applicant_cases_clause`: a case is reachable
only when it was filed through the account or registered at a counter under the account's own 证件号码.
Anything else answers 404, the same as a number that does not exist (no IDOR, no enumeration). Case numbers
travel in the query string (``?no=``), not the path: a 24-digit number is no database id, and path segments that
look like ids too big for a column are answered 404 before any route (:mod:`govkit.web.wellformed`). Documents are
the ones issued for the case through the one issuing path (:mod:`govkit.desk.issuing`), served as their stored
bytes; only valid ones and only of the applicant's own case.

The timeline, the state's wording and "what to do next" are the public progress page's
(:func:`govkit.publicity.progress.progress_of`); the rating is 好差评 (``ratings.submit_rating``, channel
网上办事大厅) — the login verifies the applicant better than the phone digits of the public lookup.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from govkit.cases.models import MATERIAL_MISSING, Case
from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.desk.storage import FileStore
from govkit.errors import GovkitError
from govkit.clock import local_date
from govkit.online.services import applicant_cases_clause
from govkit.online.session import applicant_required, current_applicant
from govkit.online.views import bp
from govkit.printing.models import VALID, IssuedDocument
from govkit.publicity import progress as progress_service
from govkit.publicity import ratings
from govkit.publicity.models import Rating
from govkit.state import get_state

#: States in which the applicant has something to do (shown first in the list).
ACTION_STATES = frozenset({"supplement"})


def own_cases_query(applicant):
    """The applicant's cases, newest first."""
    return select(Case).where(applicant_cases_clause(applicant)).order_by(Case.registered_at.desc(), Case.id.desc())


def own_case(number: str) -> Case:
    """The applicant's case with this number; 404 for any other (also another applicant's)."""
    case = db.session.scalar(select(Case).where(Case.number == number[:32],
                                                applicant_cases_clause(current_applicant())))
    if case is None:
        abort(404)
    return case


def own_documents(case: Case) -> list[IssuedDocument]:
    """The valid documents issued for ``case`` (superseded and withdrawn ones are not the applicant's to use)."""
    return list(db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.case_id == case.id, IssuedDocument.status == VALID).order_by(IssuedDocument.id)))


def _rated(case: Case) -> bool:
    return db.session.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None


def deadlines(case: Case) -> list[tuple[str, object, bool]]:
    """``(label, date, provisional)`` of the case's running deadlines; provisional = 暂定 (the year's
    working-day schedule is not published yet)."""
    rows = []
    if case.intake_due_date and case.state in ("registered", "online"):
        rows.append(("受理决定期限（行政许可法第三十二条，5个工作日）", case.intake_due_date,
                     case.intake_due_provisional))
    if case.supplement_due_date and case.state == "supplement":
        rows.append(("补正材料截止", case.supplement_due_date, case.supplement_due_provisional))
    if case.due_date and not case.completed_date:
        rows.append(("承诺办结期限", case.due_date, case.due_provisional))
    if case.legal_due_date and not case.completed_date:
        rows.append(("法定办结期限", case.legal_due_date, case.legal_due_provisional))
    return rows


def missing_materials(case: Case) -> list[str]:
    """What the 一次性告知 asks for (行政许可法 §32): the checklist rows marked missing and the clerk's extras."""
    names = [row.material.name for row in case.materials if row.status == MATERIAL_MISSING and row.material]
    return names + [str(extra) for extra in case.supplement_extra or []]


def result_of(case: Case) -> dict | None:
    """The decision as the applicant sees it (their own case, so the reasons are shown)."""
    if case.state == "refused":
        return {"title": "不予受理", "reason": case.refusal_reason, "number": None}
    if case.decision:
        return {"title": "准予" if case.decision == "approved" else "不予准予", "reason": case.decision_reason,
                "number": case.result_number}
    return None


@bp.route("/")
@applicant_required
def my_cases():
    """我的办件: every case of the logged-in applicant."""
    applicant = current_applicant()
    cases = list(db.session.scalars(own_cases_query(applicant).limit(200)))
    cases.sort(key=lambda c: c.state not in ACTION_STATES)  # stable: 待补正 first, then newest first
    return render_template("online/my_cases.html", applicant=applicant, cases=cases, title="我的办件")


@bp.route("/case")
@applicant_required
def case_detail():
    """One case (``?no=<number>``): state, timeline, deadlines (暂定 marked), documents, result, next step, rating."""
    case = own_case(request.args.get("no", ""))
    progress = progress_service.progress_of(db.session, case, rated=_rated(case))
    return render_template("online/case.html", case=case, progress=progress, deadlines=deadlines(case),
                           documents=own_documents(case), missing=missing_materials(case), result=result_of(case),
                           levels=ratings.LEVELS, dimensions=_setting("RATING_DIMENSIONS"),
                           title=f"办件 {case.number}")


@bp.route("/documents/<int:document_id>")
@applicant_required
def case_document(document_id: int):
    """The exact stored PDF of a valid document of the applicant's own case (404 for anything else)."""
    document = db.session.get(IssuedDocument, document_id)
    if document is None or document.case_id is None or document.status != VALID:
        abort(404)
    own = db.session.scalar(select(Case.id).where(Case.id == document.case_id,
                                                  applicant_cases_clause(current_applicant())))
    if own is None:
        abort(404)
    store = FileStore(current_app.config["GOVKIT_STORAGE_DIR"], int(_setting("UPLOAD_MAX_BYTES")))
    if not store.exists(document.sha256):
        abort(404)
    filename = f"{document.title}-{document.document_number}.pdf"
    return Response(store.read(document.sha256), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@bp.route("/rate", methods=["POST"])
@applicant_required
def case_rate():
    """好差评 of the applicant's own completed case (form field ``no``; one rating per case; 差评 opens a
    rectification)."""
    case = own_case(request.form.get("no", ""))
    level = request.form.get("level", "")
    dimensions = {name: request.form.get(f"dim_{i}", "") for i, name in enumerate(_setting("RATING_DIMENSIONS"))}
    try:
        ratings.submit_rating(
            db.session, case, level=level, dimensions=dimensions, comment=request.form.get("comment", "")[:500],
            calendar=calendar_for(db.session, current_app), rectification_days=_setting("RECTIFICATION_DAYS"),
            allowed_dimensions=tuple(_setting("RATING_DIMENSIONS")), today=local_date(), channel="网上办事大厅")
        db.session.commit()
    except GovkitError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash("感谢您的评价！您的意见将用于改进服务。", "info")
    return redirect(url_for("online.case_detail", no=case.number) + "#rate")


# --- JSON for the applicant's own app or page scripts (same rules: own cases only) ---------------------------


def _case_json(case: Case) -> dict:
    progress = progress_service.progress_of(db.session, case, rated=_rated(case))
    return {"number": case.number, "item": progress.item_name, "state": progress.state_label,
            "next_step": progress.next_step, "received": progress.received, "promised": progress.promised,
            "promised_provisional": progress.promised_provisional, "completed": progress.completed,
            "steps": [{"day": s.day, "label": s.label, "place": s.place} for s in progress.steps],
            "documents": [{"title": d.title, "number": d.document_number,
                           "url": url_for("online.case_document", document_id=d.id)}
                          for d in own_documents(case)]}


@bp.route("/api/cases")
@applicant_required
def api_cases():
    cases = db.session.scalars(own_cases_query(current_applicant()).limit(200))
    return jsonify({"cases": [{"number": c.number, "state": progress_service.STATE_LABELS.get(c.state, c.state),
                               "url": url_for("online.api_case", no=c.number)} for c in cases]})


@bp.route("/api/case")
@applicant_required
def api_case():
    """One case as JSON (``?no=<number>``); 404 JSON for anything not the applicant's."""
    case = db.session.scalar(select(Case).where(Case.number == request.args.get("no", "")[:32],
                                                applicant_cases_clause(current_applicant())))
    if case is None:
        return jsonify({"message": "办件不存在。"}), 404
    return jsonify(_case_json(case))


def _setting(name: str):
    return get_state(current_app).settings[name]


def register(app) -> None:
    """The routes are on the online blueprint (registered by :func:`govkit.online.views.register`)."""

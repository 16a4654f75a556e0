"""我的办件: the applicant's own cases, their timeline, deadlines, documents and results (``/online/``).

Every query of cases goes through :func:`govkit.online.services.applicant_cases_clause`: a case is reachable
only when it was filed through the account or registered at a counter under the account's own 证件号码.
Anything else answers 404, the same as a number that does not exist (no IDOR, no enumeration).
"""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from govkit.cases.models import Case
from govkit.db import db
from govkit.online.services import applicant_cases_clause
from govkit.online.session import applicant_required, current_applicant
from govkit.online.views import bp


def own_cases_query(applicant):
    """The applicant's cases, newest first."""
    return select(Case).where(applicant_cases_clause(applicant)).order_by(Case.registered_at.desc(), Case.id.desc())


@bp.route("/")
@applicant_required
def my_cases():
    """我的办件: every case of the logged-in applicant."""
    applicant = current_applicant()
    cases = list(db.session.scalars(own_cases_query(applicant).limit(200)))
    return render_template("online/my_cases.html", applicant=applicant, cases=cases, title="我的办件")


def own_case(number: str) -> Case:
    """The applicant's case with this number; 404 for any other (also another applicant's)."""
    case = db.session.scalar(select(Case).where(Case.number == number, applicant_cases_clause(current_applicant())))
    if case is None:
        abort(404)
    return case


@bp.route("/cases/<number>")
@applicant_required
def case_detail(number: str):
    """One case: state, timeline, deadlines (暂定 marked), documents, result, next step, rating."""
    case = own_case(number)
    return render_template("online/case.html", case=case, title=f"办件 {case.number}")


def register(app) -> None:
    """The routes are on the online blueprint (registered by :func:`govkit.online.views.register`)."""

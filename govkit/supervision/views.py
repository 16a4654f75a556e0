"""Supervisor screens (电子监察): cards, completion rates, ratings, rectifications, complaints.

Every query is limited to the logged-in supervisor's subtree (``current_scope()``); charts
are plain HTML tables with CSS bars (no chart library, nothing from the internet).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import Blueprint, current_app, request
from flask_appbuilder import BaseView, expose, has_access

from govkit.cases.cards import app_count_cache
from govkit.cases.runtime import workflow_for
from govkit.db import db
from govkit.clock import local_date
from govkit.state import get_state
from govkit.supervision import services
from govkit.web.scope import current_scope

TEMPLATE_FOLDER = str(Path(__file__).parent / "templates")
ROLE = "监察"
PAGES = ["can_cards", "can_rates", "can_ratings", "can_complaints"]
CARD_PAGE_SIZE = 50


def _since() -> tuple[date | None, str]:
    """Period filter from ``?days=`` (default 90; ``0`` = all time)."""
    days = request.args.get("days", 90, type=int)
    return (local_date() - timedelta(days=days) if days and days > 0 else None), str(days or 0)


class SupervisionView(BaseView):
    """电子监察 pages."""

    route_base = "/supervision"
    default_view = "cards"
    replica_reads = True  # dashboards and reports read from DATABASE_REPLICA_URL (govkit.web.replica)
    class_permission_name = "Supervision"
    govkit_role_permissions = {ROLE: PAGES}

    @expose("/cards")
    @has_access
    def cards(self):
        """Yellow and red cards of open cases (黄牌/红牌): counts over all of them, the rows a page at a time.

        The counts are those of the home page and the 临期/超期 menu badge (:mod:`govkit.cases.cards`).
        """
        settings = get_state(current_app).settings
        page = request.args.get("page", 1, type=int) or 1
        result = services.card_page(db.session, current_scope(), settings=settings, today=workflow_for().today(),
                                    page=page, page_size=CARD_PAGE_SIZE, cache=app_count_cache(current_app))
        return self.render_template("supervision/cards.html", result=result, counts=result.counts,
                                    ratio=settings["YELLOW_CARD_RATIO"], days=settings["YELLOW_CARD_DAYS"])

    @expose("/rates")
    @has_access
    def rates(self):
        """On-time and early completion rates per division, department and item (from the per-worker count cache
        the cards use, rebuilt when a case in the scope changes: one GROUP BY and one name lookup)."""
        since, days = _since()
        by = request.args.get("by", "division")
        if by not in ("division", "department", "item"):
            by = "division"
        rows = services.rates(db.session, current_scope(), by, since=since, cache=app_count_cache(current_app))
        total = services.RateRow(None, sum(r.completed for r in rows), sum(r.on_time for r in rows),
                                 sum(r.early for r in rows), label="合计")
        settings = get_state(current_app).settings
        return self.render_template("supervision/rates.html", rows=rows, total=total, by=by, days=days,
                                    target=settings["ON_TIME_RATE_TARGET"], floor=settings["ON_TIME_RATE_FLOOR"])

    @expose("/ratings")
    @has_access
    def ratings(self):
        """好差评 summary and rectifications (整改) of the subtree."""
        scope, today = current_scope(), local_date()
        since, days = _since()
        overdue = services.overdue_rectifications(db.session, scope, today)
        return self.render_template(
            "supervision/ratings.html", days=days, summary=services.rating_summary(db.session, scope, since=since),
            per_division=services.rating_by_division(db.session, scope),
            rect=services.rectification_summary(db.session, scope, today),
            overdue=overdue, names=services.division_names(db.session, (t.division_code for t in overdue)))

    @expose("/complaints")
    @has_access
    def complaints(self):
        """Complaints per handling state."""
        return self.render_template("supervision/complaints.html",
                                    counts=services.complaint_summary(db.session, current_scope()))


def register(appbuilder, app) -> None:
    if "govkit_supervision_templates" not in app.blueprints:
        app.register_blueprint(Blueprint("govkit_supervision_templates", __name__, template_folder=TEMPLATE_FOLDER))
    category = "电子监察"
    view = appbuilder.add_view(SupervisionView, "黄牌红牌", href="/supervision/cards", category=category,
                               category_label=category, icon="fa-exclamation-triangle")
    # Links carry the view so role sync grants their menu_access with the page permissions.
    view = next(v for v in appbuilder.baseviews if isinstance(v, SupervisionView))
    for name, href, icon in (("办结率统计", "/supervision/rates", "fa-bar-chart"),
                             ("好差评统计", "/supervision/ratings", "fa-star-half-o"),
                             ("投诉统计", "/supervision/complaints", "fa-commenting")):
        appbuilder.add_link(name, href=href, category=category, icon=icon, baseview=view)

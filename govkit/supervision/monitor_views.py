"""Supervisor screens beside the cards: deadline cards of complaints, 差评 stages and 督办单, and the charts.

The charts are drawn by Apache ECharts served from govkit's own static files
(``/supervision/static/echarts/echarts.min.js`` with its LICENSE and NOTICE; never a CDN) by
``charts.js``, which reads the figures from a ``<script type="application/json">`` block: no
inline script, so the page runs under the CSP of ``govkit.web.headers`` without a nonce. Each
chart has its table next to it (what prints and what reads without JavaScript).
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from flask_appbuilder import BaseView, expose, has_access

from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.labels import local_date
from govkit.state import get_state
from govkit.supervision import charts, deadlines
from govkit.supervision.views import ROLE, _since
from govkit.web.scope import current_scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "supervision"
ASSET_VERSION = "1"


class _AssetBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int:
        return 7 * 24 * 3600  # assets carry ?v=ASSET_VERSION


assets = _AssetBlueprint("supervision_assets", __name__, static_folder=str(STATIC_DIR),
                         static_url_path="/supervision/static")


class MonitorView(BaseView):
    """期限预警 and 统计图表."""

    route_base = "/supervision"
    default_view = "deadlines"
    class_permission_name = "SupervisionMonitor"
    base_permissions = ["can_deadlines", "can_charts"]
    govkit_role_permissions = {ROLE: ["can_deadlines", "can_charts"]}

    @expose("/deadlines")
    @has_access
    def deadlines(self):
        """Yellow/red cards of complaints (投诉办理), 差评 核实/整改/回访 and 督办单 replies."""
        settings = get_state(current_app).settings
        rows = deadlines.deadline_cards(db.session, current_scope(), calendar=calendar_for(db.session),
                                        settings=settings, today=local_date())
        counts = {stage: [sum(r.stage == stage and r.card == c for r in rows) for c in ("red", "yellow")]
                  for stage in deadlines.STAGES}
        return self.render_template("supervision/deadlines.html", rows=rows, counts=counts, settings=settings)

    @expose("/charts")
    @has_access
    def charts(self):
        """Monthly volume and on-time trend, ratings distribution, per-division comparison."""
        since, days = _since()
        data, months, summary, divisions = charts.chart_data(db.session, current_scope(), today=local_date(),
                                                             since=since)
        return self.render_template("supervision/charts.html", data=data, months=months, summary=summary,
                                    divisions=divisions, days=days, asset_version=ASSET_VERSION)


def register(appbuilder, app) -> None:
    if "supervision_assets" not in app.blueprints:
        app.register_blueprint(assets)
    category = "电子监察"
    appbuilder.add_view(MonitorView, "期限预警", href="/supervision/deadlines", category=category,
                        category_label=category, icon="fa-clock-o")
    view = next(v for v in appbuilder.baseviews if isinstance(v, MonitorView))
    appbuilder.add_link("统计图表", href="/supervision/charts", category=category, icon="fa-line-chart", baseview=view)

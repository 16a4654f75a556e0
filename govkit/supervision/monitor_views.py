"""Supervisor screens beside the cards: deadline cards of complaints, 差评 stages and 督办单, and the charts.

The charts are drawn by Apache ECharts served from govkit's own static files
(``/supervision/static/echarts/echarts.min.js`` with its LICENSE and NOTICE; never a CDN) by
``charts.js``, which reads the figures from a ``<script type="application/json">`` block (data, never
run; it still carries the request's nonce, as every inline ``<script>`` must under ``govkit.web.headers``). Each
chart has its table next to it (what prints and what reads without JavaScript).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from sqlalchemy import select

from govkit.cases.runtime import calendar_for, workflow_for
from govkit.db import db
from govkit.desk.issuing import issuer_for
from govkit.desk.storage import FileStore
from govkit.errors import GovkitError
from govkit.hierarchy.models import Division
from govkit.clock import local_date
from govkit.state import get_state
from govkit.supervision import charts, deadlines, performance
from govkit.supervision import report as monthly
from govkit.supervision.views import ROLE, _since
from govkit.web.actor import request_actor
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
    replica_reads = True  # dashboards and reports read from DATABASE_REPLICA_URL (govkit.web.replica)
    class_permission_name = "SupervisionMonitor"
    base_permissions = ["can_deadlines", "can_charts", "can_performance", "can_report"]
    govkit_role_permissions = {ROLE: ["can_deadlines", "can_charts", "can_performance", "can_report"]}

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


    @expose("/performance")
    @has_access
    def performance(self):
        """绩效考核 per unit or staff member for a period (default: last month); ?format=csv|xlsx exports it."""
        today = local_date()
        last = today.replace(day=1) - timedelta(days=1)
        since, until = _day("since", last.replace(day=1)), _day("until", last)
        if until < since:
            since, until = until, since
        by = "staff" if request.args.get("by") == "staff" else "unit"
        rows = performance.performance(db.session, current_scope(), by, since=since, until=until,
                                       calendar=calendar_for(db.session),
                                       weights=get_state(current_app).settings["PERFORMANCE_WEIGHTS"])
        title = f"绩效考核（{'人员' if by == 'staff' else '单位'}，{since.isoformat()} 至 {until.isoformat()}）"
        fmt = request.args.get("format")
        name = f"performance-{by}-{since.isoformat()}-{until.isoformat()}"
        if fmt == "csv":
            return Response("\ufeff" + performance.export_csv(rows), mimetype="text/csv",
                            headers={"Content-Disposition": f"attachment; filename={name}.csv"})
        if fmt == "xlsx":
            return Response(performance.export_xlsx(rows, title), headers={
                "Content-Disposition": f"attachment; filename={name}.xlsx"},
                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return self.render_template("supervision/performance.html", rows=rows, by=by, since=since, until=until,
                                    title=title, headers=performance.HEADERS,
                                    weights=get_state(current_app).settings["PERFORMANCE_WEIGHTS"],
                                    asset_version=ASSET_VERSION)


    @expose("/report")
    @has_access
    def report(self):
        """电子监察月报 of the supervisor's own division: ?month=YYYY-MM (default last month), &format=xlsx."""
        state = get_state(current_app)
        code = current_scope().division_code or state.settings.get("COUNTY_CODE")
        division = db.session.scalar(select(Division).where(Division.code == code)) if code else None
        if division is None:
            abort(404)
        month = request.args.get("month") or None
        try:
            figures = monthly.gather(db.session, division, month=month, calendar=calendar_for(db.session),
                                     settings=state.settings)
            if request.args.get("format") == "xlsx":
                return Response(monthly.report_xlsx(figures), headers={
                    "Content-Disposition": f"attachment; filename=supervision-report-{division.code}.xlsx"},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            store = FileStore(current_app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))
            copy = monthly.issue_report(db.session, division, figures, request_actor(),
                                        issuer_for(state, workflow=workflow_for(current_app), store=store))
            db.session.commit()
        except GovkitError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("MonitorView.charts"))
        return Response(copy.pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"inline; filename=supervision-report-{copy.document.document_number}.pdf"})


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


def register(appbuilder, app) -> None:
    if "supervision_assets" not in app.blueprints:
        app.register_blueprint(assets)
    category = "电子监察"
    appbuilder.add_view(MonitorView, "期限预警", href="/supervision/deadlines", category=category,
                        category_label=category, icon="fa-clock-o")
    view = next(v for v in appbuilder.baseviews if isinstance(v, MonitorView))
    appbuilder.add_link("统计图表", href="/supervision/charts", category=category, icon="fa-line-chart", baseview=view)
    appbuilder.add_link("绩效考核", href="/supervision/performance", category=category, icon="fa-trophy", baseview=view)
    appbuilder.add_link("电子监察月报", href="/supervision/report", category=category, icon="fa-file-pdf-o",
                        baseview=view)

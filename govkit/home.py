"""The home page (``/``): a work overview for staff, the way in for everyone else.

Logged-in staff see their division, a card per work queue of their roles with the
number of cases waiting (the same scoped counts as the desk menu, including the
临期/超期 queue of yellow and red cards); desk clerks get a button to the intake desk. Visitors who are not
logged in see the login button and the public portal's links (guides, progress lookup,
disclosures) — no case data.
"""
from __future__ import annotations

from flask import url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from govkit.desk import web
from govkit.desk.queues import queues_for
from govkit.errors import GovkitError


class HomeView(IndexView):
    """首页."""

    route_base = ""
    default_view = "index"
    index_template = "govkit/index.html"

    @expose("/")
    def index(self):
        overview = None
        if current_user.is_authenticated:
            overview = _overview()
        return self.render_template(self.index_template, appbuilder=self.appbuilder, overview=overview)


def _overview() -> dict | None:
    try:
        actor = web.actor()
    except GovkitError:
        return None
    counts = web.menu_counts()
    queues = [{"label": q.label, "hint": q.hint, "count": counts.get(q.name, 0),
               "url": url_for("DeskQueueView.queue", name=q.name)} for q in queues_for(actor)]
    return {"actor": actor, "queues": queues, "intake": actor.has_role("受理员", "代办员")}

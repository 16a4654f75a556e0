"""Handling screens: a scoped list whose rows each have a handling page with actions, and the
supervisor's yellow/red card pages.

Every domain that receives something to handle (咨询, 依申请公开, 投诉, 差评整改, 公开条目) shows the
same three things: a scoped list, a detail page with a button to the handling page, and a handling
page whose form posts one named action. :class:`HandlingView` owns the routes
``<route_base>/handle/<pk>`` (permission ``can_handle``) and ``<route_base>/handle/<pk>/act``
(``can_act``); a subclass names its template, the page's context and its actions::

    class QuestionView(HandlingView):
        handle_template = "consult/handle.html"
        manage_label = "答复与公开"

        def handle_context(self, question):
            return {"question": question}

        def row_actions(self, question, form):
            return {"answer": (lambda: services.answer(...), "答复已保存。")}

A row outside the user's scope is a 404 on both routes (the row is fetched with the view's scoped
``base_filters``), an unknown action a 400, and a domain error is flashed in Chinese after a
rollback — never a 500 and never a half-written row.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from govkit.cases.runtime import calendar_for
from govkit.db import db
from govkit.errors import GovkitError, OutOfScope
from govkit.clock import local_date
from govkit.state import get_state
from govkit.web.scope import current_scope
from govkit.web.scoped import ScopedModelView

#: One action of a handling page: what to run and the message flashed when it succeeds.
Action = tuple[Callable[[], Any], str]


def run_action(action: Callable[[], Any], success: str) -> bool:
    """Run a service call, commit, flash the outcome (domain errors are shown, never a 500); True when done.

    A row outside the user's scope (:class:`OutOfScope`) is a 404, like reading it.
    """
    try:
        action()
        db.session.commit()
        flash(success, "success")
        return True
    except GovkitError as exc:
        db.session.rollback()
        if isinstance(exc, OutOfScope):
            abort(404)
        flash(str(exc), "danger")
        return False


class HandlingView(ScopedModelView):
    """A scoped list whose rows have a handling page (``handle``) and its action post (``act``)."""

    show_template = "govkit/web/show_with_action.html"
    manage_endpoint = "handle"
    manage_label = "办理"
    handle_template = ""

    def scoped_row(self, pk: int) -> Any:
        """The row ``pk`` if the user's scope reaches it, else 404 (never a hint it exists)."""
        row = self.datamodel.get(pk, self._base_filters)
        if row is None:
            abort(404)
        return row

    def after_action(self, row: Any, name: str) -> None:
        """Called after action ``name`` was committed (e.g. to message the person; its own transaction)."""

    def handle_context(self, row: Any) -> dict[str, Any]:
        """The handling page's template variables."""
        raise NotImplementedError

    def row_actions(self, row: Any, form: Mapping[str, str]) -> dict[str, Action]:
        """The actions the handling page can post, by the name its button sends as ``action``."""
        raise NotImplementedError

    @expose("/handle/<int:pk>")
    @has_access
    def handle(self, pk: int):
        return self.render_template(self.handle_template, **self.handle_context(self.scoped_row(pk)))

    @expose("/handle/<int:pk>/act", methods=["POST"])
    @has_access
    def act(self, pk: int):
        actions = self.row_actions(self.scoped_row(pk), request.form)
        name = request.form.get("action", "")
        if name not in actions:
            abort(400)
        if run_action(*actions[name]):
            self.after_action(self.scoped_row(pk), name)
        return redirect(url_for(f"{self.endpoint}.handle", pk=pk))


class CardsView(BaseView):
    """电子监察: one page of yellow and red cards (rows near or past a deadline) in the user's scope.

    A subclass gives ``route_base``, ``cards_template`` and :meth:`card_rows`; every row has a
    ``card`` of ``"yellow"`` or ``"red"``, and the page gets ``rows``, ``red`` and ``yellow``.
    """

    default_view = "cards"
    replica_reads = True  # dashboards read from DATABASE_REPLICA_URL when it is set (govkit.web.replica)
    cards_template = ""

    def card_rows(self, session, scope, *, calendar, settings, today) -> list:
        raise NotImplementedError

    def cards_context(self, settings) -> dict[str, Any]:
        """Extra template variables (e.g. the answer days shown in the heading)."""
        return {}

    @expose("/")
    @has_access
    def cards(self):
        settings = get_state(current_app).settings
        rows = self.card_rows(db.session, current_scope(), calendar=calendar_for(db.session, current_app),
                              settings=settings, today=local_date())
        return self.render_template(self.cards_template, rows=rows, red=sum(r.card == "red" for r in rows),
                                    yellow=sum(r.card == "yellow" for r in rows), **self.cards_context(settings))

"""Flask side of the case engine: the app's cached calendar and Workflow, and shortcuts using them.

:mod:`govkit.cases.workflow` is plain Python (no Flask); everything that finds "the current
app's" workflow or calendar lives here. The request → Actor function is in :mod:`govkit.web.actor`.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session, object_session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.calendar_store import CachedCalendar
from govkit.cases.models import Case, CaseEvent
from govkit.cases.workflow import Actor, Workflow, WorkflowAction
from govkit.state import get_state


def _app(app: Flask | None) -> Flask:
    return app or current_app._get_current_object()  # type: ignore[attr-defined]


def cached_calendar(app: Flask | None = None) -> CachedCalendar:
    state = get_state(_app(app))
    cached = state.cache.get("calendar")
    if cached is None:
        cached = CachedCalendar(state.pm, state.settings, ttl=float(state.settings.get("CALENDAR_CACHE_SECONDS", 60)))
        state.cache["calendar"] = cached
    return cached


def calendar_for(session: Session, app: Flask | None = None) -> WorkingCalendar:
    """The app's working-day calendar (cached; see CachedCalendar)."""
    return cached_calendar(app)(session)


def invalidate_calendar(app: Flask | None = None) -> None:
    cached_calendar(app).invalidate()


def workflow_for(app: Flask | None = None) -> Workflow:
    """The app's Workflow (built once, when first used: built-in and plugin actions, cached calendar,
    then each of :func:`on_workflow`'s set-ups, e.g. the desk's document follower)."""
    app = _app(app)
    state = get_state(app)
    workflow = state.cache.get("workflow")
    if workflow is None:
        workflow = Workflow(settings=state.settings, pm=state.pm, calendar_loader=cached_calendar(app))
        for setup in state.cache.get(_SETUPS, ()):
            setup(app, workflow)
        state.cache["workflow"] = workflow
    return workflow


_SETUPS = "workflow_setups"


def on_workflow(app: Flask, setup: Callable[[Flask, Workflow], None]) -> None:
    """Run ``setup(app, workflow)`` on the app's Workflow when it is built (at once if it is built already).

    The workflow is built on first use, not at start-up: a plugin's faulty step is reported then.
    """
    state = get_state(app)
    state.cache.setdefault(_SETUPS, []).append(setup)
    if state.cache.get("workflow") is not None:
        setup(app, state.cache["workflow"])


# -- shortcuts for code running inside a govkit app ----------------------------------------


def current_workflow() -> Workflow:
    """The Workflow of the current Flask app."""
    return workflow_for()


def perform(session: Session, case: Case, action: str, actor: Actor, *, workflow: Workflow | None = None,
            **fields: Any) -> CaseEvent:
    """:meth:`Workflow.perform` with the current app's workflow unless one is given."""
    return (workflow or current_workflow()).perform(session, case, action, actor, **fields)


def allowed_actions(case: Case, actor: Actor, *, session: Session | None = None,
                    workflow: Workflow | None = None) -> list[WorkflowAction]:
    """:meth:`Workflow.allowed_actions` (session defaults to the case's own session)."""
    session = session or object_session(case)
    return (workflow or current_workflow()).allowed_actions(session, case, actor)


def register_case(session: Session, implementation: Any, *, actor: Actor, workflow: Workflow | None = None,
                  **applicant: Any) -> Case:
    """:meth:`Workflow.register_case` with the current app's workflow unless one is given."""
    return (workflow or current_workflow()).register_case(session, implementation, actor=actor, **applicant)

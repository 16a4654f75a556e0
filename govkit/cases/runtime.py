"""Flask side of the case engine: the app's cached calendar and Workflow, actors from users."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from govkit.app import get_state
from govkit.cases.calendar import WorkingCalendar
from govkit.cases.calendar_store import CachedCalendar
from govkit.cases.workflow import Actor, Workflow
from govkit.hierarchy.scope import scope_for_user


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
    """The app's Workflow (built once: built-in and plugin actions, cached calendar)."""
    app = _app(app)
    state = get_state(app)
    workflow = state.cache.get("workflow")
    if workflow is None:
        workflow = Workflow(settings=state.settings, pm=state.pm, calendar_loader=cached_calendar(app))
        state.cache["workflow"] = workflow
    return workflow


def actor_for_user(session: Session, user: Any) -> Actor:
    """The Actor of a FAB user: roles, division scope, staff name and department."""
    from sqlalchemy import select

    from govkit.hierarchy.models import Staff

    scope = scope_for_user(session, user)
    row = session.execute(select(Staff.name, Staff.department_id).where(Staff.user_id == user.id)).first()
    name = row[0] if row else (f"{user.last_name or ''}{user.first_name or ''}" or user.username)
    return Actor(user.id, name, scope.roles, scope, row[1] if row else None)

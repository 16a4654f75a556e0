"""Who is acting: the one function from a FAB user (or the current request) to a workflow Actor.

Every screen, the REST APIs and the desk take their :class:`~govkit.cases.workflow.Actor`
from here, so a user is the same actor (roles, division scope, staff name, department)
wherever they act.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.auth.cache import TTLCache, generation
from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.errors import OutOfScope
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import ADMIN_ROLE, Scope
from govkit.state import get_state

#: Where :func:`request_actor` keeps the actor: the WSGI environ, not ``g`` (in tests one app
#: context, so one ``g``, spans several requests of different users).
ENVIRON_KEY = "govkit.actor"


def actor_of_user(user: Any, session: Session | None = None) -> Actor:
    """The Actor of a FAB user: roles, division scope, staff name and department (one query).

    The name is the staff record's, else the user's family + given name, else the login name.
    """
    session = session or db.session
    roles = frozenset(r.name for r in user.roles)
    row = session.execute(
        select(Staff.name, Staff.department_id, Division.code)
        .outerjoin(Division, Division.id == Staff.division_id).where(Staff.user_id == user.id)
    ).first()
    if ADMIN_ROLE in roles:
        scope = Scope.unrestricted(user.id, roles)
    elif row is None or row[2] is None:
        scope = Scope.nothing(user.id, roles)
    else:
        scope = Scope.for_division(row[2], user.id, roles)
    name = row[0] if row else (f"{user.last_name or ''}{user.first_name or ''}" or user.username)
    return Actor(user.id, name, roles, scope, row[1] if row else None)


def auth_caches() -> tuple[TTLCache, TTLCache]:
    """(verified tokens, actors by user id) of the current app; see govkit.auth.cache."""
    state = get_state(current_app)
    caches = state.cache.get("api_auth")
    if caches is None:
        ttl = float(state.settings.get("AUTH_CACHE_SECONDS", 30))
        caches = state.cache.setdefault("api_auth", (TTLCache(ttl), TTLCache(ttl)))
    return caches


def session_actor(user: Any) -> Actor:
    """:func:`actor_of_user` of a signed-in user from the per-worker actor cache (the one bearer tokens use:
    dropped when a user, role, staff or division row changes, :mod:`govkit.auth.cache`, and after
    ``AUTH_CACHE_SECONDS``), rebuilt when the roles this request loaded with the user differ from it."""
    actors = auth_caches()[1]
    actor = actors.get(user.id)
    if actor is None or actor.roles != frozenset(r.name for r in user.roles):
        gen = generation()  # a change flushed while building makes the entry stale at once
        actor = actor_of_user(user)
        actors.put(user.id, actor, gen=gen)
    return actor


def request_actor() -> Actor:
    """The logged-in user (browser session or JWT) as an Actor, built once per request.

    :func:`govkit.web.protect.protect_cached` sets it before the view runs; elsewhere it is
    built on first use. Raises OutOfScope when nobody is logged in.
    """
    cached = request.environ.get(ENVIRON_KEY)
    if cached is not None:
        return cached
    user = current_app.appbuilder.sm.current_user  # browser session or JWT
    if user is None:
        raise OutOfScope("请先登录。")
    actor = session_actor(user)
    request.environ[ENVIRON_KEY] = actor
    return actor


def request_username() -> str:
    """The logged-in user's name in the current request, "" for an anonymous visitor or outside a request."""
    return str(current_user.username) if getattr(current_user, "is_authenticated", False) else ""

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

from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.errors import OutOfScope
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import ADMIN_ROLE, Scope

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
    actor = actor_of_user(user)
    request.environ[ENVIRON_KEY] = actor
    return actor


def request_username() -> str:
    """The logged-in user's name in the current request, "" for an anonymous visitor or outside a request."""
    return str(current_user.username) if getattr(current_user, "is_authenticated", False) else ""

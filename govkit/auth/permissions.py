"""The role → permission table, read once per worker and ``AUTH_CACHE_SECONDS`` (HTML pages and API alike).

FAB asks the database for every permission check: one ``EXISTS`` per menu entry and per
``has_access`` in a template (35–39 queries on a supervisor's page). govkit's security manager
(:class:`govkit.auth.security.GovkitSecurityManager`) and the API's ``protect_cached``
(:mod:`govkit.web.protect`) answer from this table instead. It is rebuilt when this process flushes
a change to users, roles or permissions (the generation of :mod:`govkit.auth.cache`) and after
``AUTH_CACHE_SECONDS`` in every other worker; ``AUTH_CACHE_SECONDS = 0`` reads it on every call.
"""
from __future__ import annotations

import time

from flask import current_app
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu, assoc_permissionview_role
from sqlalchemy import select

from govkit.auth.cache import generation
from govkit.db import db
from govkit.state import get_state


def role_permissions() -> dict[str, frozenset[tuple[str, str]]]:
    """``{role: {(permission, view)}}`` from FAB's tables, cached per app (``AUTH_CACHE_SECONDS``)."""
    state = get_state(current_app)
    cache, ttl = state.cache, float(state.settings.get("AUTH_CACHE_SECONDS", 30))
    hit = cache.get("api_permissions")
    if hit is not None and time.monotonic() - hit[0] < ttl and hit[2] == generation():
        return hit[1]
    gen = generation()
    rows = db.session.execute(
        select(Role.name, Permission.name, ViewMenu.name)
        .join(assoc_permissionview_role, assoc_permissionview_role.c.role_id == Role.id)
        .join(PermissionView, PermissionView.id == assoc_permissionview_role.c.permission_view_id)
        .join(Permission, Permission.id == PermissionView.permission_id)
        .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
    ).all()
    table: dict[str, set[tuple[str, str]]] = {}
    for role, permission, view in rows:
        table.setdefault(role, set()).add((permission, view))
    value = {role: frozenset(perms) for role, perms in table.items()}
    cache["api_permissions"] = (time.monotonic(), value, gen)
    return value


def roles_allow(role_names, permission: str, view: str) -> bool:
    """Whether one of ``role_names`` holds ``permission`` on ``view`` (cached table)."""
    table = role_permissions()
    wanted = (permission, view)
    return any(wanted in table.get(name, ()) for name in role_names)


def views_allowed(role_names, permission: str, views) -> set[str]:
    """The names in ``views`` on which one of ``role_names`` holds ``permission`` (e.g. menu_access)."""
    table = role_permissions()
    held = set().union(*(table.get(name, frozenset()) for name in role_names)) if role_names else set()
    return {view for view in views or () if (permission, view) in held}

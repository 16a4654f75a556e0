"""The navigation menu of FAB pages, rendered once per role set, language and badge counts (not on every page).

FAB's ``navbar_menu.html`` walks every menu entry on every page: a permission check per entry, a
``url_for`` per entry (a failing one, with its exception, for each link given as a path), ``gettext`` per
label — the largest single part of a list page's rendering once the list itself is lean (issue 23). The
menu a user sees depends only on their roles' ``menu_access`` permissions, the language, the live labels
(the desk queues' badge counts) and the script root, so govkit's ``appbuilder/navbar_menu.html`` asks
:func:`menu_html` for it: FAB's own template (``govkit/navbar_menu_full.html``) rendered on a miss, kept per
worker while govkit's cached role → permission table (:func:`govkit.auth.permissions.role_permissions`,
rebuilt after a change to roles or permissions and every ``AUTH_CACHE_SECONDS``) is the same object.
Users with one of FAB's config-defined (builtin) roles, anonymous pages and API-key requests are rendered
uncached, as before.

A label that changes while serving (e.g. a badge count) must say so with a ``cache_key()`` method; its value
is part of the key.
"""
from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from govkit.auth.permissions import role_permissions

FULL_TEMPLATE = "govkit/navbar_menu_full.html"
#: Distinct menus kept per worker (role sets × languages × badge counts).
MAX_ENTRIES = 512

_lock = threading.Lock()


def _live_labels(items: list[Any]) -> tuple:
    keys = []
    for item in items:
        key = getattr(item.label, "cache_key", None)
        if key is not None:
            keys.append(key())
        if item.childs:
            keys.extend(_live_labels([child for child in item.childs if child]))
    return tuple(keys)


def _render(menu: Any) -> Markup:
    return Markup(current_app.jinja_env.get_template(FULL_TEMPLATE).render(menu=menu))


def menu_html(menu: Any) -> Markup:
    """The ``<li>`` entries of ``menu`` the current user may see (cached; see the module)."""
    sm = current_app.appbuilder.sm
    user = g.get("user")
    if getattr(g, "_api_key_user", False) or not current_user.is_authenticated or user is None \
            or not user.is_active:
        return _render(menu)
    names = getattr(sm, "_db_role_names", lambda roles: None)(sm.get_user_roles(user))
    if names is None:  # a builtin role: FAB's own checks, uncached
        return _render(menu)
    table = role_permissions()
    key = (tuple(sorted(names)), str(get_locale()), request.script_root, _live_labels(menu.get_list()))
    cache = current_app.extensions.setdefault("govkit_menu_cache", {})
    hit = cache.get(key)
    if hit is not None and hit[0] is table:
        return hit[1]
    html = _render(menu)
    with _lock:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = (table, html)
    return html


def init_menu(app: Flask) -> None:
    """Offer ``govkit_menu_html(menu)`` to templates (govkit's ``appbuilder/navbar_menu.html`` calls it)."""
    app.jinja_env.globals["govkit_menu_html"] = menu_html

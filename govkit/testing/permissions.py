"""FAB permissions for test apps: written when the database lacks them, not on every app.

Flask-AppBuilder writes the permission of every view and menu entry while an app starts
(``update_perms``), reloading the Admin role's permissions for each one: about 1.5 of the
2 seconds an app takes to start. The test database keeps those rows between tests, so test
apps start with ``FAB_UPDATE_PERMS = False`` and :func:`ensure_permissions` then asks the
database, in two queries, whether anything FAB would write is missing; only then does it
run FAB's own update. The result is the same rows FAB's start-up leaves behind.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

#: FAB's menu permission.
MENU_ACCESS = "menu_access"


def required_permissions(appbuilder) -> tuple[dict[str, set[str]], set[str]]:
    """What FAB's start-up would write: ``({view permission name: permissions}, menu entry names)``."""
    views: dict[str, set[str]] = defaultdict(set)
    for view in appbuilder.baseviews:
        views[view.class_permission_name] |= set(view.base_permissions or ())
    menus: set[str] = set()
    if appbuilder.menu is not None:
        for category in appbuilder.menu.get_list():
            menus.add(category.name)
            menus.update(item.name for item in category.childs if item.name != "-")
    return views, menus


def permissions_in_step(appbuilder) -> bool:
    """Whether FAB's permission update would change nothing in the database."""
    sm = appbuilder.sm
    pv, permission, view_menu = sm.permissionview_model, sm.permission_model, sm.viewmenu_model
    role = sm.role_model
    assoc = role.permissions.property.secondary
    session = appbuilder.session
    rows = session.execute(
        sa.select(view_menu.name, permission.name, pv.id)
        .select_from(view_menu)
        .outerjoin(pv, pv.view_menu_id == view_menu.id)
        .outerjoin(permission, pv.permission_id == permission.id)
    ).all()
    held: dict[str, dict[str, int]] = defaultdict(dict)
    for view_name, permission_name, pv_id in rows:
        held[view_name]  # a view menu without permissions still exists
        if permission_name is not None:
            held[view_name][permission_name] = pv_id
    grants = session.execute(
        sa.select(assoc.c.permission_view_id, role.name).join(role, role.id == assoc.c.role_id)
    ).all()
    granted = {pv_id for pv_id, _ in grants}
    check_admin = sm.auth_role_admin not in sm.builtin_roles
    admin = {pv_id for pv_id, name in grants if name == sm.auth_role_admin}
    views, menus = required_permissions(appbuilder)
    for name, wanted in views.items():
        if name not in held or not wanted <= set(held[name]):
            return False
        if check_admin and not {held[name][p] for p in wanted} <= admin:
            return False
        # FAB deletes a permission the view no longer declares, unless a role still holds it.
        if any(pv_id not in granted for p, pv_id in held[name].items() if p not in wanted):
            return False
    for name in menus:
        pv_id = held.get(name, {}).get(MENU_ACCESS)
        if pv_id is None or (check_admin and pv_id not in admin):
            return False
    return True


def ensure_permissions(appbuilder) -> bool:
    """Run FAB's permission update if the database is not in step; return whether it ran."""
    if permissions_in_step(appbuilder):
        return False
    appbuilder.add_permissions(update_perms=True)
    return True

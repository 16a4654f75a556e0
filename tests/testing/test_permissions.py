"""govkit.testing.permissions: test apps skip FAB's permission writes only when nothing would change."""
from __future__ import annotations

import sqlalchemy as sa

from govkit.testing.permissions import ensure_permissions, permissions_in_step, required_permissions


def snapshot(appbuilder) -> set[tuple[str, str, str | None]]:
    """Every (view menu, permission, role) row FAB's permission tables hold."""
    sm = appbuilder.sm
    pv, role = sm.permissionview_model, sm.role_model
    assoc = role.permissions.property.secondary
    rows = appbuilder.session.execute(
        sa.select(sm.viewmenu_model.name, sm.permission_model.name, role.name)
        .select_from(pv).join(sm.viewmenu_model).join(sm.permission_model)
        .outerjoin(assoc, assoc.c.permission_view_id == pv.id).outerjoin(role, role.id == assoc.c.role_id)
    ).all()
    return {tuple(row) for row in rows}


def test_fast_start_leaves_what_fab_update_leaves(app):
    assert app.config["FAB_UPDATE_PERMS"] is False
    appbuilder = app.appbuilder
    assert permissions_in_step(appbuilder)
    before = snapshot(appbuilder)
    appbuilder.add_permissions(update_perms=True)  # what every app start did before
    assert snapshot(appbuilder) == before


def some_view_and_menu(appbuilder) -> tuple[str, str, str]:
    views, menus = required_permissions(appbuilder)
    view = sorted(name for name, permissions in views.items() if "can_list" in permissions)[0]
    return view, "can_list", sorted(menus)[0]


def test_a_missing_grant_or_permission_is_written(app):
    appbuilder = app.appbuilder
    sm = appbuilder.sm
    view, permission, menu_name = some_view_and_menu(appbuilder)
    full = snapshot(appbuilder)
    admin = sm.find_role("Admin")
    admin.permissions = [p for p in admin.permissions
                         if not (p.view_menu.name == view and p.permission.name == permission)]
    appbuilder.session.commit()
    assert not permissions_in_step(appbuilder)
    assert ensure_permissions(appbuilder) is True
    assert snapshot(appbuilder) == full and permissions_in_step(appbuilder)

    menu = sm.find_permission_view_menu("menu_access", menu_name)
    for role in sm.get_all_roles():
        sm.del_permission_role(role, menu)
    sm.del_permission_view_menu("menu_access", menu_name)
    assert sm.find_permission_view_menu("menu_access", menu_name) is None
    assert not permissions_in_step(appbuilder)
    assert ensure_permissions(appbuilder) is True and permissions_in_step(appbuilder)
    assert ensure_permissions(appbuilder) is False


def test_a_stale_permission_no_role_holds_is_removed(app):
    appbuilder = app.appbuilder
    sm = appbuilder.sm
    view, _, _ = some_view_and_menu(appbuilder)
    full = snapshot(appbuilder)
    sm.add_permission_view_menu("can_obsolete", view)
    assert not permissions_in_step(appbuilder)
    ensure_permissions(appbuilder)
    assert snapshot(appbuilder) == full

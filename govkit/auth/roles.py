"""Built-in roles, one per staff duty, and their permissions.

Views declare which duty roles may use them::

    class CaseView(ScopedModelView):
        govkit_role_permissions = {"受理员": ["can_list", "can_show", "can_add"], ...}

``sync_roles`` turns those declarations into FAB roles with **exactly** these permissions:

* every permission a view declared for the role (on the view's ``class_permission_name``);
* ``menu_access`` on each menu entry whose view the role may open (its ``default_view``
  permission, or any declared permission for views without one) and on that entry's category;
* FAB's self-service basics: own user info, edit own info, reset own password.

Anything else a duty role holds is removed, so a permission dropped from a declaration is
revoked on the next sync. Re-running it is safe; ``govkit db upgrade`` and the test app
factory run it. Admin and Public are FAB's and left alone.
"""
from __future__ import annotations

import logging
from typing import Iterable

from govkit.hierarchy.models import Duty

log = logging.getLogger(__name__)

#: Role names: the duties (the FAB admin role "Admin" is separate).
DUTY_ROLES: tuple[str, ...] = tuple(d.value for d in Duty)

READ = ("can_list", "can_show", "can_get", "can_info")
WRITE = READ + ("can_add", "can_edit", "can_post", "can_put")

#: FAB's own views every logged-in staff member needs (see own info, change own password).
SELF_SERVICE: tuple[tuple[str, str], ...] = (
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
)
#: Permissions on the active user view (UserDBModelView, UserLDAPModelView …).
SELF_SERVICE_USER_VIEW: tuple[str, ...] = ("can_userinfo", "can_resetmypassword", "can_userinfoedit")


def _view_name(view) -> str:
    return getattr(view, "class_permission_name", None) or type(view).__name__


def declared_permissions(appbuilder) -> dict[str, set[tuple[str, str]]]:
    """(permission, view menu) pairs per duty role, from the views' declarations and the menu."""
    wanted: dict[str, set[tuple[str, str]]] = {name: set() for name in DUTY_ROLES}
    by_view: dict[int, dict[str, Iterable[str]]] = {}
    for view in appbuilder.baseviews:
        grants = getattr(view, "govkit_role_permissions", {}) or {}
        by_view[id(view)] = grants
        for role_name, permissions in grants.items():
            wanted.setdefault(role_name, set()).update((p, _view_name(view)) for p in permissions)
    user_view = _view_name(appbuilder.sm.user_view) if getattr(appbuilder.sm, "user_view", None) else None
    for pairs in wanted.values():
        pairs.update(SELF_SERVICE)
        if user_view:
            pairs.update((p, user_view) for p in SELF_SERVICE_USER_VIEW)
    for category, item in _menu_items(appbuilder.menu.get_list()):
        grants = by_view.get(id(item.baseview), {})
        for role_name, permissions in grants.items():
            if _opens(item.baseview, permissions):
                wanted[role_name].add(("menu_access", item.name))
                if category is not None:
                    wanted[role_name].add(("menu_access", category.name))
    return wanted


def _menu_items(items, category=None):
    for item in items:
        if item.childs:
            yield from _menu_items(item.childs, category=item)
        elif item.baseview is not None:
            yield category, item


def _opens(view, permissions: Iterable[str]) -> bool:
    """Whether these permissions let the role open the view the menu entry points to."""
    permissions = set(permissions)
    default = getattr(view, "default_view", None)
    if default:
        method = getattr(view, default, None)
        name = getattr(method, "_permission_name", default)
        name = (getattr(view, "method_permission_name", None) or {}).get(default, name)
        return f"can_{name}" in permissions
    return bool(permissions)


def sync_roles(appbuilder) -> None:
    """Create every duty role and give it exactly the permissions the views declared for it."""
    sm = appbuilder.sm
    cache: dict[tuple[str, str], object] = {}
    for role_name, pairs in declared_permissions(appbuilder).items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        target = []
        for permission, view_menu in sorted(pairs):
            key = (permission, view_menu)
            if key not in cache:
                cache[key] = sm.find_permission_view_menu(permission, view_menu) or sm.add_permission_view_menu(
                    permission, view_menu
                )
            if cache[key] is not None:
                target.append(cache[key])
        if {pv.id for pv in role.permissions} != {pv.id for pv in target}:
            role.permissions = target
    appbuilder.session.commit()

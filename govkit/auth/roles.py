"""Built-in roles, one per staff duty, and their permissions.

Views declare which duty roles may use them (``govkit_role_permissions``); ``sync_roles``
turns those declarations into FAB roles and permission rows. Re-running it is safe.
"""
from __future__ import annotations

import logging
from typing import Iterable

from govkit.hierarchy.models import Duty

log = logging.getLogger(__name__)

#: Role names: the duties plus the FAB admin role.
DUTY_ROLES: tuple[str, ...] = tuple(d.value for d in Duty)

READ = ("can_list", "can_show", "can_get", "can_info")
WRITE = READ + ("can_add", "can_edit", "can_post", "can_put")


def sync_roles(appbuilder) -> None:
    """Create every duty role and grant the permissions views declared for it."""
    sm = appbuilder.sm
    roles = {name: sm.add_role(name) for name in DUTY_ROLES}
    for view in appbuilder.baseviews:
        grants: dict[str, Iterable[str]] = getattr(view, "govkit_role_permissions", {}) or {}
        view_name = getattr(view, "class_permission_name", None) or type(view).__name__
        for role_name, permissions in grants.items():
            role = roles.get(role_name) or sm.add_role(role_name)
            for permission in permissions:
                pv = sm.find_permission_view_menu(permission, view_name)
                if pv is None:
                    pv = sm.add_permission_view_menu(permission, view_name)
                if pv is not None and pv not in role.permissions:
                    sm.add_permission_role(role, pv)
    appbuilder.session.commit()

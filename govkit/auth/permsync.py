"""FAB's permissions and menus in step with the app's views: written when the database lacks them, by one process.

Flask-AppBuilder writes the permission of every view and menu entry while an app starts
(``update_perms``), reloading the Admin role's permissions for each one: about 1.5 of the
2 seconds an app takes to start, in every gunicorn worker. And it reads "does this permission
exist?" before inserting it, so workers starting together raced on the same rows (hundreds of
unique-key errors in the log, each a rolled-back insert). govkit builds its apps with FAB's
update off; :func:`sync_permissions` then asks the database, in two queries, whether anything
FAB would write is missing, and only then runs FAB's own update — one process at a time
(:func:`one_sync_at_a_time`). The result is the same rows FAB's start-up leaves behind
(``tests/testing/test_permissions.py``).
"""
from __future__ import annotations

import fcntl
import logging
import os
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa

#: FAB's menu permission.
MENU_ACCESS = "menu_access"

log = logging.getLogger(__name__)


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


#: PostgreSQL advisory lock key of the permission update (any constant shared by all nodes).
PERMISSION_SYNC_LOCK = 0x676F766B6974  # "govkit"


@contextmanager
def one_sync_at_a_time(engine: sa.Engine) -> Iterator[None]:
    """Hold the lock of the permission update: PostgreSQL, a session advisory lock on a connection of its own
    (shared by every node, released if the process dies); SQLite, an ``flock`` on ``<database>-permsync``."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": PERMISSION_SYNC_LOCK})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": PERMISSION_SYNC_LOCK})
                conn.rollback()
        return
    path = url.database if url.get_backend_name() == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    with open(f"{path}-permsync", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def sync_permissions(appbuilder, engine: sa.Engine) -> bool:
    """What FAB's ``update_perms`` start-up does, only when the database is not in step, one process at a time;
    return whether it wrote. The others wait for the lock, then find everything there (two reads)."""
    in_step = permissions_in_step(appbuilder)
    appbuilder.session.rollback()  # end the read transaction: the check under the lock sees the latest rows
    if in_step:
        return False
    with one_sync_at_a_time(engine):
        try:
            wrote = ensure_permissions(appbuilder)
        finally:
            appbuilder.session.rollback()
    if wrote:
        log.info("已将视图与菜单的权限写入数据库（FAB 权限同步，进程 %s）。", os.getpid())
    return wrote

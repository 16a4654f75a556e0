"""govkit's security manager: FAB's SQLA manager plus built-in duty roles and LDAP via ldap3."""
from __future__ import annotations

import logging

from flask import current_app, redirect, session
from flask_appbuilder import expose
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import joinedload

from govkit.auth import security_screens as screens
from govkit.auth.cache import auth_cache, generation
from govkit.auth.accounts import AdminPasswordResetView, ChangeOwnPasswordView, LoginLockView
from govkit.auth.directory_login import auth_user
from govkit.auth.permissions import roles_allow, views_allowed
from govkit.auth.runtime_settings import RuntimeSettingsView
from govkit.auth.sessions import raise_epoch
from govkit.db import db
from govkit.state import get_state

log = logging.getLogger(__name__)


class GovkitAuthDBView(AuthDBView):
    """FAB's login screen; logout is a POST (CSRF-checked like every POST) that ends the session server-side."""

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """Log out: raise the user's session epoch, so a copy of this cookie (or a token) no longer works."""
        user = current_user if current_user.is_authenticated else None
        if user is not None:
            raise_epoch(db.session, user.id)
            db.session.commit()
        logout_user()
        session.clear()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(current_app.config.get("LOGOUT_REDIRECT_URL", self.appbuilder.get_url_for_index))


class GovkitSecurityManager(SecurityManager):
    """Security manager of every govkit app (set through ``FAB_SECURITY_MANAGER_CLASS``)."""

    # The user, role and permission screens in Chinese (govkit.auth.security_screens).
    userdbmodelview = screens.UserDBModelView
    rolemodelview = screens.RoleModelView
    groupmodelview = screens.UserGroupModelView
    permissionmodelview = screens.PermissionModelView
    viewmenumodelview = screens.ViewMenuModelView
    permissionviewmodelview = screens.PermissionViewModelView
    userstatschartview = screens.UserStatsChartView
    userinfoeditview = screens.UserInfoEditView
    authdbview = GovkitAuthDBView
    resetmypasswordview = ChangeOwnPasswordView
    resetpasswordview = AdminPasswordResetView

    def register_views(self):
        super().register_views()
        self.appbuilder.add_view(LoginLockView, "登录锁定", icon="fa-lock", category="Security")
        self.appbuilder.add_view(RuntimeSettingsView, "运行参数", icon="fa-sliders", category="Security")

    def auth_user_db(self, username, password):
        """Log in a local account or, failing that, a directory account (ldap3).

        Throttling, local accounts first, then the LDAP directories with user,
        role and division sync: see :mod:`govkit.auth.directory_login`.
        """
        return auth_user(self, username, password)

    # FAB's LDAP login view and the security API's "ldap" provider take the same path.
    auth_user_ldap = auth_user_db

    def get_user_by_id(self, pk):
        """The user with roles and groups in one statement (FAB's lazy loads cost two more on every page)."""
        return self.session.get(self.user_model, pk, options=self._with_roles_and_groups())

    def _with_roles_and_groups(self) -> list:
        return [joinedload(self.user_model.roles), joinedload(self.user_model.groups)]

    def load_user(self, pk):
        """The signed-in user of a request (flask-login's user loader), without a query while cached.

        Loading the user with roles and groups cost ~1 ms of a 8 ms list page (one statement and the ORM
        building three kinds of object). A worker keeps a detached copy per user, loaded through a session of
        its own, and merges it into the request's session without a query (``merge(load=False)``): the request
        gets a persistent user of its own to read, lazy-load and change, and the copy is never touched. The copy
        is dropped with the other auth caches — at once in this worker when a flush changes users, roles or
        permissions, in other nodes when they see that change (:mod:`govkit.web.shared`), and after
        ``AUTH_CACHE_SECONDS`` everywhere — as the actor and session-epoch caches are: a deactivated user's
        sessions end through the session epoch (:mod:`govkit.auth.sessions`). ``AUTH_CACHE_SECONDS = 0``
        loads the user on every request.
        """
        try:
            user_id = int(pk)
        except (TypeError, ValueError):
            return None
        users = auth_cache(get_state(current_app), "signed_in_users")
        cached = users.get(user_id)
        if cached is None:
            gen = generation()  # a change flushed while loading makes the copy stale at once
            with OrmSession(db.engine) as own:  # closing detaches the copy without expiring what it loaded
                cached = own.get(self.user_model, user_id, options=self._with_roles_and_groups())
            if cached is None:
                return None
            users.put(user_id, cached, gen=gen)
        if not cached.is_active:
            return None
        return self.session.merge(cached, load=False)

    # Permission checks from the cached role table (govkit.auth.permissions) instead of one EXISTS
    # query per menu entry and per template check; builtin (config-defined) roles keep FAB's path.
    def _db_role_names(self, roles) -> list[str] | None:
        names = [role.name for role in roles]
        return None if any(name in self.builtin_roles for name in names) else names

    def _has_view_access(self, user, permission_name, view_name):
        names = self._db_role_names(self.get_user_roles(user))
        if names is None:
            return super()._has_view_access(user, permission_name, view_name)
        return roles_allow(names, permission_name, view_name)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        names = self._db_role_names(self.get_user_roles(user))
        if names is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
        return views_allowed(names, permission_name, view_menus_name)

    def is_item_public(self, permission_name, view_name):
        if self.auth_role_public in self.builtin_roles:
            return super().is_item_public(permission_name, view_name)
        return roles_allow([self.auth_role_public], permission_name, view_name)


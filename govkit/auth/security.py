"""govkit's security manager: FAB's SQLA manager plus built-in duty roles and LDAP via ldap3."""
from __future__ import annotations

import logging

from flask_appbuilder.security.sqla.manager import SecurityManager

from govkit.auth import security_screens as screens
from govkit.auth.directory_login import auth_user

log = logging.getLogger(__name__)


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

    def auth_user_db(self, username, password):
        """Log in a local account or, failing that, a directory account (ldap3).

        Throttling, local accounts first, then the LDAP directories with user,
        role and division sync: see :mod:`govkit.auth.directory_login`.
        """
        return auth_user(self, username, password)

    # FAB's LDAP login view and the security API's "ldap" provider take the same path.
    auth_user_ldap = auth_user_db

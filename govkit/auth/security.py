"""govkit's security manager: FAB's SQLA manager plus built-in duty roles and LDAP via ldap3."""
from __future__ import annotations

import logging

from flask_appbuilder.security.sqla.manager import SecurityManager

log = logging.getLogger(__name__)


class GovkitSecurityManager(SecurityManager):
    """Security manager of every govkit app (set through ``FAB_SECURITY_MANAGER_CLASS``)."""

"""FAB permissions for test apps: the production check under its old name (:mod:`govkit.auth.permsync`)."""
from __future__ import annotations

from govkit.auth.permsync import MENU_ACCESS, ensure_permissions, permissions_in_step, required_permissions

__all__ = ["MENU_ACCESS", "ensure_permissions", "permissions_in_step", "required_permissions"]

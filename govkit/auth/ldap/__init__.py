"""Directory logins (目录登录) against LDAP directories, in three modules by concept.

* :mod:`~govkit.auth.ldap.config` — :class:`DirectoryConfig`, one directory's settings and their checks;
* :mod:`~govkit.auth.ldap.client` — :func:`authenticate`: binds and searches with ldap3, failing over
  between a directory's URLs;
* :mod:`~govkit.auth.ldap.mapping` — from the entry found to a :class:`DirectoryIdentity`: roles from
  groups, the home division, contact details.

``DirectoryConfig`` is imported eagerly; the client's and the mapping's names are loaded on first use
(module ``__getattr__``), so ``import govkit`` — which exports DirectoryConfig to plugins — does not
load ldap3.
"""
from __future__ import annotations

import importlib

from govkit.auth.ldap.config import DEFAULT_GROUP_FILTER, DEFAULT_USER_FILTER, DirectoryConfig

_LAZY = {
    "authenticate": "client", "clean_username": "client", "usable_password": "client",
    "MAX_USERNAME_LENGTH": "client",
    "DirectoryIdentity": "mapping", "normalize_dn": "mapping", "placeholder_email": "mapping",
}

__all__ = ["DirectoryConfig", "DEFAULT_USER_FILTER", "DEFAULT_GROUP_FILTER", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

"""Built-in plugin: the LDAP directories listed in the ``LDAP_DIRECTORIES`` setting.

Registered like a county's plugin, through ``register_auth_directories``; as a
built-in it runs first, so the directories of the setting are tried before
those of other plugins.
"""
from __future__ import annotations

from govkit.auth.ldap import DirectoryConfig
from govkit.errors import SettingsError
from govkit.plugins import hookimpl


@hookimpl
def register_auth_directories(settings):
    directories = []
    for number, table in enumerate(settings["LDAP_DIRECTORIES"] or (), start=1):
        try:
            directories.append(DirectoryConfig.from_mapping(table))
        except SettingsError as exc:
            exc.message = f"LDAP_DIRECTORIES 第 {number} 项：{exc.message}"
            raise
    return directories


@hookimpl
def startup(app, settings):
    # Build the directory list now: a wrong setting stops start-up, not the first login.
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.auth.directory_login import auth_directories

    auth_directories(app)

"""Directories from the LDAP_DIRECTORIES setting are loaded by the built-in plugin in a real app."""
import pytest

from govkit.auth.directory_login import auth_directories
from govkit.errors import SettingsError

DIRECTORY = {
    "name": "county",
    "urls": ["ldap://127.0.0.1:3899"],
    "mode": "direct",
    "user_dn_template": "uid={username},ou=people,dc=county,dc=example",
}


def test_setting_directories_are_used_by_the_app(make_app):
    app = make_app(LDAP_DIRECTORIES=[DIRECTORY])
    with app.app_context():
        names = [d.name for d in auth_directories(app)]
    assert names[0] == "county"


def test_invalid_directory_setting_stops_start_up(make_app):
    with pytest.raises(SettingsError) as excinfo:
        make_app(LDAP_DIRECTORIES=[dict(DIRECTORY, mode="guess")])
    assert "LDAP_DIRECTORIES" in str(excinfo.value)

"""Declared settings: defaults → file → environment → create_app(config)."""
from __future__ import annotations

import pytest

from govkit.errors import SettingsError
from govkit.settings import CORE_SETTINGS, Setting, resolve


def test_every_core_setting_is_declared_with_type_default_and_description():
    for setting in CORE_SETTINGS:
        assert setting.type in (str, int, float, bool, list, dict), setting.name
        assert setting.description.strip(), setting.name
        if setting.default is not None:
            assert isinstance(setting.default, setting.type), setting.name


def test_precedence_defaults_file_env_overrides(tmp_path):
    config = tmp_path / "govkit.toml"
    config.write_text('[govkit]\nSITE_NAME = "文件县"\nYELLOW_CARD_DAYS = 4\nUPLOAD_MAX_BYTES = 1000\n',
                      encoding="utf-8")
    s = resolve(CORE_SETTINGS, config_file=config, environ={"GOVKIT_YELLOW_CARD_DAYS": "3"},
                overrides={"UPLOAD_MAX_BYTES": 2000})
    assert s["SITE_NAME"] == "文件县" and s.sources["SITE_NAME"] == str(config)
    assert s["YELLOW_CARD_DAYS"] == 3 and s.sources["YELLOW_CARD_DAYS"] == "environment"
    assert s["UPLOAD_MAX_BYTES"] == 2000
    assert s["YELLOW_CARD_RATIO"] == 0.8 and s.sources["YELLOW_CARD_RATIO"] == "default"


def test_python_config_file(tmp_path):
    config = tmp_path / "config.py"
    config.write_text("PLUGINS = ['a', 'b']\nSESSION_COOKIE_SECURE = True\n", encoding="utf-8")
    s = resolve(CORE_SETTINGS, config_file=config, environ={})
    assert s["PLUGINS"] == ["a", "b"]
    assert s.extra["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("key,value", [
    ("YELLOW_CARD_DAYS", "三天"),
    ("YELLOW_CARD_RATIO", "eighty"),
    ("WTF_CSRF_ENABLED", "maybe"),
    ("DEFAULT_LOCALE", "fr"),
])
def test_invalid_env_value_names_the_key(key, value):
    with pytest.raises(SettingsError) as excinfo:
        resolve(CORE_SETTINGS, environ={f"GOVKIT_{key}": value})
    assert key in str(excinfo.value)
    assert excinfo.value.details["key"] == key


def test_invalid_value_stops_create_app(make_app):
    with pytest.raises(SettingsError) as excinfo:
        make_app(UPLOAD_MAX_BYTES="lots")
    assert "UPLOAD_MAX_BYTES" in str(excinfo.value)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError) as excinfo:
        resolve(CORE_SETTINGS, config_file=tmp_path / "nope.toml", environ={})
    assert "nope.toml" in str(excinfo.value)


def test_broken_toml_is_a_clear_error(tmp_path):
    config = tmp_path / "govkit.toml"
    config.write_text("[govkit\nSITE_NAME=", encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        resolve(CORE_SETTINGS, config_file=config, environ={})
    assert "TOML" in str(excinfo.value)


def test_list_and_bool_conversion_from_env():
    decl = [Setting("X_LIST", list, [], "x"), Setting("X_BOOL", bool, False, "x")]
    s = resolve(decl, environ={"GOVKIT_X_LIST": "a, b,c", "GOVKIT_X_BOOL": "yes"})
    assert s["X_LIST"] == ["a", "b", "c"] and s["X_BOOL"] is True


def test_unrelated_govkit_env_variables_are_ignored():
    s = resolve(CORE_SETTINGS, environ={"GOVKIT_REQUIRE_SERVICES": "1"})
    assert "REQUIRE_SERVICES" not in s.values and "REQUIRE_SERVICES" not in s.extra


def test_configuration_reference_is_generated_from_declarations():
    from pathlib import Path

    from govkit.cli.settings_cmd import settings_markdown
    from govkit.plugins import build_plugin_manager

    declared = build_plugin_manager(load_entrypoints=False).collect("register_settings")
    doc = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
    assert doc.read_text(encoding="utf-8") == settings_markdown(declared), (
        "docs/configuration.md is stale: run `govkit settings --markdown > docs/configuration.md`"
    )

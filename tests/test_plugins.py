"""Plugin loading: entry points, config modules, errors naming the plugin and the hook, the order hooks run in."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
import types

import click
import pytest

from govkit import Setting, hookimpl
from govkit.errors import PluginError
from govkit.plugins import build_plugin_manager


def _write_package(root, dist, module, body):
    (root / module).mkdir(parents=True)
    (root / module / "__init__.py").write_text(textwrap.dedent(body), encoding="utf-8")
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{dist}"
        version = "1.2.3"
        [project.entry-points.govkit]
        {module} = "{module}"
        [tool.setuptools]
        packages = ["{module}"]
    """), encoding="utf-8")


def _pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True)


@pytest.fixture
def installed_plugin(tmp_path):
    """A throwaway plugin distribution, pip-installed for the test and uninstalled after."""
    installed = []

    def install(dist, module, body):
        root = tmp_path / dist
        _write_package(root, dist, module, body)
        _pip("install", "--no-deps", "--no-build-isolation", str(root))
        installed.append(dist)
        return root

    yield install
    for dist in installed:
        _pip("uninstall", "-y", dist)


def test_entry_point_plugin_is_discovered_and_runs(installed_plugin, make_app):
    installed_plugin("govkit-throwaway", "govkit_throwaway", """
        from govkit import Setting, hookimpl

        @hookimpl
        def register_settings():
            return [Setting("THROWAWAY_GREETING", str, "你好", "A greeting.")]

        @hookimpl
        def startup(app, settings):
            app.config["THROWAWAY_STARTED"] = settings["THROWAWAY_GREETING"]
    """)
    app = make_app(load_entrypoints=True, THROWAWAY_GREETING="您好")
    state = app.extensions["govkit"]
    info = {p.name: p for p in state.pm.info()}
    assert info["govkit_throwaway"].version == "1.2.3"
    assert info["govkit_throwaway"].source == "entrypoint"
    assert info["govkit_throwaway"].hooks == ("register_settings", "startup")
    assert app.config["THROWAWAY_STARTED"] == "您好"


def test_broken_entry_point_plugin_names_itself(installed_plugin):
    installed_plugin("govkit-broken", "govkit_broken", """
        import this_module_does_not_exist
    """)
    with pytest.raises(PluginError) as excinfo:
        build_plugin_manager(load_entrypoints=True)
    assert "govkit_broken" in str(excinfo.value)
    assert "this_module_does_not_exist" in str(excinfo.value)
    # A deployment can block the broken plugin and start.
    pm = build_plugin_manager(load_entrypoints=True, disabled=["govkit_broken"])
    assert not pm.has_plugin("govkit_broken")
    assert "govkit_broken" not in {p.name for p in pm.info()}


def test_hook_exception_names_plugin_and_hook(make_app):
    plugin = types.SimpleNamespace()

    @hookimpl
    def startup(app, settings):
        raise KeyError("county_code")

    plugin.startup = startup
    with pytest.raises(PluginError) as excinfo:
        make_app(plugins=[("county-broken", plugin)])
    message = str(excinfo.value)
    assert "county-broken" in message and "startup" in message and "county_code" in message


def test_misspelt_hook_is_refused():
    plugin = types.SimpleNamespace()

    @hookimpl
    def register_setings():  # typo on purpose
        return []

    plugin.register_setings = register_setings
    with pytest.raises(PluginError) as excinfo:
        build_plugin_manager(load_entrypoints=False, extra_plugins=[("typo-plugin", plugin)])
    assert "typo-plugin" in str(excinfo.value)
    assert "register_setings" in str(excinfo.value)


def test_config_listed_module_is_loaded(make_app):
    app = make_app(PLUGINS=["tests.plugins.config_module_plugin"])
    pm = app.extensions["govkit"].pm
    assert pm.has_plugin("tests.plugins.config_module_plugin")
    assert pm.sources["tests.plugins.config_module_plugin"] == "config"
    assert app.config["CONFIG_MODULE_PLUGIN_SEEN"] is True


def test_config_module_that_fails_to_import_is_named():
    with pytest.raises(PluginError) as excinfo:
        build_plugin_manager(load_entrypoints=False, modules=["tests.plugins.no_such_plugin"])
    assert "tests.plugins.no_such_plugin" in str(excinfo.value)


def test_builtins_register_through_hooks():
    pm = build_plugin_manager(load_entrypoints=False)
    names = {p.name for p in pm.info() if p.source == "builtin"}
    assert {"govkit.builtins.settings", "govkit.builtins.commands", "govkit.builtins.print_templates"} <= names
    declared = {s.name for s in pm.collect("register_settings")}
    assert {"DATABASE_URL", "SECRET_KEY", "PLUGINS"} <= declared


def test_register_hooks_concatenate_in_load_order():
    first, second = types.SimpleNamespace(), types.SimpleNamespace()
    first.register_settings = hookimpl(lambda: [Setting("A_FIRST", str, "", "first")])
    second.register_settings = hookimpl(lambda: [Setting("B_SECOND", str, "", "second")])
    pm = build_plugin_manager(load_entrypoints=False, extra_plugins=[("one", first), ("two", second)])
    names = [s.name for s in pm.collect("register_settings")]
    assert names.index("A_FIRST") < names.index("B_SECOND")
    assert names.index("SECRET_KEY") < names.index("A_FIRST")


def _plugin_module(name, **hooks):
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


LOAD_ORDER = ["govkit.builtins.print_templates", "ordered-ep", "tests_ordered_config", "ordered-extra"]


@pytest.fixture
def ordered_pm(monkeypatch):
    """A manager with a print-template hook in a built-in, an entry point, a config module and a test plugin.

    The entry-point and config plugins are registered in the opposite order of their names and
    take different arguments: the entry point names ``settings``, the config module none.
    """
    settings = {"COUNTY": "621002"}
    ep_module = _plugin_module("tests_ordered_ep",
                               register_print_templates=lambda settings: [f"ep:{settings['COUNTY']}"])
    config_module = _plugin_module("tests_ordered_config", register_print_templates=lambda: ["config"])
    extra = _plugin_module("extra", register_print_templates=lambda settings: ["extra"])
    monkeypatch.setitem(sys.modules, "tests_ordered_ep", ep_module)
    monkeypatch.setitem(sys.modules, "tests_ordered_config", config_module)
    monkeypatch.setattr("govkit.plugins._entry_points",
                        lambda: [importlib.metadata.EntryPoint("ordered-ep", "tests_ordered_ep", "govkit")])
    pm = build_plugin_manager(modules=["tests_ordered_config"], extra_plugins=[("ordered-extra", extra)])
    return pm, settings


def test_ordered_call_runs_builtins_then_entry_points_then_config_modules(ordered_pm):
    pm, settings = ordered_pm
    assert [pm.sources[name] for name in LOAD_ORDER] == ["builtin", "entrypoint", "config", "test"]
    pairs = pm.results("register_print_templates", settings=settings)
    assert [plugin for plugin, _ in pairs if plugin in LOAD_ORDER] == LOAD_ORDER
    by_plugin = dict(pairs)
    # Each implementation got only what it names: the config module none, the entry point the settings.
    assert by_plugin["ordered-ep"] == ["ep:621002"] and by_plugin["tests_ordered_config"] == ["config"]
    assert by_plugin["govkit.builtins.print_templates"]  # the built-in takes no argument either
    items = pm.collect_by_plugin("register_print_templates", settings=settings)
    assert [item for plugin, item in items if plugin in LOAD_ORDER[1:]] == ["ep:621002", "config", "extra"]
    assert [c.plugin for c in pm.calls("register_print_templates", settings=settings)] == [p for p, _ in pairs]


def test_guard_pluggy_calls_the_other_way_round(ordered_pm):
    """The order check above can fail: pluggy's own call (and so a loop over its results) is last-loaded first."""
    pm, settings = ordered_pm
    mine = (["ep:621002"], ["config"], ["extra"])
    ours = [result for result in pm.hook.register_print_templates(settings=settings) if result in mine]
    assert ours == [["extra"], ["config"], ["ep:621002"]]


def test_ordered_call_honours_tryfirst_and_trylast():
    def plugin(name, **marks):
        module = types.ModuleType(name)
        module.register_settings = hookimpl(**marks)(lambda: [Setting(name.upper(), str, "", name)])
        return module

    pm = build_plugin_manager(load_entrypoints=False, extra_plugins=[
        ("late", plugin("late", trylast=True)), ("plain", plugin("plain")), ("early", plugin("early", tryfirst=True)),
        ("early2", plugin("early2", tryfirst=True))])
    names = [name for name, _ in pm.results("register_settings")]
    assert names[:2] == ["early", "early2"] and names[-2:] == ["plain", "late"]
    assert names.index("govkit.builtins.settings") < names.index("plain")


def test_firstresult_and_pluggy_called_hooks_ask_the_last_loaded_plugin_first():
    """docs/plugin_hooks.md, *Order*: item_application_form, register_commands & co. run last loaded first."""
    seen = []

    def plugin(name):
        module = types.ModuleType(name)
        module.item_application_form = hookimpl(lambda item_code: f"{name}-form" if item_code == "X" else None)
        module.register_commands = hookimpl(lambda cli: seen.append(name))
        return module

    pm = build_plugin_manager(load_entrypoints=False, extra_plugins=[("package", plugin("package")),
                                                                     ("local", plugin("local"))])
    assert pm.hook.item_application_form(item_code="X", implementation=None) == "local-form"
    pm.hook.register_commands(cli=click.Group("govkit"))
    assert seen == ["local", "package"]


def test_ordered_call_refuses_arguments_the_hook_does_not_have(ordered_pm):
    pm, settings = ordered_pm
    with pytest.raises(TypeError, match="settings"):
        pm.results("register_print_templates")
    with pytest.raises(TypeError, match="setings"):
        pm.results("register_print_templates", settings=settings, setings=settings)
    with pytest.raises(TypeError, match="register_print_template"):
        pm.results("register_print_template", settings=settings)


def test_ordered_call_refuses_a_wrapper_naming_the_plugin():
    def around():
        return (yield)

    plugin = types.ModuleType("wrapping")
    plugin.register_settings = hookimpl(wrapper=True)(around)
    pm = build_plugin_manager(load_entrypoints=False, extra_plugins=[("wrapping", plugin)])
    with pytest.raises(PluginError, match="wrapping.*wrapper") as excinfo:
        pm.collect("register_settings")
    assert excinfo.value.details == {"plugin": "wrapping", "hook": "register_settings"}


def test_admin_page_lists_plugins(app, client, login_as):
    login_as("Admin", "621002000000")
    response = client.get("/admin/plugins/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "govkit.builtins.settings" in html and "register_settings" in html


def test_admin_page_refused_to_village_clerk(app, client, login_as):
    login_as("代办员", "621002100201")
    response = client.get("/admin/plugins/")
    assert response.status_code in (302, 403)
    assert "govkit.builtins.settings" not in response.get_data(as_text=True)

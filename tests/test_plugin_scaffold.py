"""`govkit plugin new` scaffolds a plugin package that pip installs and govkit loads."""
from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import subprocess
import sys
import uuid

import pytest
from click.testing import CliRunner

from govkit.app import get_state, load_settings
from govkit.cli import build_cli
from govkit.cli.plugin_new import FILES, plugin_names, scaffold_plugin


def _pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)


def test_plugin_names():
    names = plugin_names("Govkit-Water.Bills", "代缴水费")
    assert (names.distribution, names.package, names.title) == ("govkit-water-bills", "govkit_water_bills", "代缴水费")
    for bad in ("", "1abc", "has space", "import", "govkit", "水费"):
        with pytest.raises(ValueError):
            plugin_names(bad)


def test_scaffold_writes_every_file_and_refuses_to_overwrite(tmp_path):
    target = scaffold_plugin("county-extras", tmp_path, title="本县特色")
    written = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert written == sorted(dest.format(package="county_extras") for _, dest in FILES)
    pyproject = (target / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.govkit]\ncounty_extras = "county_extras.plugin"' in pyproject
    plugin_source = (target / "county_extras" / "plugin.py").read_text(encoding="utf-8")
    for hook in ("register_service_items", "item_application_form", "register_print_templates",
                 "case_event_committed", "register_calendar_overrides", "register_views", "register_commands"):
        assert f"def {hook}(" in plugin_source, hook
    for path in target.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")  # valid Python after substitution
    with pytest.raises(FileExistsError):
        scaffold_plugin("county-extras", tmp_path)


def test_command_line(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVKIT_CONFIG", raising=False)
    cli = build_cli()
    result = CliRunner().invoke(cli, ["plugin", "new", "demo-thing", "--dir", str(tmp_path), "--title", "示例"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo-thing" / "demo_thing" / "plugin.py").exists()
    again = CliRunner().invoke(cli, ["plugin", "new", "demo-thing", "--dir", str(tmp_path)])
    assert again.exit_code != 0 and "已存在" in again.output
    bad = CliRunner().invoke(cli, ["plugin", "new", "9lives", "--dir", str(tmp_path)])
    assert bad.exit_code != 0 and "无效" in bad.output


@pytest.fixture
def installed_plugin(tmp_path):
    """A freshly scaffolded plugin pip-installed into this venv; uninstalled afterwards."""
    name = f"gkscaffold-{uuid.uuid4().hex[:8]}"
    target = scaffold_plugin(name, tmp_path, title="脚手架测试")
    names = plugin_names(name)
    result = _pip("install", "--no-deps", "--no-build-isolation", "--quiet", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    importlib.invalidate_caches()
    try:
        yield names, target
    finally:
        _pip("uninstall", "--yes", "--quiet", names.distribution)
        for module in [m for m in sys.modules if m == names.package or m.startswith(names.package + ".")]:
            del sys.modules[module]
        importlib.invalidate_caches()


@pytest.mark.slow
def test_installed_plugin_is_loaded_through_its_entry_point(installed_plugin, make_app):
    names, target = installed_plugin
    assert names.package in {ep.name for ep in importlib.metadata.entry_points(group="govkit")}
    app = make_app(load_entrypoints=True)
    state = get_state(app)
    info = {i.name: i for i in state.pm.info()}
    assert names.package in info
    assert info[names.package].source == "entrypoint"
    assert info[names.package].version == "0.1.0"
    assert {"register_service_items", "item_application_form", "register_print_templates", "case_event_committed",
            "register_calendar_overrides", "register_views", "register_commands"} <= set(info[names.package].hooks)
    # Its hooks work inside the app: the item, its form, its screen.
    items = state.pm.collect("register_service_items", settings=state.settings)
    item = next(i for i in items if i.name == "脚手架测试示例事项")
    form_class = state.pm.hook.item_application_form(item_code=item.basic_code, implementation=None)
    assert form_class is not None and "household_size" in form_class().data
    assert any(rule.rule == f"/{names.package}/" for rule in app.url_map.iter_rules())
    # A deployment can disable an installed plugin by its entry point name.
    _, pm = load_settings(dict(DISABLED_PLUGINS=[names.package]), load_entrypoints=True)
    assert pm.get_plugin(names.package) is None
    assert pm.get_plugin("govkit.builtins.catalog") is not None


@pytest.mark.slow
def test_scaffolded_plugin_tests_pass(installed_plugin, tmp_path):
    """The tests the scaffold writes pass against this govkit (run as a plugin author would)."""
    names, target = installed_plugin
    env = dict(os.environ, GOVKIT_TEST_DB="sqlite")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target / "tests")],
                            cwd=target, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^6 passed", result.stdout, re.M) and "failed" not in result.stdout  # the sync test ran too

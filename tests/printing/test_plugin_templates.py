"""A county plugin replaces the 受理通知书 and adds a template, through the real hook."""
from __future__ import annotations

import pytest

import govkit.builtins.print_templates as builtin_print_templates
from govkit import hookimpl
from govkit.errors import PluginError
from govkit.plugins import build_plugin_manager
from govkit.printing import PrintTemplate, builtin_templates
from govkit.printing.registry import registry_from_plugins
from tests.plugins import county_print_plugin


class _BuiltinStandIn:
    """Stands in for govkit.builtins.print_templates until that module implements the hook."""

    @staticmethod
    @hookimpl
    def register_print_templates():
        return builtin_templates()


def _plugin_manager(*plugins):
    extra = []
    if not hasattr(builtin_print_templates, "register_print_templates"):
        extra.append(("govkit-builtins-stand-in", _BuiltinStandIn))
    return build_plugin_manager(load_entrypoints=False, extra_plugins=extra + list(plugins))


@pytest.fixture
def plugin_registry():
    return registry_from_plugins(_plugin_manager(("county_print", county_print_plugin)))


def _flat(text: str) -> str:
    return "".join(text.split())


def test_plugin_replaces_acceptance_notice(plugin_registry, case_notice, poppler):
    active = plugin_registry.get("acceptance_notice")
    assert active.source == "county_print"
    assert active.title == "受理通知书（示范县版）"
    assert len(plugin_registry.replaced["acceptance_notice"]) == 1  # the built-in
    assert plugin_registry.history("acceptance_notice")[0].render is builtin_templates()[0].render
    text = _flat(poppler.text(plugin_registry.render("acceptance_notice", case_notice)))
    assert "示范县政务服务，一次办好" in text and case_notice.case_number in text


def test_plugin_adds_a_template(plugin_registry, case_notice, poppler):
    slip = plugin_registry.get("home_visit_slip", item_code=case_notice.item_code)
    assert slip.source == "county_print" and slip.applies_to == frozenset({"000105001000"})
    text = _flat(poppler.text(plugin_registry.render("home_visit_slip", case_notice)))
    assert "上门服务登记单" in text and "王秀兰" in text
    names = {t.name for t in plugin_registry.for_subject("case", item_code=case_notice.item_code)}
    assert {"acceptance_notice", "refusal_notice", "home_visit_slip"} <= names
    assert "home_visit_slip" not in {t.name for t in plugin_registry.for_subject("case", item_code="999")}


def test_builtins_stay_active_where_not_replaced(plugin_registry):
    active = {t.name: t for t in plugin_registry.active()}
    assert set(active) >= {t.name for t in builtin_templates()} | {"home_visit_slip"}
    assert active["refusal_notice"].title == "不予受理通知书"
    assert "refusal_notice" not in plugin_registry.replaced


def test_broken_plugin_template_is_named():
    class Broken:
        @staticmethod
        @hookimpl
        def register_print_templates():
            return [PrintTemplate(name="acceptance_notice", title="坏模板", subject="case",
                                  render=lambda ctx: 1 / 0)]

    registry = registry_from_plugins(_plugin_manager(("broken_county", Broken)))
    with pytest.raises(PluginError) as info:
        registry.render("acceptance_notice", object())
    assert "broken_county" in str(info.value) and "ZeroDivisionError" in str(info.value)

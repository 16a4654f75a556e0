"""TemplateRegistry: replace by name, remember what was replaced, item scoping, errors."""
from __future__ import annotations

import pytest

from govkit.errors import PluginError
from govkit.printing import PrintTemplate, TemplateNotFound, TemplateRegistry


def _pdf(label: str):
    return lambda ctx: b"%PDF-1.4 " + label.encode()


def _template(name="acceptance_notice", label="builtin", **kw):
    kw.setdefault("title", "受理通知书")
    kw.setdefault("subject", "case")
    return PrintTemplate(name=name, render=_pdf(label), **kw)


@pytest.fixture
def reg():
    r = TemplateRegistry()
    r.register(_template(), source="govkit")
    r.register(_template("refusal_notice", title="不予受理通知书"), source="govkit")
    r.register(_template("service_guide", title="办事指南", subject="implementation"), source="govkit")
    return r


def test_later_registration_replaces_and_is_remembered(reg):
    county = reg.register(_template(label="county", title="受理通知书（县版）"), source="county_a")
    assert reg.get("acceptance_notice") is county
    assert reg.render("acceptance_notice", object()) == b"%PDF-1.4 county"
    assert reg.replaced == {"acceptance_notice": ["govkit"]}
    assert [t.source for t in reg.history("acceptance_notice")] == ["govkit", "county_a"]
    reg.register(_template(label="county_b"), source="county_b")
    assert reg.replaced["acceptance_notice"] == ["govkit", "county_a"]
    assert [t.name for t in reg.active()] == ["acceptance_notice", "refusal_notice", "service_guide"]
    assert reg.get("acceptance_notice").source == "county_b"
    assert len(reg) == 3 and "refusal_notice" in reg


def test_item_scoped_replacement_keeps_builtin_for_other_items(reg):
    reg.register(_template(label="dibao", applies_to={"000105001000"}), source="county_a")
    assert reg.get("acceptance_notice", item_code="000105001000").source == "county_a"
    assert reg.get("acceptance_notice", item_code="000201002000").source == "govkit"
    assert reg.get("acceptance_notice").source == "county_a"  # newest is the active one


def test_render_picks_template_by_context_item_code(reg):
    class Ctx:
        item_code = "X1"

    reg.register(_template(label="x1", applies_to="X1"), source="county_a")
    assert reg.render("acceptance_notice", Ctx()) == b"%PDF-1.4 x1"


def test_for_subject(reg):
    reg.register(_template("home_visit_slip", title="上门服务登记单", applies_to={"A"}), source="county_a")
    assert [t.name for t in reg.for_subject("case")] == ["acceptance_notice", "home_visit_slip", "refusal_notice"]
    assert [t.name for t in reg.for_subject("case", item_code="B")] == ["acceptance_notice", "refusal_notice"]
    assert [t.name for t in reg.for_subject("implementation")] == ["service_guide"]


def test_unknown_name_and_inapplicable_item(reg):
    with pytest.raises(TemplateNotFound, match="nope"):
        reg.get("nope")
    r = TemplateRegistry()
    r.register(_template(applies_to={"A"}), source="county_a")
    with pytest.raises(TemplateNotFound):
        r.get("acceptance_notice", item_code="B")


@pytest.mark.parametrize("bad", [
    dict(name="", title="x", subject="case", render=_pdf("x")),
    dict(name="has space", title="x", subject="case", render=_pdf("x")),
    dict(name="ok", title="x", subject="letter", render=_pdf("x")),
    dict(name="ok", title="x", subject="case", render="not callable"),
])
def test_invalid_template_names_the_plugin(bad):
    with pytest.raises(PluginError, match="county_z"):
        TemplateRegistry().register(PrintTemplate(**bad), source="county_z")


def test_registering_something_else_is_a_plugin_error():
    with pytest.raises(PluginError, match="county_z"):
        TemplateRegistry().register({"name": "x"}, source="county_z")


def test_render_must_return_pdf(reg):
    reg.register(PrintTemplate(name="acceptance_notice", title="t", subject="case", render=lambda ctx: "not a pdf"),
                 source="county_q")
    with pytest.raises(PluginError, match="county_q"):
        reg.render("acceptance_notice", object())

"""Hostile or broken text prints as text, never as markup, and never breaks the PDF."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from govkit.printing import engine
from govkit.printing.fonts import MISSING_GLYPH, printable

SCRIPT = "<script>alert(1)</script>"
MARKUP = '<font size="80" color="red">大</font><b>粗</b>&amp;<para>&#0;'
LONG_NAME = ("阿卜杜热合曼·买买提" * 50)[:500]
ODD = "王\U00020000\U0002B81D明\x00\x07\x1b😀 end"  # Ext-B characters, controls, emoji


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("name", [SCRIPT, MARKUP, LONG_NAME, ODD], ids=["script", "markup", "500-chars", "astral"])
@pytest.mark.parametrize("template", ["acceptance_notice", "refusal_notice", "supplement_notice", "delivery_receipt"])
def test_hostile_applicant_name_prints(registry, case_notice, poppler, name, template):
    ctx = case_notice.replace(applicant_name=name, refusal_reason=name, contact_person=name,
                              materials_received=[(name, "原件", 1)] * 3,
                              missing_materials=[(name, name)])
    pdf = registry.render(template, ctx)
    text = _flat(poppler.text(pdf))  # raises unless pdftotext exits 0
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1
    assert ctx.case_number in text
    if name is SCRIPT:
        assert "<script>alert(1)</script>" in text  # printed literally, not interpreted
    if name is MARKUP:
        assert "<fontsize=" in text and "&amp;" in text
    if name is LONG_NAME and template != "delivery_receipt":
        assert _flat(LONG_NAME)[:200] in text  # the whole name wraps onto the notice (· survives extraction)
    if name is ODD:
        assert "王" in text and "end" in text  # text after the odd characters is not garbled


def test_hostile_rows_in_register_and_transfer_list(registry, register_range, transfer_batch, poppler):
    rows = [r._replace(applicant_name=LONG_NAME, item_name=SCRIPT, note=MARKUP) for r in register_range.rows[:30]]
    pdf = registry.render("intake_register", register_range.replace(rows=rows))
    text = _flat(poppler.text(pdf))
    assert "<script>alert(1)</script>" in text
    cases = [c._replace(applicant_name=LONG_NAME, materials=[(SCRIPT, "原件", 1)] * 40) for c in transfer_batch.cases]
    pdf = registry.render("transfer_list", transfer_batch.replace(cases=cases))
    assert "纸质资料交接单" in _flat(poppler.text(pdf))


def test_hostile_service_guide(registry, service_guide, poppler):
    guide = service_guide.replace(item_name=SCRIPT, conditions=[LONG_NAME, MARKUP], place=ODD)
    text = _flat(poppler.text(registry.render("service_guide", guide)))
    assert "<script>alert(1)</script>办事指南" in text


def test_escape_helpers():
    assert engine.esc("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert engine.esc("一\n二") == "一<br/>二"
    assert engine.markup("<b>{}</b>", "<i>x</i>") == "<b>&lt;i&gt;x&lt;/i&gt;</b>"
    assert printable("a\U00020000b\x00c") == f"a{MISSING_GLYPH}bc"
    assert printable(None) == ""

"""Each document prints every element its row in docs/printing.md's requirements table lists.

The table (行政许可法 §32, §38, §42, §44, §45; 行政复议法; 行政诉讼法 §46) is the contract:
this test reads it, renders each document from a context where every field has a
distinctive value, and checks the text ``pdftotext`` reads back.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from govkit.printing.context import CaseNotice

DOC = Path(__file__).resolve().parents[2] / "docs" / "printing.md"
_TABLE = re.compile(r"<!-- requirements-table -->\n(.*?)<!-- /requirements-table -->", re.S)


def requirement_rows(markdown: str) -> dict[str, list[str]]:
    """Template name → the elements its rows list: ``field`` names and 「literal」 texts."""
    match = _TABLE.search(markdown)
    assert match, "docs/printing.md has no requirements table"
    rows: dict[str, list[str]] = {}
    for line in match.group(1).splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        rows.setdefault(name, []).extend(re.findall(r"`(\w+)`|「([^」]+)」", cells[3]))
    return {name: [field or "「" + literal for field, literal in found] for name, found in rows.items()}


def _flat(text: str) -> str:
    return "".join(text.split())


def printed_forms(ctx: CaseNotice, element: str) -> list[str]:
    """What a field looks like on paper (flattened): dates in Chinese, day counts as 个工作日."""
    if element.startswith("「"):
        return [_flat(element[1:])]
    value = getattr(ctx, element)
    if isinstance(value, date):
        return [f"{value.year}年{value.month}月{value.day}日"]
    if isinstance(value, int) and not isinstance(value, bool):
        return [f"{value}个工作日"]
    if isinstance(value, tuple):
        return [_flat(row.name) for row in value]
    assert value, f"the test context leaves {element} empty"
    return [_flat(str(value))]


def missing_elements(text: str, ctx: CaseNotice, elements: list[str]) -> list[str]:
    """The elements whose printed form is not in ``text`` (pdftotext output)."""
    flat = _flat(text)
    return [element for element in elements if not all(form in flat for form in printed_forms(ctx, element))]


@pytest.fixture
def full_context(case_notice) -> CaseNotice:
    """The shared notice with every field the decision documents use filled in."""
    return case_notice.replace(
        item_type="行政确认", decision="予以确认", decision_title="予以确认决定书",
        decision_reason="家庭人均收入低于当地最低生活保障标准且财产状况符合规定", decision_date=date(2026, 3, 18),
        received_on_behalf="曙光镇红光村便民服务站代收", supplement_days=15,
        extension_days=10, extension_reason="需入户核查家庭财产状况", extension_approved_by="赵建国",
        previous_due_date=date(2026, 3, 24), due_date=date(2026, 4, 8),
        special_procedure="专家评审", special_procedure_days=5, special_procedure_until=date(2026, 3, 27),
    )


ROWS = requirement_rows(DOC.read_text(encoding="utf-8"))


def test_table_covers_every_case_document():
    assert set(ROWS) == {"acceptance_notice", "refusal_notice", "supplement_notice", "decision_grant",
                         "decision_deny", "extension_notice", "special_procedure_notice", "delivery_receipt"}
    assert all(ROWS.values())


@pytest.mark.parametrize("name", sorted(ROWS))
def test_document_prints_every_element_of_its_rows(name, registry, full_context, poppler):
    text = poppler.text(registry.render(name, full_context))
    assert missing_elements(text, full_context, ROWS[name]) == []


def test_checker_reports_an_element_the_document_does_not_print(registry, full_context, poppler):
    """The guard can fail: the 不予受理通知书 prints no 补正 deadline nor extension approver."""
    text = poppler.text(registry.render("refusal_notice", full_context))
    elements = ROWS["refusal_notice"] + ["extension_approved_by", "「视为撤回」"]
    assert missing_elements(text, full_context, elements) == ["extension_approved_by", "「视为撤回」"]


def test_table_parser_reads_fields_and_literals():
    sample = ("<!-- requirements-table -->\n| document | requirement | law | elements |\n| --- | --- | --- | --- |\n"
              "| `x_notice` | r | l | `court`, 「六十日内」 |\n<!-- /requirements-table -->")
    assert requirement_rows(sample) == {"x_notice": ["court", "「六十日内"]}

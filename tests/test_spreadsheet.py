"""The one rule every CSV/XLSX export writes its cells with (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io

import pytest

from govkit.spreadsheet import csv_row, csv_writer, neutralise, restore, xlsx_row

DANGEROUS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx=1", "\rx"]
TRICKY = ["'=x", "''=x", "'abc", "a=b", "", "普通文字", "'"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_starting_with_a_trigger_is_neutralised(text):
    cell = next(csv.reader(io.StringIO(csv_row([text, "ok"]), newline="")))[0]
    assert cell == "'" + text and restore(cell) == text


@pytest.mark.parametrize("text", DANGEROUS + TRICKY)
def test_restore_inverts_neutralise_for_every_text(text):
    assert restore(neutralise(text)) == text


def test_plain_values_are_written_as_they_are():
    assert csv_row(["a=b", None, 3, -4, "'x"]) == "a=b,,3,-4,'x\r\n"
    out = io.StringIO()
    csv_writer(out, lineterminator="\n").writerows([["=1", "b"], ["@c", "d"]])
    assert out.getvalue() == "'=1,b\n'@c,d\n"


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    sheet = book.active
    sheet.append(xlsx_row(sheet, ["=cmd|x", 12, None, "+1"]))
    sheet.append(["=1+1"])  # what openpyxl does with a plain value: a formula (the guard below)
    book.save(tmp_path / "t.xlsx")
    cells = load_workbook(tmp_path / "t.xlsx").active
    assert [(c.value, c.data_type) for c in cells[1]] == [("=cmd|x", "s"), ("12", "s"), (None, "n"), ("+1", "s")]
    assert cells["A1"].quotePrefix and cells["D1"].quotePrefix
    assert cells["A2"].data_type == "f"

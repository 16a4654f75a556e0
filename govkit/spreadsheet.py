"""Exported cells that are safe to open in Excel, WPS or LibreOffice (CSV/formula injection).

A spreadsheet program reads a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula — ``=HYPERLINK(…)`` or ``=cmd|…`` typed into a public complaint would
run on the desk of whoever opens the export. Every govkit export writes its cells through this
module (the OWASP "CSV Injection" rule):

* CSV: :func:`csv_row` / :func:`csv_writer` put one apostrophe in front of such a text (and in front
  of a text that already starts with apostrophes followed by one of them), so the program shows the
  text instead of evaluating it; :func:`restore` takes that apostrophe off again, so an import of a
  govkit export gives back exactly the original text (export → import → export is stable).
* XLSX: :func:`xlsx_row` writes every value as a text cell marked ``quotePrefix`` (what Excel itself
  does for ``'=…``), never as a formula; the cell's value is the original text, so nothing needs
  restoring on import.

Plain Python, no govkit imports.
"""
from __future__ import annotations

import csv
import io
import re
from typing import IO, Any, Iterable

#: First characters a spreadsheet program may evaluate (OWASP: = + - @ TAB CR).
TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a CSV cell: a text starting with a trigger gets a leading ``'``."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def restore(text: Any) -> Any:
    """The inverse of :func:`neutralise`, for importing a govkit CSV export."""
    if isinstance(text, str) and _QUOTED.match(text):
        return text[1:]
    return text


def csv_row(values: Iterable[Any]) -> str:
    """One CSV record as text (None as an empty cell), every cell neutralised; for streamed exports."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else neutralise(v) for v in values])
    return buffer.getvalue()


class _SafeWriter:
    """A ``csv.writer`` whose rows are neutralised."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(v) for v in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> _SafeWriter:
    """Like ``csv.writer(out, **options)``, with every cell neutralised."""
    return _SafeWriter(out, **options)


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """openpyxl cells for ``sheet.append``: every value as a text cell (None stays empty), never a formula."""
    from openpyxl.cell import Cell  # deferred: openpyxl is slow to import and only xlsx needs it

    cells = []
    for value in values:
        cell = Cell(sheet)
        if value is not None:
            # Assigning .value would turn "=…" into a formula cell; set the text type directly.
            cell._value, cell.data_type = str(value), "s"
            if _NEEDS_QUOTE.match(cell._value):
                cell.quotePrefix = True
        cells.append(cell)
    return cells

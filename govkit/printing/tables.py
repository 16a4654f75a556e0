"""Ruled tables of a notice (表格): label/value grids and numbered lists.

Built on reportlab's ``Table``; cells that fit on one line are plain strings
drawn directly, longer ones wrap as plain-text paragraphs, and every row is
clipped to what fits on one page.  Templates use these through
:mod:`govkit.printing.engine`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle
from reportlab.platypus.tables import CellStyle

from govkit.printing.fonts import draw_string, printable, register_fonts
from govkit.printing.text import BODY_SIZE, CONTENT_WIDTH, _Gap, _plain, styles

def signature_cell(height_mm: float = 14, dated: bool = True) -> list:
    """A blank table cell for a handwritten signature, with ``年 月 日`` under it."""
    cell: list = [_Gap(1, height_mm * mm)]
    if dated:
        # no-break spaces: Paragraph collapses ordinary runs of spaces
        cell.append(_plain("年\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0月\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0日", "right"))
    return cell


_CELL_PADDING = 12  # reportlab's default LEFTPADDING + RIGHTPADDING


def _cell(value: object, style: str = "cell", width: float | None = None):
    """A table cell: flowables as they are; text that fits on one line as a
    plain string (drawn directly, no markup parsing: ~10x cheaper than a
    Paragraph); anything longer as a wrapping Paragraph."""
    if isinstance(value, (Flowable, list)):
        return value
    text = printable(value)
    if width is not None and "\n" not in text and "\u00a0" not in text:
        st = styles()[style]
        if stringWidth(text, st.fontName, st.fontSize) <= width - _CELL_PADDING - 0.5:
            return text
    return _plain(text, style)


def layout_font() -> tuple:
    """TableStyle command giving a layout-only table the notice font.

    Without it reportlab sets Helvetica on every cell it draws, which pulls a
    second font into each PDF (and its encoding work) for nothing.
    """
    return ("FONT", (0, 0), (-1, -1), register_fonts(), BODY_SIZE)


# A table row cannot break across pages, so cell text is clipped to a length
# that always fits one (hostile or broken data; the full text stays in the system).
_KV_MAX_CHARS = 1000


def _clip(value: object, limit: int):
    if isinstance(value, (Flowable, list)):
        return value
    s = printable(value)
    return s[:limit] + "…" if limit and len(s) > limit else s


class _Table(Table):
    """reportlab's Table, drawing one-line string cells through :func:`draw_string`.

    Same position and operators as ``Table._drawCell`` (which builds a text
    object per cell); anything else — flowables, multi-line strings, links —
    is left to reportlab.
    """

    _measured_rows = False

    def setStyle(self, tblstyle):  # noqa: N802 (reportlab API)
        super().setStyle(tblstyle)
        if self._measured_rows:
            # Styled again after :func:`_table` (a plugin changing fonts or
            # padding): let reportlab measure the rows itself.
            self._argH = self._rowHeights = [None] * self._nrows
            self._measured_rows = False

    def _drawCell(self, cellval, cellstyle, pos, size):  # noqa: N802 (reportlab API)
        if (type(cellval) is not str or "\n" in cellval or cellstyle.href or cellstyle.destination
                or cellstyle.direction or cellstyle.shaping or cellstyle.valign not in ("MIDDLE", "TOP", "BOTTOM")
                or cellstyle.alignment not in ("LEFT", "CENTRE", "CENTER", "RIGHT")):
            self._curcellstyle = None  # reportlab must set font and colour itself
            return super()._drawCell(cellval, cellstyle, pos, size)
        canv = self.canv
        if self._curcellstyle is not cellstyle:
            cur = self._curcellstyle
            if cur is None or cellstyle.color != cur.color:
                canv.setFillColor(cellstyle.color)
            self._curcellstyle = cellstyle
        colpos, rowpos = pos
        colwidth, rowheight = size
        fontsize, leading = cellstyle.fontsize, cellstyle.leading
        if cellstyle.valign == "MIDDLE":
            y = rowpos + (cellstyle.bottomPadding + rowheight - cellstyle.topPadding + leading) / 2.0 - fontsize
        elif cellstyle.valign == "TOP":
            y = rowpos + rowheight - cellstyle.topPadding - fontsize
        else:
            y = rowpos + cellstyle.bottomPadding + leading - fontsize
        just = cellstyle.alignment
        if just == "LEFT":
            x = colpos + cellstyle.leftPadding
        else:
            width = stringWidth(cellval, cellstyle.fontname, fontsize)
            if just == "RIGHT":
                x = colpos + colwidth - cellstyle.rightPadding - width
            else:
                x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding) * 0.5 - 0.5 * width
        draw_string(canv, x, y, cellval, cellstyle.fontname, fontsize, leading)


# reportlab's default cell padding (6 left/right, 3 top/bottom) and colours are kept.
_PADDING_V = 3 + 3
_LABEL_BG = colors.HexColor("#f2f2f2")
_HEAD_BG = colors.HexColor("#e6e6e6")


def _table(rows: list[list], widths: list[float], style_of, commands: list, repeat_rows: int = 0) -> "_Table":
    """A :class:`_Table` whose cells are set like their paragraph styles.

    ``style_of(row, col)`` names the paragraph style and alignment of a cell.
    Cell styles are built directly (what FONT/ALIGN/VALIGN commands would set,
    without reportlab's pass over the cells per command) and the height of a
    row of one-line strings is given (what reportlab would measure); only
    lines, backgrounds and spans go through ``setStyle``.
    """
    all_styles = styles()
    cell_styles, heights = [], []
    for i, row in enumerate(rows):
        line, height = [], 0.0
        for j, value in enumerate(row):
            name, align = style_of(i, j)
            st = all_styles[name]
            cs = CellStyle(repr((i, j)))
            cs.fontname, cs.fontsize, cs.leading = st.fontName, st.fontSize, st.leading
            cs.alignment, cs.valign = align, "MIDDLE"
            line.append(cs)
            if height is not None:
                height = max(height, st.leading + _PADDING_V) if type(value) is str and "\n" not in value else None
        cell_styles.append(line)
        heights.append(height)
    t = _Table(rows, colWidths=widths, rowHeights=heights, repeatRows=repeat_rows, cellStyles=cell_styles)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)] + commands))
    t._measured_rows = True
    return t


def kv_table(pairs: Iterable[tuple], label_width: float = 30 * mm, width: float = CONTENT_WIDTH,
             columns: int = 1) -> Table:
    """A label/value grid (办件信息).

    With ``columns=2`` two pairs share a row; a pair given as
    ``(label, value, True)`` takes a whole row (long values such as the item).
    """
    label_cols = (0,) if columns == 1 else (0, 2)

    def style_of(i: int, j: int) -> tuple[str, str]:
        return ("cell_center", "CENTER") if j in label_cols else ("cell", "LEFT")

    if columns == 1:
        value_width = width - label_width
        rows = [[_cell(p[0], "cell_center", label_width), _cell(_clip(p[1], _KV_MAX_CHARS), "cell", value_width)]
                for p in pairs]
        return _table(rows, [label_width, value_width], style_of, [("BACKGROUND", (0, 0), (0, -1), _LABEL_BG)])
    value_width = (width - 2 * label_width) / 2
    wide_width = width - label_width
    rows, spans, pending = [], [], []
    for pair in pairs:
        wide = len(pair) > 2 and pair[2]
        if wide:
            if pending:
                rows.append(pending + ["", ""])
                pending = []
            spans.append(("SPAN", (1, len(rows)), (3, len(rows))))
            spans.append(("BACKGROUND", (1, len(rows)), (3, len(rows)), colors.white))
            rows.append([_cell(pair[0], "cell_center", label_width),
                         _cell(_clip(pair[1], _KV_MAX_CHARS), "cell", wide_width), "", ""])
        else:
            pending += [_cell(pair[0], "cell_center", label_width),
                        _cell(_clip(pair[1], _KV_MAX_CHARS), "cell", value_width)]
            if len(pending) == 4:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending + ["", ""])
    return _table(rows, [label_width, value_width] * 2, style_of,
                  [("BACKGROUND", (0, 0), (0, -1), _LABEL_BG), ("BACKGROUND", (2, 0), (2, -1), _LABEL_BG)] + spans)


def grid_table(header: Sequence[str], rows: Iterable[Sequence[object]],
               col_widths: Sequence[float], *, numbered: bool = True,
               center_cols: Iterable[int] = (), max_chars: int | Sequence[int] = 200,
               width: float = CONTENT_WIDTH, small: bool = False) -> Table:
    """A ruled table whose header row repeats on every page.

    ``col_widths`` are fractions of ``width`` (or points when they sum to
    more than 1).  ``numbered`` prepends 序号.  ``max_chars`` clips
    absurdly long cell values (hostile or broken data) with an ellipsis so
    one row can never outgrow a page.  ``small`` sets cells in 9 pt (registers).
    """
    total = float(sum(col_widths))
    widths = [w * width if total <= 1.0001 else w for w in col_widths]
    centers = set(center_cols) | ({0} if numbered else set())
    plain, center = ("cell_small", "cell_small_center") if small else ("cell", "cell_center")
    head_style = "head_small" if small else "head_cell"
    head = [_cell(h, head_style, w) for h, w in zip(header, widths)]
    data = [head]
    offset = 1 if numbered else 0
    for i, row in enumerate(rows, start=1):
        cells = [_cell(str(i), center, widths[0])] if numbered else []
        for j, value in enumerate(row):
            s = _clip(value, max_chars if isinstance(max_chars, int) else max_chars[j])
            cells.append(_cell(s, center if j + offset in centers else plain, widths[j + offset]))
        data.append(cells)

    def style_of(i: int, j: int) -> tuple[str, str]:
        if i == 0:
            return head_style, "CENTER"
        return (center, "CENTER") if j in centers else (plain, "LEFT")

    return _table(data, widths, style_of, [("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG)], repeat_rows=1)

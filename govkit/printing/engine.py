"""The notice layout engine (打印引擎): reportlab platypus, plain Python.

Built-in and plugin templates compose a story from the helpers here and call
:func:`render`.  Every helper that takes text escapes it: reportlab's
``Paragraph`` parses XML-like markup, so an applicant called
``<script>alert(1)</script>`` must reach it as ``&lt;script&gt;…``.  Use
:func:`markup` when a template needs its own tags around untrusted values.

Layout follows the conventions of Chinese official notices (GB/T 9704):
A4, title centred, document number line under it, body paragraphs indented
two characters, issuing body and date at the lower right with room for the
seal, page number centred at the foot.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tables import CellStyle

from govkit.printing.fonts import draw_string, printable, register_fonts
from govkit.printing.qr import QrFlowable

__all__ = [
    "esc", "markup", "text", "cn_date", "styles", "reset_styles",
    "title", "document_number", "addressee", "heading", "body", "note",
    "kv_table", "grid_table", "signature_cell", "layout_font", "QrBlock", "signature_block", "qr_block", "spacer", "render",
    "PAGE_WIDTH", "CONTENT_WIDTH", "LANDSCAPE_CONTENT_WIDTH", "GAP",
]

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_MARGIN = 26 * mm
RIGHT_MARGIN = 24 * mm
TOP_MARGIN = 25 * mm
BOTTOM_MARGIN = 22 * mm
CONTENT_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN
LANDSCAPE_MARGIN = 16 * mm
LANDSCAPE_CONTENT_WIDTH = PAGE_HEIGHT - 2 * LANDSCAPE_MARGIN

BODY_SIZE = 12
SEAL_SPACE = 16 * mm
#: Wide gap inside a line (Paragraph collapses ordinary and ideographic spaces).
GAP = "\u00a0" * 4  # blank above the issuing body; the 42 mm seal overlaps the text


# --- text ------------------------------------------------------------------

_NBSP_RUN = re.compile("\u00a0+")


def esc(text: object) -> str:
    """Make any value safe as Paragraph text: printable, XML-escaped, ``\\n`` → line break.

    No-break spaces (the only spaces Paragraph does not collapse, used for
    gaps and blank dates) are set in Helvetica: Adobe-GB1 has no glyph for
    U+00A0 and would print a box.
    """
    s = escape(printable(text))
    if "\n" in s:
        s = s.replace("\r\n", "\n").replace("\n", "<br/>")
    if "\u00a0" in s:
        s = _NBSP_RUN.sub(lambda m: f'<font name="Helvetica">{m.group()}</font>', s)
    return s


def markup(template: str, *args: object, **kwargs: object) -> str:
    """``template.format(...)`` with every argument escaped; the template is trusted."""
    return template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in kwargs.items()})


def text(template: str, *args: object, **kwargs: object) -> str:
    """``template.format(...)`` as plain text (no markup; helpers escape it)."""
    return template.format(*args, **kwargs)


def cn_date(d: date | None, provisional: bool = False,
            blank: str = "\u00a0\u00a0\u00a0\u00a0年\u00a0\u00a0\u00a0月\u00a0\u00a0\u00a0日") -> str:
    """``2026年3月2日`` (with ``（暂定）`` when provisional); ``blank`` when unknown."""
    if d is None:
        return blank
    s = f"{d.year}年{d.month}月{d.day}日"
    return s + "（暂定）" if provisional else s


# --- styles ----------------------------------------------------------------

_styles: dict[str, ParagraphStyle] = {}
_frag_templates: dict[str, object] = {}


def reset_styles() -> None:
    """Forget the built styles (after the notice font changes)."""
    _styles.clear()
    _frag_templates.clear()


def styles() -> dict[str, ParagraphStyle]:
    """The notice paragraph styles, built once per font."""
    if _styles:
        return _styles
    font = register_fonts()
    base = ParagraphStyle(
        "govkit-body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.7,
        wordWrap="CJK", firstLineIndent=2 * BODY_SIZE, spaceAfter=2,
    )
    make = lambda name, **kw: ParagraphStyle(f"govkit-{name}", parent=base, **kw)  # noqa: E731
    _styles.update(
        body=base,
        flush=make("flush", firstLineIndent=0),
        title=make("title", fontSize=22, leading=30, alignment=TA_CENTER, firstLineIndent=0,
                   spaceBefore=0, spaceAfter=6),
        docno=make("docno", fontSize=BODY_SIZE, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=10),
        heading=make("heading", fontSize=BODY_SIZE + 1, firstLineIndent=0, spaceBefore=6, spaceAfter=2,
                     keepWithNext=1),
        note=make("note", fontSize=9.5, leading=14, firstLineIndent=0, spaceBefore=4,
                  textColor=colors.HexColor("#333333")),
        cell=make("cell", fontSize=10.5, leading=14, firstLineIndent=0, spaceAfter=0),
        cell_center=make("cell_center", fontSize=10.5, leading=14, firstLineIndent=0, spaceAfter=0,
                         alignment=TA_CENTER),
        head_cell=make("head_cell", fontSize=10.5, leading=14, firstLineIndent=0, spaceAfter=0,
                       alignment=TA_CENTER),
        cell_small=make("cell_small", fontSize=9, leading=11.5, firstLineIndent=0, spaceAfter=0),
        cell_small_center=make("cell_small_center", fontSize=9, leading=11.5, firstLineIndent=0, spaceAfter=0,
                               alignment=TA_CENTER),
        head_small=make("head_small", fontSize=9.5, leading=12, firstLineIndent=0, spaceAfter=0,
                        alignment=TA_CENTER),
        sign=make("sign", firstLineIndent=0, alignment=TA_CENTER, spaceAfter=0),
        right=make("right", firstLineIndent=0, alignment=TA_RIGHT),
        caption=make("caption", fontSize=8, leading=10, firstLineIndent=0, alignment=TA_CENTER),
        left=make("left", firstLineIndent=0, alignment=TA_LEFT),
    )
    return _styles


def _p(markup_text: str, style: str) -> Paragraph:
    """A Paragraph from (escaped) markup: parsed by reportlab."""
    return Paragraph(markup_text, styles()[style])


def _plain(value: object, style: str) -> Flowable:
    """Plain text, never interpreted as markup: a :class:`_Line` (which
    becomes a Paragraph if the text does not fit on one line), or a parsed
    Paragraph when the text has line breaks or no-break spaces."""
    s = printable(value)
    if "\n" in s or "\u00a0" in s:
        return _p(esc(s), style)
    return _Line(" ".join(s.split()), style)  # what the parser's cleaner does to whitespace


def _plain_paragraph(text: str, style: str) -> Paragraph:
    """A Paragraph of plain text that skips reportlab's markup parser: it gets
    one text fragment cloned from a fragment reportlab parsed once per style.
    Safest for untrusted text and several times cheaper than parsing."""
    st = styles()[style]
    template = _frag_templates.get(style)
    if template is None:
        template = _frag_templates[style] = Paragraph("x", st).frags[0]
    return _PlainParagraph(text, st, frags=[template.clone(text=text)])


class _PlainParagraph(Paragraph):
    """A one-font, left-aligned Paragraph whose lines are drawn through :func:`draw_string`.

    reportlab breaks the lines (CJK rules, page splits) as usual; only the
    drawing of plain lines skips its text-object machinery.  Anything else
    (other alignments, several fonts, squeezed word spacing, bullets,
    backgrounds, links) is drawn by reportlab.
    """

    def draw(self) -> None:
        bl, st = self.blPara, self.style
        if (bl.kind != 0 or st.alignment != TA_LEFT or self.bulletText or st.backColor or st.borderWidth
                or getattr(bl, "us_lines", None) or getattr(bl, "link", None) or getattr(st, "autoLeading", "")
                or getattr(self, "_offsets", None) or not rl_config.paraFontSizeHeightOffset
                or any(extra <= -1e-8 and len(words) + " ".join(words).count("\u00a0") > 1
                       for extra, words in bl.lines)):
            return super().draw()
        canv = self.canv
        canv.setFillColor(bl.textColor)
        x, y = st.leftIndent + st.firstLineIndent, self.height - bl.fontSize
        for _, words in bl.lines:
            draw_string(canv, x, y, " ".join(words), bl.fontName, bl.fontSize, st.leading)
            x, y = st.leftIndent, y - st.leading


class _Line(Flowable):
    """Plain text drawn straight on the canvas when it fits on one line.

    Most notice text (titles, labels, names, dates) is one line; laying that
    out through Paragraph costs ten times more.  Text that does not fit is
    handed to a Paragraph, which wraps and splits across pages as usual.
    """

    def __init__(self, text: str, style: str) -> None:
        super().__init__()
        self.text = text
        self.style = styles()[style]
        self._style_name = style
        self._para: Paragraph | None = None

    def wrap(self, avail_width, avail_height):
        st = self.style
        self._text_width = stringWidth(self.text, st.fontName, st.fontSize)
        used = self._text_width + st.firstLineIndent + st.leftIndent + st.rightIndent
        if used <= avail_width:
            self._para = None
            self.width, self.height = avail_width, st.leading
            return self.width, self.height
        if self._para is None:
            self._para = _plain_paragraph(self.text, self._style_name)
        self.width, self.height = self._para.wrap(avail_width, avail_height)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        if self._para is None:
            self.wrap(avail_width, avail_height)
        return self._para.split(avail_width, avail_height) if self._para is not None else []

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (reportlab API)
        # One line in the colour already set: draw at (x, y) directly instead of
        # saving the graphics state and translating for a single string.
        if self._para is None and _same_colour(canvas._fillColorObj, self.style.textColor):
            self._draw_text(canvas, self._hAlignAdjust(x, _sW), y)
        else:
            super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        if self._para is not None:
            self._para.drawOn(self.canv, 0, 0)
            return
        self.canv.setFillColor(self.style.textColor)
        self._draw_text(self.canv, 0, 0)

    def _draw_text(self, canv, dx: float, dy: float) -> None:
        st = self.style
        y = self.height - st.fontSize
        if st.alignment == TA_CENTER:
            x = (self.width + st.leftIndent - st.rightIndent) / 2 - 0.5 * self._text_width
        elif st.alignment == TA_RIGHT:
            x = self.width - st.rightIndent - self._text_width
        else:
            x = st.leftIndent + st.firstLineIndent
        draw_string(canv, dx + x, dy + y, self.text, st.fontName, st.fontSize)


def _same_colour(current, colour) -> bool:
    """Is the canvas fill ``current`` (a Color, or the initial ``(0, 0, 0)``) this colour?"""
    if isinstance(current, tuple) and len(current) == 3:  # the canvas starts black, unset
        return isinstance(colour, colors.Color) and colour.rgba() == (*current, 1)
    return isinstance(current, colors.Color) and isinstance(colour, colors.Color) and current.rgba() == colour.rgba()


# --- flowables ---------------------------------------------------------------

def title(text: str) -> Paragraph:
    """The notice title, e.g. 受理通知书."""
    return _plain(text, "title")


def document_number(text: str) -> Paragraph:
    """The document number line, e.g. ``××受字〔2026〕第 0001 号``."""
    return _plain(text, "docno")


def addressee(name: str) -> Paragraph:
    """The salutation line: ``张三：``."""
    return _plain(printable(name) + "：", "flush")


def heading(text: str) -> Paragraph:
    """A section heading inside a notice (``一、受理条件``)."""
    return _plain(text, "heading")


def body(text: str, *, trusted_markup: bool = False, indent: bool = True) -> Flowable:
    """A body paragraph of plain text; ``trusted_markup`` when ``text`` came from :func:`markup`."""
    style = "body" if indent else "flush"
    return _p(text, style) if trusted_markup else _plain(text, style)


def note(text: str, *, trusted_markup: bool = False) -> Paragraph:
    """Small print (注：…)."""
    return _p(text, "note") if trusted_markup else _plain(text, "note")


class _Gap(Spacer):
    """A Spacer that skips the graphics-state save and translate around drawing nothing."""

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (reportlab API)
        pass


def spacer(height_mm: float) -> Spacer:
    """Vertical space in millimetres."""
    return _Gap(1, height_mm * mm)


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


class QrBlock(Flowable):
    """A QR code with a one-line caption centred under it."""

    def __init__(self, url: str, caption: str, size: float) -> None:
        super().__init__()
        self.qr = QrFlowable(url, size)
        self.url = url
        self.caption = _Line(printable(caption), "caption")
        self.width = size + 8 * mm

    def wrap(self, avail_width, avail_height):
        _, caption_h = self.caption.wrap(self.width, avail_height)
        self.height = self.qr.size + caption_h
        return self.width, self.height

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (reportlab API)
        # Draws nothing itself: place the parts directly, no graphics state to save.
        self._place(canvas, self._hAlignAdjust(x, _sW), y)

    def draw(self) -> None:
        self._place(self.canv, 0, 0)

    def _place(self, canvas, x: float, y: float) -> None:
        self.qr.drawOn(canvas, x + (self.width - self.qr.size) / 2, y + self.height - self.qr.size)
        self.caption.drawOn(canvas, x, y)


def qr_block(url: str, caption: str = "扫码查询办理进度", size_mm: float = 26) -> QrBlock:
    """A QR code with a one-line caption under it."""
    return QrBlock(url, caption, size_mm * mm)


class _SignatureBand(Flowable):
    """The foot of a notice: an optional block (the QR code) at the lower left,
    issuing body and date centred in a column at the lower right, with blank
    room above them for the seal.  Never split: it moves to the next page
    whole (what KeepTogether did, without two nested tables)."""

    RIGHT_WIDTH = 78 * mm

    def __init__(self, left: Flowable | None, lines: list[Flowable], top_space: float) -> None:
        super().__init__()
        self.left = left
        self.lines = lines
        self.top_space = top_space

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        self._line_heights = [line.wrap(self.RIGHT_WIDTH, avail_height)[1] for line in self.lines]
        right_h = SEAL_SPACE + sum(self._line_heights)
        left_h = self.left.wrap(avail_width - self.RIGHT_WIDTH, avail_height)[1] if self.left else 0
        self.height = self.top_space + max(right_h, left_h)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        return []

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (reportlab API)
        # Draws nothing itself: place the parts directly, no graphics state to save.
        self._place(canvas, self._hAlignAdjust(x, _sW), y)

    def draw(self) -> None:
        self._place(self.canv, 0, 0)

    def _place(self, canvas, x: float, y: float) -> None:
        if self.left is not None:
            self.left.drawOn(canvas, x, y)
        right = x + self.width - self.RIGHT_WIDTH
        top = y + sum(self._line_heights)
        for line, h in zip(self.lines, self._line_heights):
            top -= h
            line.drawOn(canvas, right, top)


def signature_block(issuer: str, on: date | None, *, qr: Flowable | None = None,
                    seal_label: str = "（印章）") -> Flowable:
    """Issuing body and date at the lower right, with blank room for the seal.

    An optional block (usually :func:`qr_block`) sits at the lower left of the
    same band.
    """
    lines = [_plain(_clip(issuer, 200) + (seal_label or ""), "sign"), _plain(cn_date(on), "sign")]
    return _SignatureBand(qr, lines, top_space=6 * mm)


# --- document ----------------------------------------------------------------

class _NoticeCanvas(Canvas):
    """A canvas whose page content is Flate-compressed binary, not ASCII85 text on top.

    reportlab's default wraps compressed streams in ASCII85 (a relic of 7-bit
    mail) and then runs the ASCII text through its PDFDocEncoding codec in
    Python: ~15 % larger files and ~0.5 ms per notice for nothing.  Set per
    document (never through the process-wide ``rl_config``).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["pageCompression"] = 0  # pages leave their filters to the document default …
        super().__init__(*args, **kwargs)
        self._doc.defaultStreamFilters = [pdfdoc.PDFZCompress]  # … which is Flate alone



def _page_decorations(running_title: str):
    def draw(canv, doc):
        canv.saveState()
        canv.setFont(register_fonts(), 9)
        width, _ = doc.pagesize
        canv.drawCentredString(width / 2, 12 * mm, f"— {doc.page} —")
        if running_title and doc.page > 1:
            canv.drawString(doc.leftMargin, doc.pagesize[1] - 14 * mm, printable(running_title))
        canv.restoreState()
    return draw


def render(story: list, *, title: str, author: str = "", subject: str = "",
           landscape_page: bool = False, running_title: str = "") -> bytes:
    """Lay out ``story`` on A4 and return the PDF bytes.

    ``title``/``author``/``subject`` go into the PDF metadata (author = the
    issuing body).  ``running_title`` is printed at the top of pages 2+.
    """
    font = register_fonts()
    pagesize = landscape(A4) if landscape_page else A4
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=pagesize,
        leftMargin=LANDSCAPE_MARGIN if landscape_page else LEFT_MARGIN,
        rightMargin=LANDSCAPE_MARGIN if landscape_page else RIGHT_MARGIN,
        topMargin=20 * mm if landscape_page else TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=printable(title), author=printable(author), subject=printable(subject),
        creator="govkit", lang="zh-CN", initialFontName=font, initialFontSize=BODY_SIZE,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="notice", frames=[frame],
                                       onPage=_page_decorations(running_title))])
    doc.build(story, canvasmaker=_NoticeCanvas)
    return buf.getvalue()

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

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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

from govkit.printing.fonts import printable, register_fonts
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
    return Paragraph(text, st, frags=[template.clone(text=text)])


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
        used = stringWidth(self.text, st.fontName, st.fontSize) + st.firstLineIndent + st.leftIndent + st.rightIndent
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

    def draw(self) -> None:
        if self._para is not None:
            self._para.drawOn(self.canv, 0, 0)
            return
        st, canv = self.style, self.canv
        canv.setFont(st.fontName, st.fontSize)
        canv.setFillColor(st.textColor)
        y = self.height - st.fontSize
        if st.alignment == TA_CENTER:
            canv.drawCentredString((self.width + st.leftIndent - st.rightIndent) / 2, y, self.text)
        elif st.alignment == TA_RIGHT:
            canv.drawRightString(self.width - st.rightIndent, y, self.text)
        else:
            canv.drawString(st.leftIndent + st.firstLineIndent, y, self.text)


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


def spacer(height_mm: float) -> Spacer:
    """Vertical space in millimetres."""
    return Spacer(1, height_mm * mm)


def signature_cell(height_mm: float = 14, dated: bool = True) -> list:
    """A blank table cell for a handwritten signature, with ``年 月 日`` under it."""
    cell: list = [Spacer(1, height_mm * mm)]
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


def _string_cell_style(style: str, cells: tuple, align: str = "LEFT") -> list:
    """TableStyle commands so plain-string cells look like their Paragraph style."""
    st = styles()[style]
    commands = [("FONT", cells[0], cells[1], st.fontName, st.fontSize, st.leading)]
    if align != "LEFT":  # the default
        commands.append(("ALIGN", cells[0], cells[1], align))
    return commands


# A table row cannot break across pages, so cell text is clipped to a length
# that always fits one (hostile or broken data; the full text stays in the system).
_KV_MAX_CHARS = 1000


def _clip(value: object, limit: int):
    if isinstance(value, (Flowable, list)):
        return value
    s = printable(value)
    return s[:limit] + "…" if limit and len(s) > limit else s


# reportlab's default cell padding (6 left/right, 3 top/bottom) is kept:
# every style command costs a pass over its cells.
_GRID = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
]


def kv_table(pairs: Iterable[tuple], label_width: float = 30 * mm, width: float = CONTENT_WIDTH,
             columns: int = 1) -> Table:
    """A label/value grid (办件信息).

    With ``columns=2`` two pairs share a row; a pair given as
    ``(label, value, True)`` takes a whole row (long values such as the item).
    """
    label_bg = colors.HexColor("#f2f2f2")
    if columns == 1:
        value_width = width - label_width
        rows = [[_cell(p[0], "cell_center", label_width), _cell(_clip(p[1], _KV_MAX_CHARS), "cell", value_width)]
                for p in pairs]
        t = Table(rows, colWidths=[label_width, value_width])
        t.setStyle(TableStyle(_GRID + _string_cell_style("cell", ((0, 0), (-1, -1)))
                              + _string_cell_style("cell_center", ((0, 0), (0, -1)), "CENTER")
                              + [("BACKGROUND", (0, 0), (0, -1), label_bg)]))
        return t
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
    t = Table(rows, colWidths=[label_width, value_width] * 2)
    t.setStyle(TableStyle(_GRID + _string_cell_style("cell", ((0, 0), (-1, -1)))
                          + _string_cell_style("cell_center", ((0, 0), (0, -1)), "CENTER")
                          + _string_cell_style("cell_center", ((2, 0), (2, -1)), "CENTER")
                          + [("BACKGROUND", (0, 0), (0, -1), label_bg),
                             ("BACKGROUND", (2, 0), (2, -1), label_bg)] + spans))
    return t


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
    centers = set(center_cols)
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
    t = Table(data, colWidths=widths, repeatRows=1)
    commands = _GRID + _string_cell_style(plain, ((0, 1), (-1, -1)))
    for c in sorted(centers | ({0} if numbered else set())):
        commands += _string_cell_style(center, ((c, 1), (c, -1)), "CENTER")
    commands += _string_cell_style(head_style, ((0, 0), (-1, 0)), "CENTER")
    t.setStyle(TableStyle(commands + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6"))]))
    return t


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

    def draw(self) -> None:
        caption_h = self.height - self.qr.size
        self.qr.drawOn(self.canv, (self.width - self.qr.size) / 2, caption_h)
        self.caption.drawOn(self.canv, 0, 0)


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

    def draw(self) -> None:
        if self.left is not None:
            self.left.drawOn(self.canv, 0, 0)
        x = self.width - self.RIGHT_WIDTH
        y = sum(self._line_heights)
        for line, h in zip(self.lines, self._line_heights):
            y -= h
            line.drawOn(self.canv, x, y)


def signature_block(issuer: str, on: date | None, *, qr: Flowable | None = None,
                    seal_label: str = "（印章）") -> Flowable:
    """Issuing body and date at the lower right, with blank room for the seal.

    An optional block (usually :func:`qr_block`) sits at the lower left of the
    same band.
    """
    lines = [_plain(_clip(issuer, 200) + (seal_label or ""), "sign"), _plain(cn_date(on), "sign")]
    return _SignatureBand(qr, lines, top_space=6 * mm)


# --- document ----------------------------------------------------------------

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
    doc.build(story)
    return buf.getvalue()

"""Text on a notice page (版面文字): sizes, escaping, paragraph styles and plain-text lines.

Every helper that takes text escapes it: reportlab's ``Paragraph`` parses
XML-like markup, so an applicant called ``<script>alert(1)</script>`` must
reach it as ``&lt;script&gt;…``.  Plain text never meets the markup parser at
all: a line that fits is drawn directly (:class:`_Line`), a longer one becomes
a Paragraph built from a pre-parsed fragment (:class:`_PlainParagraph`).
Templates use these through :mod:`govkit.printing.engine`.
"""
from __future__ import annotations

import re
from datetime import date
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer

from govkit.printing.fonts import draw_string, printable, register_fonts

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


class _Gap(Spacer):
    """A Spacer that skips the graphics-state save and translate around drawing nothing."""

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 (reportlab API)
        pass

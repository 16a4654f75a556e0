"""Fonts for printed notices (打印字体).

By default notices use reportlab's built-in CID font ``STSong-Light`` (宋体,
Adobe-GB1 character collection, ``UniGB-UCS2-H`` encoding).  A CID font is
*referenced*, not embedded: the viewer draws it with its own Song/serif CJK
font.  We chose it over embedding a TrueType subset because

* it shows in every viewer a Chinese office actually has (checked: poppler's
  ``pdftotext``/``pdftoppm`` and PDFium, the engine of Chromium's PDF viewer;
  Adobe Reader and Windows/UOS/Kylin viewers map Adobe-GB1 to 宋体),
* it covers all of GB 18030's BMP repertoire, so rare characters in names
  (堃, 喆, 昇 …) print, whereas a TrueType subset we could ship at a sane size
  (GB 2312: 2.8 MB, GBK: ~8 MB) would show boxes for anything outside it,
* a notice is ~4.5 KB instead of ~30 KB and renders about 1.5× faster.

A deployment that needs fonts embedded (PDF/A archiving, kiosks without any
CJK font) calls :func:`use_truetype` with a TrueType-outline CJK font (not
OpenType/CFF, which reportlab cannot embed); notices then embed a subset.

Characters outside the Basic Multilingual Plane (CJK Ext-B+ and emoji) cannot
be encoded with the UCS-2 CMap: reportlab would write surrogate pairs that
viewers misread, garbling the text *after* them too.  :func:`printable`
replaces them with 〓 (the typesetter's "missing glyph" mark), so one odd
character never corrupts a notice.
"""
from __future__ import annotations

import re
import threading
from codecs import utf_16_be_encode
from itertools import repeat

from reportlab.lib import textsplit
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFontInfo, UnicodeCIDFont, structToPDF
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import paragraph as rl_paragraph

from govkit.errors import SettingsError
from govkit.printing import pdfwrite

#: Font name used by every built-in style.  Templates should use this name.
CID_FONT = "STSong-Light"

#: Substitute for a character the font cannot encode (U+3013 GETA MARK).
MISSING_GLYPH = "\u3013"

# Full-width Chinese punctuation that must not start a line (GB/T 15834
# 标点符号用法).  reportlab's list is Japanese-centred and misses 、，：；！？
# closing quotes and book-title marks, so a line could start with "，".
_CHINESE_CANNOT_START = "，：；！？”’》〉）】〗」』…·％"

_lock = threading.Lock()
_state = {"font": None}

# Astral-plane characters, C0/C1 controls (but not tab/newline) and the
# middle dots that need substituting for the CID font.
_UNPRINTABLE = re.compile("[\U00010000-\U0010ffff]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
                          "|[\u00b7\u2022\u2027\u2219\u22c5\uff65]")

# The name separator in minority names (阿卜杜热合曼·买买提) is U+00B7 by
# GB 18030, but poppler maps that Adobe-GB1 glyph to nothing and prints a
# box; U+30FB is the full-width middle dot of GB 2312 (A1A4), which every
# viewer draws.  Only applied while the CID font is in use.
_CID_SUBSTITUTES = {"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u2219": "\u30fb",
                    "\u22c5": "\u30fb", "\uff65": "\u30fb"}


def _extend_line_break_rules() -> None:
    extra = "".join(c for c in _CHINESE_CANNOT_START if c not in textsplit.ALL_CANNOT_START)
    if extra:
        textsplit.ALL_CANNOT_START += extra
        # paragraph.py imported the string by value; keep both in step.
        rl_paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    textsplit.getCharWidths = _char_widths


class _Preformatted(pdfdoc.PDFObject):
    """A PDF value whose bytes were produced once and are reused verbatim."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document):  # noqa: A003 (reportlab API)
        return self.data


class _FastUnicodeCIDFont(UnicodeCIDFont):
    """``UnicodeCIDFont`` that is cheap to use once per document.

    * Widths: reportlab measures CJK text one character at a time while
      wrapping; :func:`_char_widths` answers that with one dict lookup each.
    * Font objects: the descendant font (with its ~1,000-entry width array)
      is the same in every PDF but reportlab rebuilds and re-serialises it
      per document, which was a third of the cost of a one-page notice.  It
      holds no strings that encryption would change, but we still fall back
      to the stock path for encrypted documents.
    """

    def __init__(self, face: str) -> None:
        super().__init__(face)
        self._descendants: _Preformatted | None = None

    def addObjects(self, doc):  # noqa: N802 (reportlab API)
        if not isinstance(getattr(doc, "encrypt", None), pdfdoc.NoEncryption):
            return super().addObjects(doc)
        internal_name = "F" + repr(len(doc.fontMapping) + 1)
        info = CIDFontInfo[self.face.name]
        if self._descendants is None:
            self._descendants = _Preformatted(pdfdoc.format(structToPDF(info["DescendantFonts"]), doc))
        entries = {k: v for k, v in info.items() if k != "DescendantFonts"}
        entries["Name"] = "/" + internal_name
        entries["Encoding"] = "/" + self.encodingName
        font = structToPDF(entries)
        font.dict["DescendantFonts"] = self._descendants
        doc.idToObject["BasicFonts"].dict[internal_name] = doc.Reference(font, internal_name)
        doc.fontMapping[self.name] = "/" + internal_name

    def stringWidth(self, text, size, encoding=None):  # noqa: N802 (reportlab API)
        if isinstance(text, bytes):
            text = text.decode("utf8")
        widths = self.unicodeWidths  # only the characters that are not 1 em wide
        if len(text) == 1:
            return widths.get(text, 1000) * 0.001 * size
        return size * 0.001 * sum(map(widths.get, text, repeat(1000)))

    def char_widths(self, text: str, size: float) -> list[float]:
        """Width of each character (what CJK line breaking asks for)."""
        k = size * 0.001
        return [w * k for w in map(self.unicodeWidths.get, text, repeat(1000))]


# "/F1 12 Tf 14.4 TL" per (internal font name, size, leading): a handful of values.
_FONT_OPERATORS: dict[tuple[str, float, float], str] = {}


def draw_string(canv, x: float, y: float, text: str, font_name: str, size: float,
                leading: float | None = None) -> None:
    """``canv.drawString`` in the given font, for text that is already printable.

    With the CID font this appends the very operators reportlab's text object
    writes (``BT … Tm /Fn size Tf leading TL (UTF-16) Tj T* ET``) without
    building a text object per string, which is most of the cost of the
    ~60 short strings on a notice (labels, table cells, names, dates).  Other
    fonts go through the canvas as usual.
    """
    if leading is None:
        leading = size * 1.2
    font = pdfmetrics.getFont(font_name)
    if isinstance(font, _FastUnicodeCIDFont) and canv.bottomup:
        internal = canv._doc.getInternalFontName(font_name)
        key = (internal, size, leading)
        select = _FONT_OPERATORS.get(key)
        if select is None:
            select = _FONT_OPERATORS[key] = f"{internal} {fp_str(size)} Tf {fp_str(leading)} TL"
        canv._code.append(f"BT 1 0 0 1 {fp_str(x, y)} Tm {select} ({escapePDF(utf_16_be_encode(text)[0])}) Tj T* ET")
        return
    canv.setFont(font_name, size, leading)
    canv.drawString(x, y, text)


_stock_char_widths = textsplit.getCharWidths


def _char_widths(word, font_name, font_size):
    # reportlab's CJK wrapping measures every character through two generic
    # calls; this is the single hottest path when laying out a notice.
    font = pdfmetrics.getFont(font_name)
    if isinstance(font, _FastUnicodeCIDFont):
        return font.char_widths(word, font_size)
    return _stock_char_widths(word, font_name, font_size)


def register_fonts() -> str:
    """Register the notice font with reportlab (idempotent); return its name."""
    font = _state["font"]
    if font is not None:
        return font
    with _lock:
        if _state["font"] is None:
            pdfmetrics.registerFont(_FastUnicodeCIDFont(CID_FONT))
            _extend_line_break_rules()
            pdfwrite.install()  # cheaper PDF syntax encoding, same bytes
            _state["font"] = CID_FONT
    return _state["font"]


def use_truetype(path: str, name: str = "GovkitCJK") -> str:
    """Embed a TrueType CJK font (subset per document) instead of the CID font.

    Call once at start-up, before rendering.  Returns the registered name.
    Raises :class:`SettingsError` when the file is missing or is not a
    TrueType-outline font.
    """
    try:
        font = TTFont(name, path)
    except (OSError, TTFError) as exc:
        raise SettingsError(
            f"打印字体 {path} 无法使用：{exc}。请提供 TrueType 轮廓（glyf）的中文字体文件。",
            key="GOVKIT_PRINT_FONT",
        ) from exc
    with _lock:
        pdfmetrics.registerFont(font)
        _extend_line_break_rules()
        pdfwrite.install()
        _state["font"] = name
    from govkit.printing import text  # styles are built for one font  # deferred: printing.text imports this module

    text.reset_styles()
    return name


def use_cid_font() -> str:
    """Go back to the default CID font (mainly for tests)."""
    with _lock:
        _state["font"] = None
    register_fonts()
    from govkit.printing import text  # deferred: printing.text imports this module

    text.reset_styles()
    return CID_FONT


def current_font() -> str:
    """Name of the font notices are set in."""
    return register_fonts()


def printable(text: object) -> str:
    """``str(text)`` with characters the notice font cannot show replaced.

    Controls are dropped; astral-plane characters become 〓; with the CID
    font, middle dots become U+30FB.  Tabs and newlines are kept (paragraph
    helpers turn newlines into line breaks).
    """
    s = "" if text is None else str(text)
    if not _UNPRINTABLE.search(s):
        return s
    cid = register_fonts() == CID_FONT

    def fix(m: re.Match) -> str:
        ch = m.group()
        if ord(ch) > 0xFFFF:
            return MISSING_GLYPH
        if ch in _CID_SUBSTITUTES:
            return _CID_SUBSTITUTES[ch] if cid else ch
        return ""

    return _UNPRINTABLE.sub(fix, s)

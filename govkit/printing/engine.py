"""The notice layout engine (打印引擎): reportlab platypus, plain Python.

Built-in and plugin templates compose a story from the helpers here and call
:func:`render`.  This module is the one place templates import: text and
styles live in :mod:`govkit.printing.text`, tables in
:mod:`govkit.printing.tables`.  Every helper that takes text escapes it:
reportlab's ``Paragraph`` parses XML-like markup, so an applicant called
``<script>alert(1)</script>`` must reach it as ``&lt;script&gt;…``.  Use
:func:`markup` when a template needs its own tags around untrusted values.

Layout follows the conventions of Chinese official notices (GB/T 9704):
A4, title centred, document number line under it, body paragraphs indented
two characters, issuing body and date at the lower right with room for the
seal, page number centred at the foot.
"""
from __future__ import annotations

import copy
import functools
import io
import os
from datetime import date
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import asciiBase85Decode
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas, _digester
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer

from govkit.errors import SettingsError
from govkit.printing.fonts import printable, register_fonts
from govkit.printing.qr import QrFlowable
# The helpers templates use live in text.py and tables.py; this module is their one face.
from govkit.printing.tables import _clip, grid_table, kv_table, layout_font, signature_cell
from govkit.printing.text import (  # noqa: F401  (PAGE_HEIGHT, BODY_SIZE: re-exported)
    BODY_SIZE, BOTTOM_MARGIN, CONTENT_WIDTH, GAP, LANDSCAPE_CONTENT_WIDTH, LANDSCAPE_MARGIN, LEFT_MARGIN,
    PAGE_HEIGHT, PAGE_WIDTH, RIGHT_MARGIN, SEAL_SPACE, TOP_MARGIN, _Gap, _Line, _p, _plain,
    cn_date, esc, markup, reset_styles, styles, text,
)

__all__ = [
    "esc", "markup", "text", "cn_date", "styles", "reset_styles",
    "title", "document_number", "addressee", "heading", "body", "note",
    "kv_table", "grid_table", "signature_cell", "layout_font", "QrBlock", "signature_block", "qr_block", "spacer",
    "render",
    "PAGE_WIDTH", "CONTENT_WIDTH", "LANDSCAPE_CONTENT_WIDTH", "GAP",
]


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
    return _Gap(1, height_mm * mm)


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

    SEAL_SIZE = 40 * mm

    def __init__(self, left: Flowable | None, lines: list[Flowable], top_space: float,
                 seal_image: str = "") -> None:
        super().__init__()
        self.left = left
        self.lines = lines
        self.top_space = top_space
        self.seal_image = seal_image

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
        if self.seal_image:
            # The seal overlaps the issuer and the date, as an ink seal does (GB/T 9704 §7.3.5.1).
            size = self.SEAL_SIZE
            register_image(canvas, self.seal_image, "auto")
            canvas.drawImage(self.seal_image, right + (self.RIGHT_WIDTH - size) / 2, y + sum(self._line_heights) / 2
                             - size / 2 + 2 * mm, size, size, mask="auto", preserveAspectRatio=True)


@functools.lru_cache(maxsize=32)
def _image_xobject(path: str, mask: Any, mtime_ns: int, size: int) -> pdfdoc.PDFImageXObject:
    """The image XObject (and soft mask) of the file ``path``, decoded and compressed once per process.

    What ``Canvas.drawImage`` builds for every PDF — reading the PNG, splitting its alpha, Flate
    compressing both (~ half of a sealed notice's rendering) — only depends on the file: keyed by
    path, mask and the file's mtime and size, so a replaced seal image is read again.
    """
    name = _digester(f"{path}{mask}".encode())  # the name drawImage gives a file image
    image = pdfdoc.PDFImageXObject(name, None, mask=mask)
    with open(path, "rb") as source:
        image.loadImageFromRaw(source)  # binary Flate, no ASCII85 (as the page streams, see _NoticeCanvas)
    smask = getattr(image, "_smask", None)
    if smask is not None and smask._filters[:1] == ("ASCII85Decode",):  # the alpha channel, encoded by rl_config
        content = smask.streamContent
        smask.streamContent = asciiBase85Decode(content if isinstance(content, str) else content.decode("latin-1"))
        smask._filters = smask._filters[1:]
    image.name = name
    return image


def register_image(canvas: Canvas, path: str, mask: Any = None) -> None:
    """Put the cached XObject of image file ``path`` into ``canvas``'s document, as ``drawImage`` would on
    first use; ``canvas.drawImage(path, …, mask=mask)`` then finds it and draws it without reading the file."""
    stat = os.stat(path)
    cached = _image_xobject(path, mask, stat.st_mtime_ns, stat.st_size)
    document = canvas._doc
    reg_name = document.getXObjectName(cached.name)
    if document.idToObject.get(reg_name) is not None:
        return
    image = copy.copy(cached)  # per document: registering marks it, and its soft mask reference is the document's
    canvas._setXObjects(image)
    document.Reference(image, reg_name)
    document.addForm(cached.name, image)
    smask = getattr(cached, "_smask", None)
    if smask is not None:
        del image._smask
        mask_name = document.getXObjectName(smask.name)
        if document.idToObject.get(mask_name) is None:
            smask = copy.copy(smask)  # registering marks the object with its name in this document
            canvas._setXObjects(smask)
            image.smask = document.Reference(smask, mask_name)
        else:
            image.smask = pdfdoc.PDFObjectReference(mask_name)


def signature_block(issuer: str, on: date | None, *, qr: Flowable | None = None,
                    seal_label: str = "（印章）", seal_image: str = "", below: str = "") -> Flowable:
    """Issuing body and date at the lower right, with blank room for the seal.

    An optional block (usually :func:`qr_block`) sits at the lower left of the
    same band.  ``seal_image`` (a PNG path) is printed over the issuer and date in
    place of the ``（印章）`` label; ``below`` adds a line under the date (e.g.
    ``柳湾村便民服务站代收``).  A seal image that cannot be read is a
    :class:`~govkit.errors.SettingsError`: a document is never issued without its seal.
    """
    if seal_image and not Path(seal_image).is_file():
        raise SettingsError(f"印章图片 {seal_image} 不存在，请在实施机关配置中检查印章图片路径。",
                            key="seal_image_path")
    label = "" if seal_image else (seal_label or "")
    lines = [_plain(_clip(issuer, 200) + label, "sign"), _plain(cn_date(on), "sign")]
    if below:
        lines.append(_plain(_clip(below, 60), "caption"))
    return _SignatureBand(qr, lines, top_space=6 * mm, seal_image=seal_image)


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

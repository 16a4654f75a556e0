"""The engine's fast paths print exactly what reportlab's own code prints.

Every notice is rendered twice — as it is, and with each fast path swapped back
for reportlab's stock code — and poppler must find the same words in the same
places (to 0.01 pt) and draw the same pixels.
"""
from __future__ import annotations

import re
import subprocess

import pytest
from PIL import Image, ImageChops
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from govkit.printing import engine, tables, text

from tests.organ_fixtures import seal_png

from .conftest import _require


def _stock_draw_string(canv, x, y, text, font_name, size, leading=None):
    canv.setFont(font_name, size, leading)
    canv.drawString(x, y, text)


@pytest.fixture
def stock(monkeypatch):
    """Context switch: ``with stock(): ...`` renders through reportlab's own code paths."""
    import contextlib

    @contextlib.contextmanager
    def use():
        with monkeypatch.context() as m:
            m.setattr(text, "draw_string", _stock_draw_string)
            m.setattr(tables, "draw_string", _stock_draw_string)
            m.setattr(tables._Table, "_drawCell", Table._drawCell)
            m.setattr(text._PlainParagraph, "draw", Paragraph.draw)
            for cls in (text._Line, engine.QrBlock, engine._SignatureBand):
                m.setattr(cls, "drawOn", Flowable.drawOn)
            m.setattr(text._Gap, "drawOn", Spacer.drawOn)
            m.setattr(engine, "_NoticeCanvas", Canvas)
            yield
    return use


@pytest.fixture
def invariant(monkeypatch):
    monkeypatch.setattr(rl_config, "invariant", 1)


def _words(poppler, pdf: bytes, name: str) -> list[tuple]:
    path = poppler._write(pdf, name)
    out = subprocess.run([poppler.pdftotext, "-bbox", str(path), "-"], capture_output=True, check=True, timeout=60)
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       out.stdout.decode("utf-8"))
    return [(round(float(a), 2), round(float(b), 2), round(float(c), 2), round(float(d), 2), w)
            for a, b, c, d, w in found]


def _pixels(poppler, pdf: bytes, name: str, tmp_path) -> list[Image.Image]:
    path = poppler._write(pdf, name)
    stem = tmp_path / f"{name}-px"
    subprocess.run([_require("pdftoppm"), "-r", "110", "-gray", str(path), str(stem)], check=True, timeout=120)
    return [Image.open(p) for p in sorted(tmp_path.glob(f"{name}-px-*.pgm"))]


DOCUMENTS = {
    "acceptance": lambda ctx, guide, reg, batch: ("acceptance_notice", ctx),
    "acceptance_long": lambda ctx, guide, reg, batch: ("acceptance_notice", ctx.replace(
        applicant_name="<b>阿卜杜热合曼·买买提</b> 𠀀堃", item_name="很长的事项名称" * 25, contact_person="李\u00a0敏",
        materials_received=[("材料" * 60, "原件", 1)] * 25)),
    "refusal": lambda ctx, guide, reg, batch: ("refusal_notice", ctx),
    "supplement": lambda ctx, guide, reg, batch: ("supplement_notice", ctx),
    "receipt": lambda ctx, guide, reg, batch: ("delivery_receipt", ctx),
    "guide": lambda ctx, guide, reg, batch: ("service_guide", guide),
    "register": lambda ctx, guide, reg, batch: ("intake_register", reg),
    "transfer": lambda ctx, guide, reg, batch: ("transfer_list", batch),
}


@pytest.mark.parametrize("doc", sorted(DOCUMENTS))
def test_fast_paths_print_what_reportlab_prints(doc, registry, case_notice, service_guide, register_range,
                                                transfer_batch, poppler, stock, invariant, tmp_path):
    name, context = DOCUMENTS[doc](case_notice, service_guide, register_range, transfer_batch)
    fast = registry.render(name, context)
    with stock():
        slow = registry.render(name, context)
    assert b"/ASCII85Decode" not in fast and b"/FlateDecode" in fast  # binary streams, as small as they get
    words = _words(poppler, fast, "fast")
    assert words and words == _words(poppler, slow, "slow")
    assert any("\u4e00" <= ch <= "\u9fff" for w in words for ch in w[4])  # Chinese text extracts
    fast_pages, slow_pages = _pixels(poppler, fast, "fast", tmp_path), _pixels(poppler, slow, "slow", tmp_path)
    assert len(fast_pages) == len(slow_pages) >= 1
    for a, b in zip(fast_pages, slow_pages):
        assert ImageChops.difference(a, b).getbbox() is None, "a page draws differently"
        assert a.getextrema()[0] < 100  # something dark was drawn (glyphs, rules)


def _stock_table(rows, widths, commands):
    """The same table styled the reportlab way: one command per font/alignment range."""
    t = Table(rows, colWidths=widths)
    t.setStyle(TableStyle(commands))
    return t


def test_table_cell_styles_and_heights_equal_reportlab_commands():
    st = engine.styles()
    font = lambda name, a, b: ("FONT", a, b, st[name].fontName, st[name].fontSize, st[name].leading)  # noqa: E731
    rows = [["序号", "材料名称", "份数"], ["1", "居民身份证", "1"], ["2", engine.body("很长的材料名称" * 12), "2"]]
    ours = engine.grid_table(rows[0], rows[1:], [0.1, 0.7, 0.2], numbered=False, center_cols=(0, 2))
    ours_rows = ours._cellvalues
    stock = _stock_table(ours_rows, ours._colWidths, [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        font("cell", (0, 1), (-1, -1)),
        font("cell_center", (0, 1), (0, -1)), ("ALIGN", (0, 1), (0, -1), "CENTER"),
        font("cell_center", (2, 1), (2, -1)), ("ALIGN", (2, 1), (2, -1), "CENTER"),
        font("head_cell", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ])
    attrs = ("fontname", "fontsize", "leading", "alignment", "valign", "leftPadding", "topPadding", "color")
    for mine, theirs in zip(sum(ours._cellStyles, []), sum(stock._cellStyles, [])):
        assert [getattr(mine, a) for a in attrs] == [getattr(theirs, a) for a in attrs]
    ours.wrap(engine.CONTENT_WIDTH, 800)
    stock.wrap(engine.CONTENT_WIDTH, 800)
    assert ours._rowHeights == stock._rowHeights and ours._argH[:2] == [20.0, 20.0] and ours._argH[2] is None


def test_restyled_table_is_measured_again():
    t = engine.kv_table([("办件编号", "X1"), ("申请人", "王秀兰")])
    t.setStyle([("FONTSIZE", (0, 0), (-1, -1), 20), ("LEADING", (0, 0), (-1, -1), 26)])  # a plugin's restyle
    t.wrap(engine.CONTENT_WIDTH, 800)
    assert t._rowHeights == [32, 32]


def test_the_cached_seal_image_prints_what_drawimage_prints(registry, case_notice, poppler, invariant, tmp_path,
                                                            monkeypatch):
    """A sealed notice with the seal's image XObject from the cache and as ``drawImage`` builds it itself."""
    sealed = case_notice.replace(seal_image_path=str(seal_png()))
    fast = registry.render("acceptance_notice", sealed)
    with monkeypatch.context() as m:
        m.setattr(engine, "register_image", lambda *args: None)  # drawImage reads the seal image itself
        slow = registry.render("acceptance_notice", sealed)
    assert b"/ASCII85Decode" not in fast and b"/ASCII85Decode" in slow and b"/SMask" in fast
    assert _words(poppler, fast, "fast") == _words(poppler, slow, "slow")
    fast_pages, slow_pages = _pixels(poppler, fast, "fast", tmp_path), _pixels(poppler, slow, "slow", tmp_path)
    assert len(fast_pages) == len(slow_pages) >= 1
    for a, b in zip(fast_pages, slow_pages):
        assert ImageChops.difference(a, b).getbbox() is None, "the seal draws differently"
    # and the seal is there: a dark ring where the issuer and date are
    assert ImageChops.difference(fast_pages[-1], _pixels(poppler, registry.render("acceptance_notice", case_notice),
                                                         "plain", tmp_path)[-1]).getbbox() is not None


def test_a_seal_image_is_read_once_and_again_when_replaced(registry, case_notice, tmp_path):
    """The seal's image XObject is built once per file version: a replaced seal image prints the new one."""
    seal = tmp_path / "seal.png"
    Image.new("RGBA", (60, 60), (204, 0, 0, 200)).save(seal)
    sealed = case_notice.replace(seal_image_path=str(seal))
    engine._image_xobject.cache_clear()
    first, again = registry.render("acceptance_notice", sealed), registry.render("acceptance_notice", sealed)
    assert engine._image_xobject.cache_info().misses == 1 and engine._image_xobject.cache_info().hits >= 1
    assert b"/SMask" in first and first.count(b"/Subtype /Image") == again.count(b"/Subtype /Image") == 2
    import os

    Image.new("RGBA", (80, 80), (0, 0, 204, 200)).save(seal)
    os.utime(seal, ns=(1, 1))  # a different mtime even within the file system's clock resolution
    registry.render("acceptance_notice", sealed)
    assert engine._image_xobject.cache_info().misses == 2  # read again


def test_pdf_syntax_encoders_give_reportlabs_bytes(registry, case_notice, invariant, monkeypatch):
    """``pdfwrite``: PDFDocEncoding of every BMP character (and the error of those it cannot encode)
    and every name escape are reportlab's own; a whole notice is byte for byte the same without them."""
    from reportlab.pdfbase import pdfdoc

    from govkit.printing import pdfwrite

    def outcome(encode, value):
        try:
            return encode(value)
        except UnicodeEncodeError as exc:
            return ("error", exc.start, exc.end)

    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        c = chr(code)
        assert outcome(pdfwrite.pdfdoc_enc, c) == outcome(pdfwrite._STOCK_ENC, c), hex(code)
        assert outcome(pdfwrite.pdfdoc_enc, "0 0 obj\n" + c) == outcome(pdfwrite._STOCK_ENC, "0 0 obj\n" + c)
    assert pdfwrite.pdfdoc_enc(b"\x18bytes") == b"\x18bytes"
    for name in ("Type", "Font", "MediaBox", "F1", "a b", "x#y", "(p)", "名称", "\x18", "/"):
        assert pdfwrite.pdf_name(name) == pdfwrite._STOCK_NAME(name)
        assert pdfwrite.pdf_name(name, "a", "z") == pdfwrite._STOCK_NAME(name, "a", "z")

    fast = registry.render("acceptance_notice", case_notice)
    assert pdfdoc.pdfdocEnc is pdfwrite.pdfdoc_enc and pdfdoc.PDFName is pdfwrite.pdf_name  # installed by rendering
    monkeypatch.setattr(pdfdoc, "pdfdocEnc", pdfwrite._STOCK_ENC)
    monkeypatch.setattr(pdfdoc, "PDFName", pdfwrite._STOCK_NAME)
    assert registry.render("acceptance_notice", case_notice) == fast

"""Notices show real Chinese glyphs — not boxes or blanks — in the two engines people view them
with: PDFium (the renderer inside Chromium's PDF viewer, via pypdfium2) and poppler (pdftoppm).

A missing CJK font draws every character as the same box (or nothing), so the ink of one
character tells little; the ink of characters of very different complexity tells it all:
一 (one stroke) < 受 < 龘 (48 strokes) only when the real glyphs are drawn.
"""
from __future__ import annotations


import pytest
from PIL import Image

from govkit.printing import engine

pdfium = pytest.importorskip("pypdfium2")

CHARACTERS = ("一", "受", "龘")


def _pdf(text: str) -> bytes:
    return engine.render([engine.title(text)], title="glyph check")


def _ink(image: Image.Image) -> int:
    gray = image.convert("L")
    return sum(count for value, count in enumerate(gray.histogram()) if value < 128)


def _pdfium_page(pdf: bytes) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=2).to_pil()
    finally:
        document.close()


def _poppler_page(poppler, pdf: bytes, tmp_path) -> Image.Image:
    path = poppler.png(pdf, tmp_path / "page.png", dpi=144)
    with Image.open(path) as image:
        return image.copy()


@pytest.mark.parametrize("viewer", ["pdfium", "poppler"])
def test_glyphs_are_drawn_not_boxes(viewer, poppler, tmp_path, artifacts_dir):
    def page(text: str) -> Image.Image:
        pdf = _pdf(text)
        return _pdfium_page(pdf) if viewer == "pdfium" else _poppler_page(poppler, pdf, tmp_path)

    ink = {ch: _ink(page(ch)) for ch in CHARACTERS}
    blank = _ink(page(" "))  # page furniture: the page number line
    strokes = {ch: ink[ch] - blank for ch in CHARACTERS}
    assert 0 < strokes["一"] < strokes["受"] < strokes["龘"], strokes
    assert strokes["龘"] > 3 * strokes["一"], strokes  # a box would make them alike

    sample = page("受理通知书：申请人王堃，事项城乡居民最低生活保障")
    sample.save(artifacts_dir / f"printing-viewer-{viewer}.png")


def test_chromium_engine_sees_the_same_text_as_poppler(poppler):
    """PDFium's text layer (what Chromium's viewer searches and copies) equals pdftotext's."""
    text = "受理通知书：申请人王堃（居民身份证），承诺办结日期 2026年12月04日。"
    pdf = engine.render([engine.title("受理通知书"), engine.body(text)], title="t")
    document = pdfium.PdfDocument(pdf)
    try:
        page_text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    squash = lambda s: "".join(s.split())  # noqa: E731
    assert squash(text) in squash(page_text)
    assert squash(text) in squash(poppler.text(pdf))

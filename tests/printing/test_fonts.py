"""The notice font: Chinese extracts and renders; odd characters never corrupt a notice."""
from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from govkit.printing import engine, fonts

SAMPLE = "受理通知书：王堃、李喆、朱镕基，《中华人民共和国行政许可法》第三十二条。"


def _fonts_used(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/"))
    return names


def test_default_font_is_cid_song_and_extracts(poppler, tmp_path, artifacts_dir):
    pdf = engine.render([engine.title("字体检查"), engine.body(SAMPLE)], title="字体检查")
    assert fonts.CID_FONT in _fonts_used(pdf)
    text = poppler.text(pdf)
    assert SAMPLE in "".join(text.split())
    png = poppler.png(pdf, artifacts_dir / "printing-font-sample.png", dpi=100)
    assert png.stat().st_size > 2000  # glyphs drawn (an empty page compresses to far less)


def test_astral_characters_do_not_garble_following_text(poppler):
    pdf = engine.render([engine.body("王\U0002B81D明 申请人 end")], title="t")
    text = "".join(poppler.text(pdf).split())
    assert f"王{fonts.MISSING_GLYPH}明申请人end" in text


def test_middle_dot_in_minority_names(poppler):
    pdf = engine.render([engine.body("阿卜杜热合曼·买买提")], title="t")
    text = "".join(poppler.text(pdf).split())
    assert "阿卜杜热合曼" in text and "买买提" in text and "\ufffd" not in text


def test_chinese_punctuation_never_starts_a_line():
    style = engine.styles()["body"]
    text = "甲" * 35 + "，乙。"  # the comma falls exactly at a line start without the rule
    for width in range(200, 420, 7):
        para = Paragraph(engine.esc(text), style)
        para.wrap(width, 1000)
        for line in para.blPara.lines[1:]:
            words = line[1] if isinstance(line, tuple) else line.words
            first = "".join(w if isinstance(w, str) else getattr(w, "text", "") for w in words)[:1]
            assert first not in "，。、：；！？”》）", (width, first)


def test_truetype_font_is_embedded(tmp_path):
    import reportlab

    vera = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    try:
        name = fonts.use_truetype(vera, name="TestVera")
        pdf = engine.render([engine.body("Embedded font check 123")], title="t")
    finally:
        fonts.use_cid_font()
    assert name == "TestVera"
    reader = PdfReader(io.BytesIO(pdf))
    font = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    assert "+BitstreamVeraSans" in str(font["/BaseFont"])  # a subset tag: AAAAAA+…
    assert "/FontFile2" in font["/FontDescriptor"]  # the subset travels with the file
    assert fonts.current_font() == fonts.CID_FONT


def test_unusable_truetype_font_is_a_settings_error(tmp_path):
    from govkit.errors import SettingsError

    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_bytes(b"nope")
    with pytest.raises(SettingsError):
        fonts.use_truetype(str(bogus))
    assert fonts.current_font() == fonts.CID_FONT

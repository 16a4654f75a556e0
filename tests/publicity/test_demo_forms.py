"""Downloadable blank forms and samples (issue 22 item 8 “网上下载”): generated for the demo county at seed time,
served by the public guide of published items only, never a file outside the catalog's storage folder.

Before: none of the demo county's 32 public guides offered a form, although their materials say 网上下载.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from govkit.catalog import fields
from govkit.catalog.demo import load_demo_catalog
from govkit.catalog.models import Implementation, Material
from govkit.errors import ValidationError
from govkit.hierarchy.sample import load_sample
from govkit.publicity.demo_forms import DOWNLOADABLE, attach_demo_forms

pytestmark = pytest.mark.both_backends


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_demo_county_gets_a_blank_form_and_a_sample_for_every_downloadable_material(app, db, client):
    storage = Path(app.config["GOVKIT_STORAGE_DIR"])
    load_sample(db.session, "demo_county")
    load_demo_catalog(db.session)
    count = attach_demo_forms(db.session, storage, 5_000_000)
    db.session.commit()
    downloadable = list(db.session.scalars(select(Material).where(Material.source_channel.contains(DOWNLOADABLE))))
    assert count == len(downloadable) >= 30
    assert all(m.blank_form_path and m.sample_path for m in downloadable)
    assert attach_demo_forms(db.session, storage, 5_000_000) == 0  # seeding again changes nothing

    material = next(m for m in downloadable if m.name == "最低生活保障申请书")
    blank = (storage / material.blank_form_path).read_bytes()
    sample = (storage / material.sample_path).read_bytes()
    assert blank.startswith(b"%PDF-") and material.blank_form_path.startswith("catalog/")
    blank_text, sample_text = _text(blank), _text(sample)
    for words in ("最低生活保障申请书", "最低生活保障审核确认", "公民身份号", "共同生活的家庭成员", "申请人承诺"):
        assert words in blank_text, words
    assert "张某某" not in blank_text and "示范文本" in sample_text and "张某某" in sample_text
    assert not re.search(r"\d{17}[\dX]", sample_text)  # invented values only: no ID number, not even a fake one

    # The public guide of the published implementation offers both; the download is the stored PDF.
    impl = db.session.get(Implementation, material.implementation_id)
    assert impl.status == "已发布"
    guide = client.get(f"/public/guide/{impl.id}").get_data(as_text=True)
    assert f"/public/material/{material.id}/blank" in guide and f"/public/material/{material.id}/sample" in guide
    response = client.get(f"/public/material/{material.id}/blank")
    assert response.status_code == 200 and response.data == blank and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    # A draft's materials are not public.
    impl.status = "草稿"
    db.session.commit()
    assert client.get(f"/public/material/{material.id}/blank").status_code == 404


def test_an_import_cannot_point_a_form_outside_the_catalog_folder():
    row = {"name": "申请书", "blank_form_path": "cases/ab/scan.pdf"}
    with pytest.raises(ValidationError, match="空白表格文件"):
        fields.clean_material(row)
    with pytest.raises(ValidationError, match="示范文本文件"):
        fields.clean_material({"name": "申请书", "sample_path": "catalog/../cases/x.pdf"})
    assert fields.clean_material({"name": "申请书", "blank_form_path": "catalog/ab/c.pdf"})["blank_form_path"] == \
        "catalog/ab/c.pdf"

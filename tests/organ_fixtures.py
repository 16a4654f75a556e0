"""Implementing organs (实施机关) for test worlds: documents are issued in their name (行政许可法 §38)."""
from __future__ import annotations

import tempfile
from pathlib import Path


def seal_png() -> Path:
    """A red ring PNG standing in for an organ's seal image (created once per machine)."""
    from PIL import Image, ImageDraw

    path = Path(tempfile.gettempdir()) / "govkit-test-seal.png"
    if not path.exists():
        image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
        ImageDraw.Draw(image).ellipse((4, 4, 116, 116), outline=(204, 0, 0, 220), width=6)
        image.save(path)
    return path


def add_organ(session, division, department=None, *, name: str, review_body: str = "上级人民政府",
              court: str = "测试县人民法院", phone: str = "0000-1234567"):
    """A fully configured organ for ``division`` (+ ``department``)."""
    from govkit.hierarchy.models import Organ

    organ = Organ(division_id=division.id, department_id=department.id if department is not None else None,
                  full_name=name, seal_image_path=str(seal_png()), review_body=review_body, court=court, phone=phone)
    session.add(organ)
    session.flush()
    return organ

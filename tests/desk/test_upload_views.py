"""Uploads through the case page: every refusal says why in Chinese and leaves nothing behind;
downloads are scope-checked (another village's clerk gets 404)."""
import io

import pytest
from sqlalchemy import func, select

from govkit.cases.models import Attachment

from .conftest import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, actor_of, valid_id
from .test_storage import image_bytes, pdf_bytes


def stored_files(app):
    from pathlib import Path

    root = Path(app.config["GOVKIT_STORAGE_DIR"])
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def registered(app, world, user_client, db):
    """A clerk's client and a case registered at the village through the engine."""
    from govkit.cases.runtime import workflow_for

    client, user = user_client("受理员", VILLAGE)
    case = workflow_for(app).register_case(
        db.session, world.implementation_id, actor=actor_of(app, user), applicant_name="赵六",
        applicant_id_number=valid_id(), form_data={"household_size": "2", "hardship": "残疾"})
    return client, case


def upload(client, case, name, data, material_id=""):
    return client.post(f"/desk/case/{case.id}/upload",
                       data={"file": (io.BytesIO(data), name), "material_id": material_id},
                       content_type="multipart/form-data", follow_redirects=True)


EXE = b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode.\r\n"


@pytest.mark.parametrize("name,data,message", [
    ("户口簿.pdf", EXE, "Windows 可执行程序（.exe），不是允许的文件类型"),
    ("大文件.pdf", pdf_bytes() + b"%" + b"x" * 70_000 + b"\n%%EOF\n", "文件超过大小上限"),
    ("../../../etc/cron.d/x.pdf", pdf_bytes(), "包含路径"),
    ("扫描.pdf", pdf_bytes()[:400], "PDF 文件不完整"),
    ("图.jpg", image_bytes("JPEG")[:300], "JPEG 图片文件已损坏或不完整"),
])
def test_bad_uploads_are_refused_and_leave_nothing(app, registered, db, name, data, message):
    client, case = registered
    response = upload(client, case, name, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "上传失败" in page and message in page
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert stored_files(app) == []


def test_request_over_the_limit_is_refused_with_a_message(app, registered, db):
    client, case = registered
    response = upload(client, case, "huge.pdf", b"%PDF-" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    assert response.status_code == 200 and "超过大小上限" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert stored_files(app) == []


def test_good_upload_preview_and_download_scope(app, registered, world, user_client, db):
    client, case = registered
    page = upload(client, case, "户口簿.png", image_bytes("PNG"), str(world.material_ids[1])).get_data(as_text=True)
    assert "已上传 1 个扫描件" in page
    tiff = upload(client, case, "收入证明.tif", image_bytes("TIFF")).get_data(as_text=True)
    assert "已上传 1 个扫描件" in tiff
    png, tif = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert png.material_id == world.material_ids[1] and len(stored_files(app)) == 2

    download = client.get(f"/desk/file/{png.id}")
    assert download.status_code == 200 and download.data == image_bytes("PNG")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    preview = client.get(f"/desk/file/{tif.id}/preview")
    assert preview.mimetype == "image/png" and preview.data.startswith(b"\x89PNG")  # TIFF shown as PNG
    assert client.get(f"/desk/file/{png.id}/preview?thumb=1").mimetype == "image/png"

    other, _ = user_client("受理员", OTHER_VILLAGE)
    for url in (f"/desk/file/{png.id}", f"/desk/file/{png.id}/preview", f"/desk/case/{case.id}",
                f"/desk/case/{case.id}/print/acceptance_notice"):
        assert other.get(url).status_code == 404, url
    assert upload(other, case, "x.png", image_bytes("PNG")).status_code == 404
    township, _ = user_client("办理员", TOWNSHIP)
    assert township.get(f"/desk/file/{png.id}").status_code == 200
    supervisor, _ = user_client("监察", COUNTY)
    assert supervisor.get(f"/desk/file/{png.id}").status_code == 200
    # Read-only roles may look but not upload.
    assert supervisor.post(f"/desk/case/{case.id}/upload", data={}).status_code in (302, 403)

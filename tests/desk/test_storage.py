"""Uploads storage: type by content, size limit, names, atomic write, nothing left behind."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from govkit.desk.storage import FileStore, sanitize_filename, sniff_type
from govkit.errors import UploadRejected


def pdf_bytes(text: str = "scan") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 700, text)
    c.showPage()
    c.save()
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, fmt)
    return out.getvalue()


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "storage", max_bytes=200_000)


@pytest.mark.parametrize("fmt,ctype", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("TIFF", "image/tiff")])
def test_images_are_stored_under_their_hash(store, fmt, ctype):
    data = image_bytes(fmt)
    stored = store.save(io.BytesIO(data), "户口本.dat")
    assert stored.content_type == ctype
    assert stored.created
    path = store.path_for(stored.sha256)
    assert path.read_bytes() == data
    assert path.parent.name == stored.sha256[2:4] and path.parent.parent.name == stored.sha256[:2]
    assert stored.filename.startswith("户口本")


def test_pdf_is_accepted_and_deduplicated(store):
    data = pdf_bytes()
    first = store.save(io.BytesIO(data), "身份证.pdf")
    second = store.save(io.BytesIO(data), "copy.pdf")
    assert first.sha256 == second.sha256 and first.created and not second.created
    assert first.filename == "身份证.pdf" and first.size == len(data)
    assert files_in(store.root) == [store.path_for(first.sha256)]


def test_renamed_executable_is_refused(store):
    exe = b"MZ\x90\x00\x03" + b"\x00" * 500 + b"This program cannot be run in DOS mode"
    with pytest.raises(UploadRejected, match="可执行程序.*只能上传 PDF、JPEG、PNG 或 TIFF"):
        store.save(io.BytesIO(exe), "申请表.pdf")
    assert files_in(store.root) == []


def test_oversized_file_is_refused_while_streaming(store):
    big = pdf_bytes() + b"\n%" + b"x" * 300_000 + b"\n%%EOF\n"
    with pytest.raises(UploadRejected, match="超过大小上限"):
        store.save(io.BytesIO(big), "big.pdf")
    assert files_in(store.root) == []


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini", "/etc/cron.d/x.pdf", "scans/../../x.pdf",
                                  ".."])
def test_path_traversal_name_is_refused(store, name):
    with pytest.raises(UploadRejected, match="路径"):
        store.save(io.BytesIO(pdf_bytes()), name)
    assert files_in(store.root) == []


def test_truncated_pdf_is_refused(store):
    data = pdf_bytes()
    with pytest.raises(UploadRejected, match="PDF 文件不完整"):
        store.save(io.BytesIO(data[: len(data) // 2]), "半截.pdf")
    assert files_in(store.root) == []


def test_pdf_with_eof_marker_but_broken_body_is_refused(store):
    with pytest.raises(UploadRejected, match="PDF"):
        store.save(io.BytesIO(b"%PDF-1.4\ngarbage garbage\n%%EOF\n"), "fake.pdf")
    assert files_in(store.root) == []


def test_truncated_jpeg_is_refused(store):
    data = image_bytes("JPEG")
    with pytest.raises(UploadRejected, match="JPEG 图片文件已损坏或不完整"):
        store.save(io.BytesIO(data[: len(data) // 2]), "a.jpg")
    assert files_in(store.root) == []


def test_empty_file_is_refused(store):
    with pytest.raises(UploadRejected, match="空的"):
        store.save(io.BytesIO(b""), "a.pdf")


def test_sniff_type_uses_content_only():
    assert sniff_type(b"%PDF-1.7") == "application/pdf"
    assert sniff_type(b"MM\x00*rest") == "image/tiff"
    assert sniff_type(b"GIF89a") is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("营业执照 副本.PDF", "营业执照 副本.pdf"),
        ("a\x07b\u202ec.pdf", "abc.pdf"),
        ('x<y>:"z|?*.jpg', "x_y___z___.pdf"),
        ("", "扫描件.pdf"),
        ("...pdf", "pdf.pdf"),
        ("no_extension", "no_extension.pdf"),
        ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
    ],
)
def test_sanitize_filename(raw, expected):
    assert sanitize_filename(raw, "application/pdf") == expected


def test_stale_temp_files_are_listed_not_served(store, monkeypatch):
    # A crash between write and rename leaves only a .part file in .incoming, never a hash name.
    import os

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.save(io.BytesIO(pdf_bytes()), "a.pdf")
    assert [p for p in files_in(store.root) if ".incoming" not in p.parts] == []


def test_put_stores_generated_bytes_once_and_survives_a_removed_folder(store, monkeypatch):
    """``put`` (issued PDFs): the bytes under their hash, no temporary file left, the same bytes again a
    no-op; a folder it made before and that was removed since is made again; a crash before the rename
    leaves no hash name and no temporary file."""
    import os
    import shutil

    data = pdf_bytes("issued")
    sha = store.put(data)
    assert store.read(sha) == data and files_in(store.root) == [store.path_for(sha)]
    assert store.put(data) == sha and files_in(store.root) == [store.path_for(sha)]
    shutil.rmtree(store.root)  # the folders are remembered per process: put must notice and make them again
    assert store.put(data) == sha and store.read(sha) == data
    assert files_in(store.root) == [store.path_for(sha)]

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.put(pdf_bytes("another"))
    assert files_in(store.root) == [store.path_for(sha)]


def test_storage_check_command_finds_and_deletes_orphans(make_app, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from govkit.desk.cli import storage_group

    storage = tmp_path / "st"
    app = make_app(STORAGE_DIR=str(storage))
    store = FileStore(storage, 1_000_000)
    stored = store.save(io.BytesIO(pdf_bytes()), "x.pdf")
    monkeypatch.setattr("govkit.app.create_app", lambda *a, **k: app)
    result = CliRunner().invoke(storage_group, ["check"])
    assert result.exit_code == 0 and stored.sha256 in result.output and store.exists(stored.sha256)
    result = CliRunner().invoke(storage_group, ["check", "--delete"])
    assert result.exit_code == 0 and not store.exists(stored.sha256)

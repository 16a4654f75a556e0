"""Blank form / sample attachments: content-checked, stored by hash, no escape from the folder."""
from __future__ import annotations

import io

import pytest

from govkit.catalog.attachments import attachment_file, store_attachment
from govkit.errors import UploadRejected, ValidationError

PDF = b"%PDF-1.4\n%%EOF\n"


def test_store_and_find(tmp_path):
    path, name = store_attachment(tmp_path, "C:\\Users\\x\\申请表.pdf", io.BytesIO(PDF), 1024)
    assert name == "申请表.pdf" and path.startswith("catalog/") and path.endswith(".pdf")
    assert attachment_file(tmp_path, path).read_bytes() == PDF
    again, _ = store_attachment(tmp_path, "copy.pdf", io.BytesIO(PDF), 1024)
    assert again == path  # same content, stored once


@pytest.mark.parametrize("filename,content,message", [
    ("virus.exe", b"MZ\x90", "类型不受支持"),
    ("form.pdf", b"MZ\x90\x00", "内容与扩展名 .pdf 不符"),
    ("form.docx", b"PK\x03\x04broken", "已损坏"),
    ("empty.pdf", b"", "空的"),
    ("big.pdf", PDF * 100, "上限"),
])
def test_rejected_uploads(tmp_path, filename, content, message):
    with pytest.raises(UploadRejected, match=message):
        store_attachment(tmp_path, filename, io.BytesIO(content), 1024)
    assert not any(p.is_file() for p in (tmp_path / "catalog").rglob("*") if ".incoming" not in p.parts)


def test_paths_outside_the_catalog_folder_are_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    with pytest.raises(ValidationError):
        attachment_file(tmp_path, "catalog/../secret.txt")
    with pytest.raises(ValidationError):
        attachment_file(tmp_path, None)

"""Blank forms and sample texts (空白表格/示范文本) of materials, kept in the storage folder.

Plain Python, no Flask. Files are stored under ``<storage>/catalog/<sha256[:2]>/<sha256><ext>``
(content-addressed, so a form shared by several versions is stored once); the material row keeps
the relative path and the original name. The type is checked against the content (magic bytes):
PDF, Word/Excel/WPS (OOXML or the older OLE format), OFD, JPEG and PNG.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from govkit.errors import UploadRejected, ValidationError

FOLDER = "catalog"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: extension → accepted magic prefixes
ALLOWED: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (_OLE,), ".xls": (_OLE,), ".wps": (_OLE,), ".et": (_OLE,),
    ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".ofd": (b"PK\x03\x04",),
}
KINDS = {"blank_form": "空白表格", "sample": "示范文本"}


def store_attachment(storage_dir: str | os.PathLike, filename: str, stream: BinaryIO,
                     max_bytes: int) -> tuple[str, str]:
    """Save an uploaded form; returns (relative path, clean original name) or raises UploadRejected."""
    name = Path(str(filename or "").replace("\\", "/")).name.strip()
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED:
        raise UploadRejected(f"“{name or '（无文件名）'}”的类型不受支持。空白表格和示范文本请上传 "
                             "PDF、Word、Excel、WPS、OFD 或 JPG/PNG 图片。")
    root = Path(storage_dir) / FOLDER
    (root / ".incoming").mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=root / ".incoming", delete=False) as tmp:
        try:
            head = b""
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(f"文件超过 {max_bytes // (1024 * 1024)} MB 的上限，请压缩后重新上传。")
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                tmp.write(chunk)
            tmp.close()
            if size == 0:
                raise UploadRejected("上传的文件是空的，请重新选择文件。")
            if not any(head.startswith(magic) for magic in ALLOWED[extension]):
                raise UploadRejected(f"文件“{name}”的内容与扩展名 {extension} 不符，已拒绝。请上传原始文件。")
            if head.startswith(b"PK") and not zipfile.is_zipfile(tmp.name):
                raise UploadRejected(f"文件“{name}”已损坏（压缩结构不完整），请重新保存后上传。")
        except BaseException:
            os.unlink(tmp.name)
            raise
    relative = f"{FOLDER}/{digest.hexdigest()[:2]}/{digest.hexdigest()}{extension}"
    target = Path(storage_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp.name, target)
    return relative, name[:200]


def attachment_file(storage_dir: str | os.PathLike, relative: str | None) -> Path:
    """The absolute path of a stored attachment; refuses anything outside ``<storage>/catalog``."""
    if not relative:
        raise ValidationError("该材料没有上传此附件。")
    root = (Path(storage_dir) / FOLDER).resolve()
    path = (Path(storage_dir) / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise ValidationError("附件文件不存在，可能已被移走；请事项管理员重新上传。")
    return path

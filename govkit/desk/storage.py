"""Scanned attachments (扫描件) stored under their content hash, outside the web root.

Plain Python, no Flask. Layout: ``<root>/ab/cd/abcdef…`` (sha256, two shard levels);
files are written to ``<root>/.incoming/`` first, synced, and moved into place with
:func:`os.replace`, so a crash never leaves a half-written file under a hash name; the folder that received
the file is synced too (:func:`_sync_folder`), so a file the database already names survives a power loss.
The type is decided by the content (magic bytes), never by the file name: only
PDF, JPEG, PNG and TIFF are accepted, and each is checked to be complete.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from govkit.errors import UploadRejected

#: Accepted content types with the extension a stored file is given.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
}
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG 图片", "image/png": "PNG 图片", "image/tiff": "TIFF 图片"}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def _sync_folder(folder: str | os.PathLike) -> None:
    """fsync a folder after a rename into it: the rename is then on disk, not only the file's bytes (the
    file's row is committed right after, and must never name a file a power loss took back)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Recognised only to say clearly what was refused.
_KNOWN_BAD: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows 可执行程序（.exe）"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"PK\x03\x04", "压缩包或 Office 文档"),
    (b"Rar!", "RAR 压缩包"),
    (b"#!", "脚本文件"),
    (b"<", "网页或 XML 文件"),
)
_CHUNK = 64 * 1024
_MAX_NAME = 120
_RESERVED = re.compile(r'[<>:"|?*]')
INCOMING = ".incoming"
#: Folders :meth:`FileStore.put` made or found in this process (``mkdir`` once, not per document).
_FOLDERS: set[str] = set()


@dataclass(frozen=True)
class StoredFile:
    """What :meth:`FileStore.save` stored: hash, size, type, clean name, and whether it is new."""

    sha256: str
    size: int
    content_type: str
    filename: str
    created: bool


def sniff_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when not accepted."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _describe(head: bytes) -> str:
    for magic, what in _KNOWN_BAD:
        if head.startswith(magic):
            return f"这是{what}，"
    return ""


def sanitize_filename(name: str | None, content_type: str) -> str:
    """A safe display name: no path, no control characters, Chinese kept, right extension.

    A name that tries to climb out of a folder (``../``, ``..\\``, an absolute path)
    is refused rather than cleaned, so such a request is visible in the logs.
    """
    raw = unicodedata.normalize("NFC", str(name or "")).strip()
    if "\x00" in raw:
        raise UploadRejected("文件名中含有非法字符，请把文件改名（只用中文、字母、数字）后重新上传。")
    if "/" in raw or "\\" in raw or raw in {".", ".."}:
        raise UploadRejected(
            f"文件名“{raw[:60]}”包含路径（如 ../ 或 \\），已拒绝。请只选择文件本身上传，"
            "不要在文件名中写文件夹。"
        )
    clean = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    clean = _RESERVED.sub("_", clean).strip(" .")
    stem, _, _ext = clean.rpartition(".") if "." in clean else (clean, "", "")
    stem = stem.strip(" .") or "扫描件"
    extension = ALLOWED_TYPES[content_type]
    return stem[: _MAX_NAME - len(extension)] + extension


def _check_pdf(path: Path, size: int) -> None:
    with path.open("rb") as fh:
        fh.seek(max(0, size - 1024))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise UploadRejected(
            "PDF 文件不完整（缺少文件结尾，可能上传中断或扫描未完成），已拒绝。请重新扫描或重新导出 PDF 后上传。"
        )
    from pypdf import PdfReader  # deferred: pypdf and Pillow are heavy; only previews need them
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise UploadRejected("PDF 文件已加密，系统无法查看。请上传未加密的扫描件。")
        pages = len(reader.pages)
    except UploadRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UploadRejected(f"PDF 文件已损坏，无法打开（{type(exc).__name__}），已拒绝。请重新扫描后上传。") from exc
    if pages < 1:
        raise UploadRejected("PDF 文件没有任何页面，已拒绝。请重新扫描后上传。")


def _check_image(path: Path, content_type: str) -> None:
    from PIL import Image, UnidentifiedImageError  # deferred: pypdf and Pillow are heavy; only previews need them

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:  # verify() does not decode; load() finds truncation
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRejected(
            f"{TYPE_NAMES[content_type]}文件已损坏或不完整，无法打开，已拒绝。请重新扫描后上传。"
        ) from exc


class FileStore:
    """Content-addressed file storage in ``root`` with an upload size limit."""

    def __init__(self, root: str | os.PathLike, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        """Where the file with this hash lives (``root/ab/cd/<hash>``)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
            raise UploadRejected("文件标识无效。")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def save(self, stream: BinaryIO, filename: str | None) -> StoredFile:
        """Validate and store ``stream``; raise :class:`UploadRejected` leaving nothing behind."""
        incoming = self.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming, prefix="up-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            digest, size, head = hashlib.sha256(), 0, b""
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise UploadRejected(
                            f"文件超过大小上限 {format_size(self.max_bytes)}，已拒绝。"
                            "请降低扫描分辨率（如 200 dpi、灰度）或分成几个文件上传。"
                        )
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise UploadRejected("文件是空的（0 字节），请重新选择扫描件。")
            content_type = sniff_type(head)
            if content_type is None:
                raise UploadRejected(
                    f"{_describe(head)}不是允许的文件类型，已拒绝。只能上传 PDF、JPEG、PNG 或 TIFF 扫描件"
                    "（系统按文件内容判断类型，改扩展名无效）。"
                )
            clean_name = sanitize_filename(filename, content_type)
            if content_type == "application/pdf":
                _check_pdf(tmp, size)
            else:
                _check_image(tmp, content_type)
            sha = digest.hexdigest()
            final = self.path_for(sha)
            created = not final.exists()
            if created:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)  # atomic on one file system
                _sync_folder(final.parent)
            return StoredFile(sha, size, content_type, clean_name, created)
        finally:
            tmp.unlink(missing_ok=True)

    def put(self, data: bytes) -> str:
        """Store bytes the system made itself (an issued PDF) under their hash; return the hash.

        Written to a temporary file, synced, then renamed into place: a crash leaves either
        no file or the whole file, never part of one. Storing the same bytes again is a no-op.
        One of these per issued document, so it stays at the system calls that need doing: the
        folders it made once are remembered (:data:`_FOLDERS`), the temporary file is named after
        the hash and the process (``O_EXCL``, no random name) and written through its descriptor.
        """
        sha = hashlib.sha256(data).hexdigest()
        root = os.fspath(self.root)
        folder = os.path.join(root, sha[:2], sha[2:4])
        final = os.path.join(folder, sha)
        if os.path.exists(final):
            return sha
        incoming = os.path.join(root, INCOMING)
        try:
            self._write_synced(incoming, folder, final, sha, data)
        except FileNotFoundError:  # a remembered folder was removed underneath us: make the folders again
            _FOLDERS.discard(incoming)
            _FOLDERS.discard(folder)
            self._write_synced(incoming, folder, final, sha, data)
        return sha

    @staticmethod
    def _write_synced(incoming: str, folder: str, final: str, sha: str, data: bytes) -> None:
        for path in (incoming, folder):
            if path not in _FOLDERS:
                os.makedirs(path, exist_ok=True)
                _FOLDERS.add(path)
        try:
            tmp = os.path.join(incoming, f"up-{sha[:16]}-{os.getpid()}-{threading.get_ident()}.part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # left by a crash of a process with the same id: any free name will do
            fd, tmp = tempfile.mkstemp(dir=incoming, prefix="up-", suffix=".part")
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
            _sync_folder(folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def read(self, sha256: str) -> bytes:
        """The stored bytes with this hash (checked against it)."""
        data = self.path_for(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise UploadRejected("存储的文件已损坏（内容与登记的校验值不符），请联系系统管理员。")
        return data

    def delete(self, sha256: str) -> None:
        """Remove a stored file (used to undo a save whose database row was rolled back)."""
        self.path_for(sha256).unlink(missing_ok=True)

    def stale_incoming(self) -> list[Path]:
        """Temporary files left by a crash (safe to delete when no upload is running)."""
        folder = self.root / INCOMING
        return sorted(folder.glob("up-*.part")) if folder.is_dir() else []


def format_size(n: int) -> str:
    """A size limit as people say it: 20 MB, 60 KB."""
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def image_preview_png(store: FileStore, sha256: str, max_side: int = 1600) -> bytes:
    """A PNG preview of a stored TIFF/large image (browsers do not show TIFF)."""
    from PIL import Image  # deferred: pypdf and Pillow are heavy; only previews need them

    with Image.open(store.path_for(sha256)) as image:
        image.thumbnail((max_side, max_side))
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def stored_hashes(store: FileStore):
    """Every hash that has a file under ``store.root`` (walks the two shard levels)."""
    for first in sorted(store.root.glob("[0-9a-f][0-9a-f]")):
        for second in sorted(first.glob("[0-9a-f][0-9a-f]")):
            for path in sorted(second.iterdir()):
                if re.fullmatch(r"[0-9a-f]{64}", path.name):
                    yield path.name

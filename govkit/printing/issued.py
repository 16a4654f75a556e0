"""Sealing issued documents and checking them later (签章与核验), no Flask.

:func:`seal_if_configured` seals a rendered PDF when the deployment has a seal
certificate; the issuing service (:mod:`govkit.desk.issuing`) records what was
handed out (:class:`~govkit.printing.models.IssuedDocument`). :func:`verify` answers
the public verify page: does a document number together with the SHA-256 of a file
(or the short hash of its QR code) match something the system issued, and is that
document still valid, superseded or withdrawn?
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.errors import ValidationError
from govkit.printing import seal
from govkit.printing.models import IssuedDocument

__all__ = ["seal_if_configured", "verify", "Verification", "parse_sha256", "parse_digest", "MATCH", "MISMATCH",
           "NOT_FOUND", "OTHER_NUMBER"]

MATCH = "match"                # number and hash belong to one issued document
MISMATCH = "mismatch"          # the number was issued, but never with these bytes
OTHER_NUMBER = "other_number"  # these bytes were issued, under another number
NOT_FOUND = "not_found"        # neither the number nor the bytes were issued

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_SPACES = re.compile(r"\s+")


def seal_if_configured(pdf: bytes, settings: Any, *, reason: str, location: str | None = None,
                       p12_path: str | None = None, passphrase: str | None = None) -> tuple[bytes, bool]:
    """``(pdf, signed)``: signed with the issuing organ's certificate (``p12_path``) or else the
    deployment's ``SEAL_P12_PATH`` when one is given, else as it is.

    Raises :class:`~govkit.errors.SettingsError` when the certificate cannot be used.
    """
    path = p12_path or settings.get("SEAL_P12_PATH")
    if not path:
        return pdf, False
    secret = passphrase if p12_path else settings.get("SEAL_PASSPHRASE")
    return seal.sign_pdf(pdf, path, secret, reason=reason, location=location), True


def parse_sha256(text: str) -> str:
    """A pasted SHA-256 (any case, spaces or colons between bytes allowed) as 64 lowercase hex digits."""
    value = re.sub(r"[\s:]", "", unicodedata.normalize("NFKC", text or "")).lower()
    if not _HEX64.fullmatch(value):
        raise ValidationError("SHA-256 值应为 64 位十六进制数字（0-9、a-f），请完整复制后粘贴。")
    return value


def parse_digest(text: str) -> str:
    """A pasted SHA-256 (64 hex digits) or the 16-digit short hash of a document's QR code, normalised."""
    value = re.sub(r"[\s:]", "", unicodedata.normalize("NFKC", text or "")).lower()
    if _HEX16.fullmatch(value):
        return value
    return parse_sha256(value)


def _number_forms(number: str) -> set[str]:
    """The typed number as entered and without any spaces (full-width forms folded)."""
    folded = unicodedata.normalize("NFKC", number).strip()
    return {number.strip(), folded, _SPACES.sub("", folded)} - {""}


def _same_number(stored: str, typed: str) -> bool:
    return (_SPACES.sub("", unicodedata.normalize("NFKC", stored))
            == _SPACES.sub("", unicodedata.normalize("NFKC", typed)))


@dataclass(frozen=True)
class Verification:
    """Answer of :func:`verify`; ``document`` is the matching issue (only for MATCH), ``successor``
    the document that replaced it when it was superseded."""

    outcome: str
    document: IssuedDocument | None = None
    successor: IssuedDocument | None = None

    @property
    def matches(self) -> bool:
        return self.outcome == MATCH


def verify(session: Session, document_number: str, digest: str) -> Verification:
    """Check ``document_number`` with the SHA-256 (hex) of a file, or the QR code's 16-digit short hash."""
    if not (document_number or "").strip():
        raise ValidationError("请输入文书编号。")
    digest = parse_digest(digest)
    column = IssuedDocument.check_code if len(digest) == 16 else IssuedDocument.sha256
    issued = session.scalars(select(IssuedDocument).where(column == digest)
                             .order_by(IssuedDocument.issued_at, IssuedDocument.id)).all()
    for row in issued:
        if _same_number(row.document_number, document_number):
            successor = session.get(IssuedDocument, row.superseded_by_id) if row.superseded_by_id else None
            return Verification(MATCH, row, successor)
    if issued:
        return Verification(OTHER_NUMBER)
    known = session.scalar(select(IssuedDocument.id).where(
        IssuedDocument.document_number.in_(sorted(_number_forms(document_number)))).limit(1))
    return Verification(MISMATCH if known is not None else NOT_FOUND)

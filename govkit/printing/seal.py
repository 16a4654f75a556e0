"""Electronic seal (电子签章): PAdES signatures on rendered notices, with pyHanko.

A county that has a document-signing certificate (PKCS#12, ``.p12``/``.pfx``)
signs each notice after rendering; the signature is invisible (the printed
seal space stays for the ink seal) and any change to the file breaks it.

Independently of signing, the system stores :func:`document_fingerprint` of
every notice it issues, so the public verify page can check that a notice's
number and hash match what was issued, even for unsigned notices.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govkit.errors import SettingsError, ValidationError

__all__ = ["sign_pdf", "document_fingerprint", "verify_pdf", "SealCheck", "SIGNATURE_FIELD"]

#: Name of the signature field govkit adds.
SIGNATURE_FIELD = "GovkitSeal"


def document_fingerprint(pdf_bytes: bytes) -> str:
    """SHA-256 of the exact PDF bytes, hex (stored at issue, compared on verify)."""
    return hashlib.sha256(pdf_bytes).hexdigest()


def _load_signer(p12_path: str | Path, passphrase: str | bytes | None):
    from pyhanko.sign import signers  # deferred: pyHanko and its crypto stack are heavy; only sealing needs them

    path = Path(p12_path)
    if not path.is_file():
        raise SettingsError(f"电子印章证书文件 {path} 不存在，请检查签章证书配置。", key="SEAL_P12_PATH")
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    except (ValueError, TypeError, OSError) as exc:
        signer = None
        cause: Exception | None = exc
    else:
        cause = None
    if signer is None:
        raise SettingsError(f"无法读取电子印章证书 {path}：口令错误或文件不是 PKCS#12 证书。",
                            key="SEAL_P12_PATH") from cause
    return signer


def sign_pdf(pdf_bytes: bytes, p12_path: str | Path, passphrase: str | bytes | None,
             reason: str = "电子印章", *, location: str | None = None,
             field_name: str = SIGNATURE_FIELD) -> bytes:
    """Sign ``pdf_bytes`` with the county certificate (PAdES baseline B-B).

    Returns the signed PDF (the original plus an incremental update).
    Raises :class:`SettingsError` for a missing/unreadable certificate and
    :class:`ValidationError` when ``pdf_bytes`` is not a PDF.
    """
    # deferred: pyHanko and its crypto stack are heavy; only sealing needs them
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign import fields, signers

    if not pdf_bytes.startswith(b"%PDF-"):
        raise ValidationError("只能对 PDF 文件签章。")
    signer = _load_signer(p12_path, passphrase)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, reason=reason, location=location,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    except PdfReadError as exc:
        raise ValidationError(f"PDF 文件无法解析，不能签章：{exc}") from exc
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


@dataclass(frozen=True)
class SealCheck:
    """Outcome of checking a signed notice."""

    signed: bool
    intact: bool  # the signed bytes were not changed
    trusted: bool  # the certificate chains to one of the given trust roots
    covers_whole_file: bool  # nothing was appended after signing
    signer: str = ""
    signed_at: datetime | None = None


def verify_pdf(pdf_bytes: bytes, trust_roots: list | None = None) -> SealCheck:
    """Check the govkit signature of a notice.

    ``trust_roots`` are ``asn1crypto`` or ``cryptography`` certificates (the
    county's CA or its self-signed seal certificate).
    """
    # deferred: pyHanko and its crypto stack are heavy; only sealing needs them
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf_bytes))
    sigs = reader.embedded_signatures
    if not sigs:
        return SealCheck(signed=False, intact=False, trusted=False, covers_whole_file=False)
    # Only the roots given are trusted (never the OS list); nothing is fetched:
    # the verify page runs on the intranet.
    vc = ValidationContext(trust_roots=[_asn1_cert(c) for c in trust_roots or []], allow_fetching=False)
    status = validate_pdf_signature(sigs[-1], vc)
    return SealCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
    )


def _asn1_cert(cert):
    from asn1crypto import x509  # deferred: pyHanko and its crypto stack are heavy; only sealing needs them

    if isinstance(cert, x509.Certificate):
        return cert
    # deferred: pyHanko and its crypto stack are heavy; only sealing needs them
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.Certificate.load(cert.public_bytes(Encoding.DER))

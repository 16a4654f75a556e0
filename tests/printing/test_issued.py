"""Issued documents (签发记录) and their verification, as services (no HTTP)."""
from __future__ import annotations

import hashlib

import pytest

from govkit.errors import ValidationError
from govkit.printing import issued

DIGEST = hashlib.sha256(b"%PDF-1.4 notice").hexdigest()


@pytest.mark.parametrize("pasted", [DIGEST, DIGEST.upper(), " ".join(DIGEST[i:i + 4] for i in range(0, 64, 4)),
                                    ":".join(DIGEST[i:i + 2] for i in range(0, 64, 2)),
                                    DIGEST.upper().translate({c: c + 0xFEE0 for c in range(0x30, 0x5B)})])
def test_pasted_sha256_forms(pasted):
    assert issued.parse_sha256(pasted) == DIGEST


@pytest.mark.parametrize("pasted", ["", DIGEST[:-1], DIGEST + "0", "x" * 64, "md5:" + DIGEST[:32]])
def test_bad_sha256_says_what_it_wants(pasted):
    with pytest.raises(ValidationError, match="64 位十六进制"):
        issued.parse_sha256(pasted)


def _row(number: str, sha256: str, **fields):
    from govkit.printing.models import IssuedDocument

    return IssuedDocument(document_number=number, template_name="acceptance_notice", title="受理通知书",
                          sha256=sha256, size=15, **fields)


def test_verify(app, db):
    from govkit.printing.models import SUPERSEDED

    session = db.session
    first = _row("梅河口受字〔2026〕第 0123 号", DIGEST, issuing_body="梅河口市曙光镇人民政府",
                 check_code="0123456789abcdef")
    other = _row("梅河口受字〔2026〕第 0125 号", hashlib.sha256(b"%PDF-1.4 other").hexdigest())
    session.add_all([first, other])
    session.flush()
    first.status, first.superseded_by_id = SUPERSEDED, other.id
    session.commit()
    found = issued.verify(session, "梅河口受字〔２０２６〕第0123号", DIGEST)  # full-width digits, no spaces
    assert found.matches and found.document.id == first.id and found.successor.id == other.id
    assert issued.verify(session, first.document_number, other.sha256).outcome == issued.OTHER_NUMBER
    assert issued.verify(session, first.document_number, "0123 4567 89AB CDEF").document.id == first.id  # QR code
    assert issued.verify(session, first.document_number, "0" * 16).outcome == issued.MISMATCH
    assert issued.verify(session, first.document_number, "0" * 64).outcome == issued.MISMATCH
    assert issued.verify(session, "梅河口受字〔2026〕第 0124 号", DIGEST).outcome == issued.OTHER_NUMBER
    assert issued.verify(session, "梅河口受字〔2026〕第 0124 号", "0" * 64).outcome == issued.NOT_FOUND
    with pytest.raises(ValidationError):
        issued.verify(session, "  ", DIGEST)


def test_sealing_follows_the_setting():
    assert (issued.seal_if_configured(b"%PDF-1.4 x", {"SEAL_P12_PATH": None}, reason="受理通知书")
            == (b"%PDF-1.4 x", False))

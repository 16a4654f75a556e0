"""Electronic seal: PAdES signature with a county PKCS#12 certificate (self-signed here)."""
from __future__ import annotations

import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from govkit.errors import SettingsError, ValidationError
from govkit.printing import seal

PASSPHRASE = "示范县-seal"


@pytest.fixture(scope="module")
def county_cert(tmp_path_factory):
    """A self-signed seal certificate for 示范县人民政府, stored as a PKCS#12 file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "示范县人民政府"),
        x509.NameAttribute(NameOID.COMMON_NAME, "示范县政务服务电子印章"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("seal") / "county.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"county", key, cert, None, serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    return path, cert


@pytest.fixture(scope="module")
def notice_pdf():
    from tests.printing.conftest import case_notice
    from govkit.printing import default_registry

    return default_registry().render("acceptance_notice", case_notice.__wrapped__())


def test_sign_and_verify(county_cert, notice_pdf, poppler):
    path, cert = county_cert
    signed = seal.sign_pdf(notice_pdf, path, PASSPHRASE, reason="受理通知书电子签章", location="示范县")
    assert signed.startswith(notice_pdf)  # incremental update: the issued bytes are untouched
    check = seal.verify_pdf(signed, trust_roots=[cert])
    assert check.signed and check.intact and check.trusted and check.covers_whole_file
    assert "示范县政务服务电子印章" in check.signer
    assert "受理通知书" in poppler.text(signed)  # still an ordinary, readable PDF


def test_tampering_breaks_the_seal(county_cert, notice_pdf):
    path, cert = county_cert
    signed = seal.sign_pdf(notice_pdf, path, PASSPHRASE)
    i = len(notice_pdf) // 2
    tampered = signed[:i] + bytes([signed[i] ^ 1]) + signed[i + 1:]
    assert not seal.verify_pdf(tampered, trust_roots=[cert]).intact


def test_untrusted_root_is_reported(county_cert, notice_pdf):
    path, _ = county_cert
    signed = seal.sign_pdf(notice_pdf, path, PASSPHRASE)
    check = seal.verify_pdf(signed)  # no trust roots given
    assert check.intact and not check.trusted


def test_unsigned_notice(notice_pdf):
    assert not seal.verify_pdf(notice_pdf).signed


def test_wrong_passphrase_or_missing_file(county_cert, notice_pdf, tmp_path):
    path, _ = county_cert
    with pytest.raises(SettingsError, match="口令"):
        seal.sign_pdf(notice_pdf, path, "wrong")
    with pytest.raises(SettingsError, match="不存在"):
        seal.sign_pdf(notice_pdf, tmp_path / "missing.p12", PASSPHRASE)
    with pytest.raises(ValidationError):
        seal.sign_pdf(b"not a pdf", path, PASSPHRASE)


def test_fingerprint(notice_pdf):
    assert seal.document_fingerprint(notice_pdf) == hashlib.sha256(notice_pdf).hexdigest()
    assert len(seal.document_fingerprint(b"")) == 64

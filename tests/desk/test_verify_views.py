"""Issued notices and the public verify page, through HTTP: a notice printed at the desk is
issued once (printing again serves the same bytes), and /public/verify (no login) confirms it
— or says why not — without personal data."""
import hashlib
import io
import re

import pytest
from sqlalchemy import func, select

from govkit.cases.models import Case
from govkit.printing.models import IssuedDocument

from .conftest import COUNTY, FreshClient, VILLAGE
from .test_intake_views import intake_data
from tests.printing.test_seal import PASSPHRASE, county_cert  # noqa: F401  (fixture)

PHONE = "13912345678"


def accepted_case(world, user_client, db):
    clerk, user = user_client("受理员", VILLAGE)
    response = clerk.post(f"/desk/intake/item/{world.implementation_id}",
                          data=intake_data(world, applicant_phone=PHONE))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return clerk, user, db.session.scalar(select(Case))


def print_notice(clerk, case) -> bytes:
    response = clerk.get(f"/desk/case/{case.id}/print/acceptance_notice")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def public_client(app):
    app.test_client_class = FreshClient
    return app.test_client()  # not logged in


def check(client, number, pdf=None, sha256=None, filename="notice.pdf", environ_base=None):
    data = {"no": number}
    if pdf is not None:
        data["file"] = (io.BytesIO(pdf), filename)
    if sha256 is not None:
        data["sha256"] = sha256
    response = client.post("/public/verify", data=data, content_type="multipart/form-data",
                           **({"environ_base": environ_base} if environ_base else {}))
    return response.status_code, response.get_data(as_text=True)


def verdict(html: str) -> str | None:
    """The answer shown in large type: 一致 / 不一致 / 未找到 (None when the page gave no answer)."""
    found = re.search(r'<strong class="big">([^<]+)</strong>', html)
    return found.group(1) if found else None


def personal_data(case) -> list[str]:
    return [case.applicant_name, case.applicant_id_number, "110105********002X", PHONE, "139****5678",
            case.progress_token]


def test_printed_notice_is_recorded_and_verifies(desk_app, desk_world, user_client, db):
    clerk, user, case = accepted_case(desk_world, user_client, db)
    pdf = print_notice(clerk, case)
    row = db.session.scalar(select(IssuedDocument))
    assert (row.template_name, row.title, row.case_id) == ("acceptance_notice", "受理通知书", case.id)
    assert row.document_number != case.number and row.document_number.startswith("621002000000-")
    assert (row.sha256, row.size) == (hashlib.sha256(pdf).hexdigest(), len(pdf))
    # Issued in the name of the implementing organ (低保: the county's 民政局), not the village that received it.
    assert (row.division_code, row.issuing_body, row.issued_by_id, row.signed) == (
        COUNTY, "测试县民政局", user.id, False)

    # Printing again serves the stored bytes: no new row, the same number.
    again = print_notice(clerk, case)
    assert again == pdf
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 1

    public = public_client(desk_app)
    assert public.get("/public/verify").status_code == 200
    for copy in (pdf, again):
        status, html = check(public, row.document_number, copy)
        assert status == 200 and verdict(html) == "一致"
        assert "受理通知书" in html and "测试县民政局" in html and "有效" in html
        issued_on = row.issued_at
        assert re.search(r"签发日期</th><td>\d{4}年\d{1,2}月\d{1,2}日", html), html
        assert str(issued_on.year) in html
        for secret in personal_data(case):
            assert secret not in html, secret

    # The SHA-256 pasted instead of the file (upper case, with spaces) verifies as well.
    digest = hashlib.sha256(pdf).hexdigest().upper()
    status, html = check(public, f"  {row.document_number} ", sha256=" ".join(digest[i:i + 8] for i in range(0, 64, 8)))
    assert status == 200 and verdict(html) == "一致" and "受理通知书" in html


def test_tampered_unknown_and_wrong_number(desk_app, desk_world, user_client, db):
    clerk, _, case = accepted_case(desk_world, user_client, db)
    pdf = print_notice(clerk, case)
    number = db.session.scalar(select(IssuedDocument.document_number))
    public = public_client(desk_app)

    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01  # one bit in the middle of the file
    status, html = check(public, number, bytes(tampered))
    assert status == 200 and verdict(html) == "不一致" and "文件可能被修改过" in html
    assert "文书名称" not in html and "测试县" not in html  # nothing about the issued notice
    for secret in personal_data(case):
        assert secret not in html, secret

    status, html = check(public, "NO-SUCH-NUMBER-1", bytes(tampered))
    assert status == 200 and verdict(html) == "未找到" and "请核对文书编号" in html

    status, html = check(public, "NO-SUCH-NUMBER-1", pdf)  # a genuine file under a wrong number
    assert status == 200 and verdict(html) == "不一致" and "与您输入的文书编号不符" in html and number not in html


@pytest.mark.parametrize("case_, expected", [
    ({"no": "", "pdf": b"%PDF-1.4 x"}, "请输入文书编号"),
    ({"no": "X1"}, "请上传 PDF 文件，或粘贴文件的 SHA-256 值"),
    ({"no": "X1", "pdf": b"\x89PNG\r\n\x1a\n not a pdf", "filename": "photo.png"}, "不是 PDF 文件"),
    ({"no": "X1", "pdf": b"", "filename": "empty.pdf"}, "不是 PDF 文件"),
    ({"no": "X1", "sha256": "abc123"}, "64 位十六进制"),
    ({"no": "X1", "sha256": "g" * 64}, "64 位十六进制"),
    ({"no": "X1", "pdf": b"%PDF-1.4 x", "sha256": "0" * 64}, "不是同一个文件"),
    ({"no": "X" * 65, "sha256": "0" * 64}, "请输入文书编号"),
])
def test_invalid_input_is_answered_in_chinese(desk_app, case_, expected):
    status, html = check(public_client(desk_app), case_["no"], case_.get("pdf"), case_.get("sha256"),
                         case_.get("filename", "notice.pdf"))
    assert status == 400 and expected in html and verdict(html) is None


def test_odd_requests_never_fail(desk_app):
    public = public_client(desk_app)
    # A form post without multipart, a file field sent as text, a bare POST, a PUT.
    assert public.post("/public/verify", data={"no": "X1", "file": "not-a-file"}).status_code == 400
    assert public.post("/public/verify").status_code == 400
    assert public.post("/public/verify", data=b"\x00\xff" * 100, content_type="multipart/form-data").status_code == 400
    assert public.put("/public/verify").status_code == 405


def test_upload_limits(make_app):
    app = make_app(VERIFY_MAX_BYTES=20_000)
    public = app.test_client()
    # Over the cap but inside the form allowance: read up to the cap, refused.
    status, html = check(public, "X1", b"%PDF-1.4\n" + b"0" * 20_000)
    assert status == 400 and "文件超过 19 KB" in html
    # Far over: refused before the body is read (413), still a Chinese page with the form.
    status, html = check(public, "X1", b"%PDF-1.4\n" + b"0" * 3_000_000)
    assert status == 413 and "文件超过 19 KB" in html and 'name="no"' in html


def test_csrf_is_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/public/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "the verify form carries a CSRF token"
    with_token = client.post("/public/verify", data={"no": "X1", "sha256": "0" * 64, "csrf_token": token.group(1)},
                             content_type="multipart/form-data")
    assert with_token.status_code == 200 and verdict(with_token.get_data(as_text=True)) == "未找到"
    without = client.post("/public/verify", data={"no": "X1", "sha256": "0" * 64}, content_type="multipart/form-data")
    assert without.status_code == 400 and "页面已过期" in without.get_data(as_text=True)


def test_rate_limit(make_app):
    app = make_app(VERIFY_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [check(client, "X1", sha256="0" * 64)[0] for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/public/verify").status_code == 200  # showing the form costs nothing


def test_failed_checks_are_limited_per_document_number_across_addresses(make_app):
    """Issue 21 item 6 (“the same for the verify page”): failures count per document number from any address."""
    app = make_app(VERIFY_RATE_LIMIT="100 per minute", VERIFY_NUMBER_FAILURE_LIMIT="3 per day")
    addresses = [app.test_client() for _ in range(4)]
    codes = [check(client, "X-2026-0001", sha256=f"{i:064x}", environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})[0]
             for i, client in enumerate(addresses)]
    assert codes == [200, 200, 200, 429]
    status, html = check(addresses[0], "X-2026-0001", sha256="1" * 64, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert status == 429 and "核验失败次数过多" in html
    assert check(addresses[0], "X-2026-0002", sha256="1" * 64)[0] == 200  # another number is not affected


@pytest.fixture
def sealed(govkit_config, county_cert):  # noqa: F811
    path, cert = county_cert
    govkit_config.update(SEAL_P12_PATH=str(path), SEAL_PASSPHRASE=PASSPHRASE)
    return cert


def test_sealed_notice_records_the_signed_bytes(sealed, desk_app, desk_world, user_client, db):
    from govkit.printing import seal

    clerk, _, case = accepted_case(desk_world, user_client, db)
    pdf = print_notice(clerk, case)
    check_ = seal.verify_pdf(pdf, trust_roots=[sealed])
    assert check_.signed and check_.intact and check_.trusted and check_.covers_whole_file
    row = db.session.scalar(select(IssuedDocument))
    assert row.signed and row.sha256 == hashlib.sha256(pdf).hexdigest()
    status, html = check(public_client(desk_app), row.document_number, pdf)
    assert status == 200 and verdict(html) == "一致" and "受理通知书" in html and "电子签章" in html


def test_notice_tells_how_to_verify(desk_world, user_client, db, tmp_path):
    from tests.printing.conftest import Poppler

    clerk, _, case = accepted_case(desk_world, user_client, db)
    text = Poppler(tmp_path).text(print_notice(clerk, case))
    assert "localhost/public/verify" in text and "核验" in text

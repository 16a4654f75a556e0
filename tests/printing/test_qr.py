"""QR codes: the matrix matches reportlab's encoder, the URL carries only case number + token."""
from __future__ import annotations

import random
import shutil
import string
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from reportlab.graphics.barcode import qrencoder

from govkit.errors import ValidationError
from govkit.printing import engine, qr
from govkit.printing.templates import case_notices


def _reportlab_matrix(text: str, level: str, mask: int) -> list[str]:
    code = qrencoder.QRCode(None, qr._LEVELS[level])
    code.addData(qrencoder.QR8bitByte(text))
    code.version = code.calculate_version()
    code.makeImpl(False, mask)
    return ["".join("1" if m else "0" for m in row) for row in code.modules]


@pytest.mark.parametrize("seed", range(12))
def test_matrix_equals_reportlab_for_every_mask(seed):
    rnd = random.Random(seed)
    text = "".join(rnd.choice(string.ascii_letters + "/?&=办件") for _ in range(rnd.choice([3, 40, 90, 160, 400])))
    level = rnd.choice("LMQH")
    for mask in range(8):
        assert qr.encode(text, level, mask) == _reportlab_matrix(text, level, mask)


def _naive_penalty(matrix: list[str]) -> int:
    """ISO/IEC 18004 N1-N4, module by module, as the standard words them."""
    n = len(matrix)
    lines = matrix + ["".join(c) for c in zip(*matrix)]
    score = 0
    for line in lines:
        run = 1
        for a, b in zip(line, line[1:] + "x"):
            if a == b:
                run += 1
            else:
                score += run - 2 if run >= 5 else 0
                run = 1
        padded = "0000" + line + "0000"
        for i in range(len(padded) - 10):
            if padded[i:i + 11] in ("10111010000", "00001011101"):
                score += 40
    for r in range(n - 1):
        for c in range(n - 1):
            if matrix[r][c] == matrix[r][c + 1] == matrix[r + 1][c] == matrix[r + 1][c + 1]:
                score += 3
    dark = sum(row.count("1") for row in matrix)
    return score + 10 * (abs(dark * 100 // (n * n) - 50) // 5)


@pytest.mark.parametrize("mask", range(8))
def test_fast_penalty_equals_the_naive_definition(mask):
    matrix = qr.encode("https://zwfw.example.gov.cn/public/progress?no=1&t=2", "M", mask)
    rows, rows_padded = qr._pack(matrix)
    cols, cols_padded = qr._pack(["".join(c) for c in zip(*matrix)])
    assert qr._penalty(rows, cols, rows_padded, cols_padded, len(matrix)) == _naive_penalty(matrix)


def test_mask_choice_has_lowest_penalty():
    url = "https://zwfw.example.gov.cn/public/progress?no=220581-20260302-000123&t=Kx9f3Qm2"
    def penalty(matrix):
        rows, rows_padded = qr._pack(matrix)
        cols, cols_padded = qr._pack(["".join(c) for c in zip(*matrix)])
        return qr._penalty(rows, cols, rows_padded, cols_padded, len(matrix))

    scores = [penalty(qr.encode(url, mask=m)) for m in range(8)]
    assert penalty(qr.encode(url)) == min(scores)
    assert len(set(scores)) > 1  # the masks really differ


def test_progress_url_has_only_case_number_and_token():
    url = qr.progress_url("https://zwfw.example.gov.cn/public/progress", "220581-20260302-000123", "Kx9f&3")
    parts = urlsplit(url)
    assert parts.path == "/public/progress"
    assert parse_qs(parts.query) == {"no": ["220581-20260302-000123"]}
    assert parse_qs(parts.fragment) == {"t": ["Kx9f&3"]}  # a fragment is never sent to the server


@pytest.mark.parametrize("page", ["", "zwfw.example.gov.cn/progress", "javascript:alert(1)"])
def test_progress_url_rejects_bad_page(page):
    with pytest.raises(ValidationError):
        qr.progress_url(page, "220581-20260302-000123", "t")


def test_case_notice_qr_points_at_progress_page_without_personal_data(case_notice):
    block = case_notices._qr(case_notice)
    flowable = block.qr
    assert isinstance(flowable, qr.QrFlowable)
    assert flowable.url == "https://zwfw.example.gov.cn/public/progress?no=220581-20260302-000123#t=Kx9f3Qm2"
    for personal in (case_notice.applicant_name, "2046", "6021"):
        assert personal not in flowable.url


def test_no_progress_page_means_no_qr(case_notice):
    assert case_notices._qr(case_notice.replace(progress_url="")) is None


def test_qr_is_drawn_in_the_pdf(registry, case_notice, poppler, tmp_path):
    pdf = registry.render("acceptance_notice", case_notice)
    png = poppler.png(pdf, tmp_path / "notice.png", dpi=150)
    # Decoding needs zbar (Debian zbar-tools); the drawing itself is checked either way.
    from pypdf import PdfReader
    import io

    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"/IM true" in content and b"ID\n" in content  # the modules, as an inline image mask
    zbarimg = shutil.which("zbarimg")
    if zbarimg:
        out = subprocess.run([zbarimg, "-q", "--raw", str(png)], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == qr.progress_url(case_notice.progress_url, case_notice.case_number,
                                                     case_notice.progress_token)


def test_qr_block_renders_standalone():
    pdf = engine.render([engine.qr_block("https://example.gov.cn/x?no=1&t=2")], title="qr")
    assert pdf.startswith(b"%PDF-")

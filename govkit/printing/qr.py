"""QR codes on case notices (办理进度二维码).

Every case notice carries a QR code that opens the public progress page for
that case: ``<progress page>?no=<case number>&t=<token>``.  The token is the
verification factor issued with the case; the code never carries the
applicant's name, ID number or phone.

The symbol follows ISO/IEC 18004 and is built from reportlab's own QR tables
(:mod:`reportlab.graphics.barcode.qrencoder`: RS block table, alignment
positions, BCH format/version bits, function patterns and data-module order).
Only the two slow steps are done here instead: Reed-Solomon coding with
log/antilog tables and mask selection on row bitmasks.  reportlab's
``QrCodeWidget`` takes ~60 ms per code (most of it choosing the mask by
evaluating eight full matrices in pure Python, twice per drawing); this takes
well under 1 ms, which is what lets a desk print hundreds of notices a second.
``tests/printing/test_qr.py`` checks the matrices against reportlab's.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus.flowables import Flowable

from govkit.errors import ValidationError

__all__ = ["progress_url", "encode", "QrFlowable"]

_LEVELS = {
    "L": qrencoder.QRErrorCorrectLevel.L,
    "M": qrencoder.QRErrorCorrectLevel.M,
    "Q": qrencoder.QRErrorCorrectLevel.Q,
    "H": qrencoder.QRErrorCorrectLevel.H,
}


def progress_url(page_url: str, case_number: str, token: str) -> str:
    """URL of the public progress page for one case.

    ``page_url`` is the absolute URL of the progress page, e.g.
    ``https://zwfw.example.gov.cn/public/progress``.  Only the case number and
    the token go into the query string.
    """
    if not page_url or not case_number or not token:
        raise ValidationError("生成查询二维码需要进度查询页地址、办件编号和查询令牌。")
    parts = urlsplit(page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"进度查询页地址 {page_url!r} 不是 http(s) 绝对地址。")
    query = urlencode({"no": case_number, "t": token})
    if parts.query:
        query = parts.query + "&" + query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


# --- Reed-Solomon over GF(256), primitive polynomial 0x11D ------------------

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=None)
def _generator(degree: int) -> tuple[int, ...]:
    """Log-coefficients (after the leading 1) of prod(x - a^i), i < degree."""
    poly = [1]
    for i in range(degree):
        nxt = poly + [0]
        for j, c in enumerate(poly):
            if c:
                nxt[j + 1] ^= _EXP[_LOG[c] + i]
        poly = nxt
    return tuple(_LOG[c] for c in poly[1:])


def _rs_remainder(data: list[int], degree: int) -> list[int]:
    gen = _generator(degree)
    rem = [0] * degree
    exp, log = _EXP, _LOG
    for byte in data:
        factor = byte ^ rem[0]
        rem = rem[1:]
        rem.append(0)
        if factor:
            lf = log[factor]
            rem = [r ^ exp[lf + g] for r, g in zip(rem, gen)]
    return rem


# --- symbol layout, cached per version (and mask) --------------------------

@lru_cache(maxsize=None)
def _blocks(version: int, level: int) -> tuple[tuple[int, int], ...]:
    return tuple((b.totalCount, b.dataCount) for b in qrencoder.QRRSBlock.getRSBlocks(version, level))


def _function_code(version: int, level: int, mask: int) -> qrencoder.QRCode:
    q = qrencoder.QRCode(version, level)
    q.moduleCount = n = version * 4 + 17
    q.modules = [[False] * n for _ in range(n)]
    q.setupPositionProbePattern(0, 0)
    q.setupPositionProbePattern(n - 7, 0)
    q.setupPositionProbePattern(0, n - 7)
    q.setupPositionAdjustPattern()
    q.setupTimingPattern()
    q.setupTypeInfo(False, mask)
    if version >= 7:
        q.setupTypeNumber(False)
    return q


def _row_ints(rows) -> list[int]:
    return [int("".join("1" if v else "0" for v in row), 2) for row in rows]


@lru_cache(maxsize=None)
def _positions(version: int) -> tuple[tuple[int, int], ...]:
    """Data-module (row, col) pairs in placement order."""
    q = _function_code(version, 0, 0)
    return tuple((row, col) for col, row in q._dataPosIterator())


def _transpose(rows: list[int] | tuple[int, ...], n: int) -> list[int]:
    fmt = f"0{n}b"
    return [int("".join(col), 2) for col in zip(*(format(r, fmt) for r in rows))]


@lru_cache(maxsize=None)
def _layout(version: int, level: int, mask: int) -> tuple[tuple[int, ...], ...]:
    """Function rows (incl. format bits) and mask bits on data modules, as
    row bitmasks and as column bitmasks (for the column penalties)."""
    q = _function_code(version, level, mask)
    n = q.moduleCount
    func = _row_ints(q.modules)
    cond = qrencoder.QRUtil.getMask(mask)
    maskrows = [0] * n
    for r, c in _positions(version):
        if cond(r, c):
            maskrows[r] |= 1 << (n - 1 - c)
    return tuple(func), tuple(maskrows), tuple(_transpose(func, n)), tuple(_transpose(maskrows, n))


# --- encoding -----------------------------------------------------------------

def _choose_version(nbytes: int, level: int) -> int:
    for version in range(1, 41):
        capacity = sum(d for _, d in _blocks(version, level)) * 8
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * nbytes <= capacity:
            return version
    raise ValidationError("二维码内容过长（超过 QR 码最大容量）。")


def _codewords(data: bytes, version: int, level: int) -> list[int]:
    blocks = _blocks(version, level)
    capacity = sum(d for _, d in blocks)
    count_bits = 8 if version < 10 else 16
    bits = "0100" + format(len(data), f"0{count_bits}b") + "".join(format(b, "08b") for b in data)
    bits += "0" * min(4, capacity * 8 - len(bits))
    bits += "0" * (-len(bits) % 8)
    stream = [int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)]
    pad = (0xEC, 0x11)
    stream += [pad[i % 2] for i in range(capacity - len(stream))]

    data_blocks, ec_blocks, offset = [], [], 0
    for total, dcount in blocks:
        chunk = stream[offset:offset + dcount]
        offset += dcount
        data_blocks.append(chunk)
        ec_blocks.append(_rs_remainder(chunk, total - dcount))
    out = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


_DARK_RUN = re.compile(r"1+")


def _penalty(rows: list[int], cols: list[int], n: int) -> int:
    """ISO/IEC 18004 mask penalty (rules N1-N4) of a candidate symbol.

    Works on rows and columns as integers (bit tricks instead of module
    loops) and on one joined string for the finder-like pattern.
    """
    full = (1 << n) - 1
    inner = full >> 1
    score = 0
    # N1: a run of L >= 5 same-coloured modules scores L - 2, i.e. one per
    # 5-module window in the run plus 2 per run.
    for a in rows + cols:
        eq = ~(a ^ (a >> 1)) & inner
        e4 = eq & (eq >> 1) & (eq >> 2) & (eq >> 3)
        if e4:
            score += e4.bit_count() + 2 * (e4 & ~(e4 << 1)).bit_count()
    # N2: each 2x2 block of one colour.
    for a, b in zip(rows, rows[1:]):
        same_v = ~(a ^ b) & full
        score += 3 * (same_v & (same_v >> 1) & ~(a ^ (a >> 1)) & inner).bit_count()
    # N3: finder-like 1:1:3:1:1 with four light modules on one side; the
    # quiet zone outside the symbol counts as light, "2" keeps lines apart.
    fmt = f"0{n}b"
    padded = "0000" + "000020000".join([format(x, fmt) for x in rows + cols]) + "0000"
    score += 40 * (padded.count("10111010000") + padded.count("00001011101"))
    # N4: deviation of the dark share from 50 %.
    dark = sum(r.bit_count() for r in rows)
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)
    return score


def encode(text: str, level: str = "M", mask: int | None = None) -> list[str]:
    """QR matrix for ``text`` (byte mode, UTF-8) as row strings ("1" = dark).

    ``mask`` forces a mask pattern (0-7); by default the one with the lowest
    ISO/IEC 18004 penalty is chosen.
    """
    if level not in _LEVELS:
        raise ValidationError(f"二维码纠错等级应为 L/M/Q/H，而不是 {level!r}。")
    lvl = _LEVELS[level]
    data = text.encode("utf-8")
    version = _choose_version(len(data), lvl)
    n = version * 4 + 17
    words = _codewords(data, version, lvl)

    datarows = [0] * n
    bits = "".join([format(w, "08b") for w in words])
    for (r, c), bit in zip(_positions(version), bits):
        if bit == "1":
            datarows[r] |= 1 << (n - 1 - c)
    datacols = _transpose(datarows, n) if mask is None else None

    best = None
    for m in range(8) if mask is None else (mask,):
        func, maskrows, func_t, mask_t = _layout(version, lvl, m)
        rows = [f | (d ^ k) for f, d, k in zip(func, datarows, maskrows)]
        if mask is None:
            cols = [f | (d ^ k) for f, d, k in zip(func_t, datacols, mask_t)]
            score = _penalty(rows, cols, n)
        else:
            score = 0
        if best is None or score < best[0]:
            best = (score, rows)
    fmt = f"0{n}b"
    return [format(r, fmt) for r in best[1]]


class QrFlowable(Flowable):
    """A QR code as a platypus flowable: dark modules drawn as one vector path.

    ``url`` is kept on the flowable (tests and previews read it back).
    """

    def __init__(self, url: str, size: float, level: str = "M", quiet_zone: int = 2) -> None:
        super().__init__()
        self.url = url
        self.matrix = encode(url, level)
        self.size = size
        self.quiet_zone = quiet_zone
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.matrix)
        module = self.size / (n + 2 * self.quiet_zone)
        # Module units with y pointing down: row r, column c is the unit square
        # at (c, r).  One rectangle per horizontal run, written as raw path
        # operators (integers only) because per-rect path objects dominate
        # the cost of drawing a notice.
        ops = []
        for r, row in enumerate(self.matrix):
            for m in _DARK_RUN.finditer(row):
                start, end = m.span()
                ops.append(f"{start} {r} {end - start} 1 re")
        canv = self.canv
        canv.saveState()
        canv.transform(module, 0, 0, -module, self.quiet_zone * module, self.size - self.quiet_zone * module)
        canv.setFillColorRGB(0, 0, 0)
        canv.addLiteral("\n".join(ops) + "\nf")
        canv.restoreState()

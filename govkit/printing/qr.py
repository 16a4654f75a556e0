"""QR codes on case notices (办理进度二维码).

Every case notice carries a QR code that opens the public progress page for
that case: ``<progress page>?no=<case number>#t=<token>``.  The token is the
verification factor issued with the case; it rides in the fragment, which a
browser never sends to the server (so it is in no access log), and the page's
script posts it.  The code never carries the applicant's name, ID number or phone.

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

from functools import lru_cache
from itertools import chain
from urllib.parse import urlencode, urlsplit, urlunsplit

from reportlab.graphics.barcode import qrencoder
from reportlab.platypus.flowables import Flowable

from govkit.errors import ValidationError

__all__ = ["progress_url", "document_url", "public_base_url", "encode", "QrFlowable"]

_LEVELS = {
    "L": qrencoder.QRErrorCorrectLevel.L,
    "M": qrencoder.QRErrorCorrectLevel.M,
    "Q": qrencoder.QRErrorCorrectLevel.Q,
    "H": qrencoder.QRErrorCorrectLevel.H,
}


def public_base_url(settings) -> str:
    """``PUBLIC_BASE_URL`` without a trailing slash: the one source of every absolute link
    printed on a document or encoded in its QR code (progress, verify).  Never the request's
    host: a notice printed behind a proxy must still point at the public address."""
    return str(settings.get("PUBLIC_BASE_URL") or "").rstrip("/")


def progress_url(page_url: str, case_number: str, token: str) -> str:
    """URL of the public progress page for one case.

    ``page_url`` is the absolute URL of the progress page, e.g.
    ``https://zwfw.example.gov.cn/public/progress``.  Only the case number goes
    into the query string and the token into the fragment (never sent to the server).
    """
    if not page_url or not case_number or not token:
        raise ValidationError("生成查询二维码需要进度查询页地址、办件编号和查询令牌。")
    parts = urlsplit(page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"进度查询页地址 {page_url!r} 不是 http(s) 绝对地址。")
    query = urlencode({"no": case_number})
    if parts.query:
        query = parts.query + "&" + query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, urlencode({"t": token})))


def document_url(page_url: str, case_number: str, token: str, document_number: str = "", check_code: str = "") -> str:
    """The progress URL of :func:`progress_url`, carrying an issued document's number and short hash.

    The document's factors join the token in the fragment (``#t=…&doc=…&h=…``), which browsers never send to
    the server: the pages read it in the browser and the verify check itself is a POST.
    """
    url = progress_url(page_url, case_number, token)
    if document_number and check_code:
        url += ("&" if "#" in url else "#") + urlencode({"doc": document_number, "h": check_code})
    return url


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


@lru_cache(maxsize=None)
def _rs_table(degree: int) -> tuple[int, ...]:
    """factor → generator × factor, packed big-endian into one integer."""
    gen = _generator(degree)
    table = [0] * 256
    for factor in range(1, 256):
        lf = _LOG[factor]
        packed = 0
        for g in gen:
            packed = (packed << 8) | _EXP[lf + g]
        table[factor] = packed
    return tuple(table)


def _rs_remainder(data: list[int], degree: int) -> list[int]:
    """Error-correction codewords: the LFSR division with the register held in one int."""
    table = _rs_table(degree)
    shift = 8 * (degree - 1)
    keep = (1 << (8 * degree)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & keep) ^ table[byte ^ (rem >> shift)]
    return list(rem.to_bytes(degree, "big"))


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


@lru_cache(maxsize=None)
def _positions(version: int) -> tuple[tuple[int, int], ...]:
    """Data-module (row, col) pairs in placement order."""
    q = _function_code(version, 0, 0)
    return tuple((row, col) for col, row in q._dataPosIterator())


# A whole symbol is held as integers: its n rows concatenated (row 0 most
# significant) and its n columns concatenated, once packed tight (for runs,
# blocks and the dark share) and once with four light modules either side
# of each line (for the finder-like pattern, where outside counts as light).
_PAD = "0000"


def _pack(lines: list[str]) -> tuple[int, int]:
    return int("".join(lines), 2), int(_PAD + (_PAD + _PAD).join(lines) + _PAD, 2)


def _lines(bits: list[list[bool]] | list[str], n: int) -> tuple[list[str], list[str]]:
    rows = ["".join("1" if v in (True, "1") else "0" for v in row) for row in bits]
    return rows, ["".join(col) for col in zip(*rows)]


@lru_cache(maxsize=None)
def _placement(version: int) -> tuple[tuple[slice, ...], tuple[str, ...], tuple[tuple[int, bool], ...]]:
    """How the data bit string fills the symbol, as runs.

    Modules are placed in two-column strips from the right, upwards then
    downwards by turns, skipping function modules (ISO/IEC 18004 7.7.3,
    reportlab's ``_dataPosIterator``).  Walking every module of the strips
    (column 6, the vertical timing pattern, is no strip) gives alternately a
    run of function modules (light here: the function pattern is ORed in
    later) and a run of data modules (a slice of the bit string).  Returns
    the slices, the light runs around them (one more than slices) and each
    strip's right column and direction.
    """
    n = version * 4 + 17
    data_index = {rc: i for i, rc in enumerate(_positions(version))}
    strips = tuple((col, p % 2 == 0) for p, col in enumerate(chain(range(n - 1, 6, -2), range(5, 0, -2))))
    slices, lights = [], []
    light, start, expected = 0, None, 0
    for col, upward in strips:
        for row in range(n - 1, -1, -1) if upward else range(n):
            for c in (col, col - 1):
                i = data_index.get((row, c))
                if i is None:
                    if start is not None:
                        slices.append(slice(start, expected))
                        start = None
                    light += 1
                    continue
                if i != expected:  # the strips must visit data modules in reportlab's order
                    raise AssertionError(f"QR placement order differs at {(row, c)}")
                if start is None:
                    lights.append("0" * light)
                    light, start = 0, i
                expected += 1
    if start is not None:
        slices.append(slice(start, expected))
    lights.append("0" * light)
    return tuple(slices), tuple(lights), strips


def _data_lines(bits: str, version: int) -> tuple[list[str], list[str]]:
    """The data bits laid out as the symbol's rows and columns ("1" = dark;
    function modules light), by string slicing rather than module by module."""
    n = version * 4 + 17
    slices, lights, strips = _placement(version)
    placed = "".join(chain.from_iterable(zip(lights, [bits[s] for s in slices]))) + lights[-1]
    columns = ["0" * n] * n
    step = 2 * n
    for p, (col, upward) in enumerate(strips):
        strip = placed[p * step:(p + 1) * step]
        right, left = strip[0::2], strip[1::2]
        columns[col], columns[col - 1] = (right[::-1], left[::-1]) if upward else (right, left)
    flat = "".join(columns)  # column-major: row r is every n-th module from r
    return [flat[r::n] for r in range(n)], columns


@lru_cache(maxsize=None)
def _layout(version: int, level: int, mask: int) -> tuple[int, ...]:
    """Function modules (incl. this mask's format bits) and the mask pattern
    restricted to data modules, packed as rows/columns, tight and padded."""
    q = _function_code(version, level, mask)
    n = q.moduleCount
    frows, fcols = _lines(q.modules, n)
    cond = qrencoder.QRUtil.getMask(mask)
    grid = [["0"] * n for _ in range(n)]
    for r, c in _positions(version):
        if cond(r, c):
            grid[r][c] = "1"
    mrows, mcols = _lines(grid, n)
    return (*_pack(frows), *_pack(fcols), *_pack(mrows), *_pack(mcols))


@lru_cache(maxsize=None)
def _validity(n: int) -> tuple[int, int]:
    """Bit masks over a tight pack: positions whose left neighbour is in the
    same line, and the same without the first line (for vertical pairs)."""
    line = int("0" + "1" * (n - 1), 2)
    horizontal = int(format(line, f"0{n}b") * n, 2)
    return horizontal, horizontal & ((1 << (n * (n - 1))) - 1)


def _penalty(rows: int, cols: int, rows_padded: int, cols_padded: int, n: int) -> int:
    """ISO/IEC 18004 mask penalty (rules N1-N4) of one candidate symbol,
    computed with whole-matrix integer operations."""
    horizontal, vertical_pairs = _validity(n)
    score = 0
    # N1: a run of L >= 5 same-coloured modules scores L - 2: one per
    # 5-module window inside the run plus 2 per run.
    for x in (rows, cols):
        eq = ~(x ^ (x >> 1)) & horizontal
        e4 = eq & (eq >> 1) & (eq >> 2) & (eq >> 3)
        score += e4.bit_count() + 2 * (e4 & ~(e4 << 1)).bit_count()
    # N2: 3 per 2x2 block of one colour.
    same_v = ~(rows ^ (rows >> n))
    score += 3 * (same_v & (same_v >> 1) & ~(rows ^ (rows >> 1)) & vertical_pairs).bit_count()
    # N3: 40 per 1:1:3:1:1 finder-like pattern with four light modules on one
    # side.  Every 11-module window at once: bit j of ``core`` is set where
    # the 7 modules from j spell 1011101 (a palindrome), bit j of ``light4``
    # where the 4 from j are light; 10111010000 is then core at j + 4 and
    # light at j, 00001011101 core at j and light at j + 7.  The padding keeps
    # windows from spanning two lines, and neither pattern overlaps itself.
    valid = (1 << (n * (n + 8) - 10)) - 1
    for x in (rows_padded, cols_padded):
        light = ~x
        core = x & (light >> 1) & (x >> 2) & (x >> 3) & (x >> 4) & (light >> 5) & (x >> 6)
        light4 = ~(x | (x >> 1) | (x >> 2) | (x >> 3))
        score += 40 * ((light4 & (core >> 4) & valid).bit_count() + (core & (light4 >> 7) & valid).bit_count())
    # N4: 10 per 5 % the dark share deviates from 50 %.
    score += 10 * (abs(rows.bit_count() * 100 // (n * n) - 50) // 5)
    return score


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
    # Byte mode: 0100, character count, the bytes; then terminator and
    # padding to a byte boundary, built as one integer.
    value = (((0b0100 << count_bits) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    nbits = 4 + count_bits + 8 * len(data)
    fill = min(4, capacity * 8 - nbits)
    fill += -(nbits + fill) % 8
    value <<= fill
    nbits += fill
    stream = list(value.to_bytes(nbits // 8, "big"))
    pad = (0xEC, 0x11)
    stream += [pad[i % 2] for i in range(capacity - len(stream))]

    data_blocks, ec_blocks, offset = [], [], 0
    for total, dcount in blocks:
        chunk = stream[offset:offset + dcount]
        offset += dcount
        data_blocks.append(chunk)
        ec_blocks.append(_rs_remainder(chunk, total - dcount))
    return _interleave(data_blocks) + _interleave(ec_blocks)


def _interleave(blocks: list[list[int]]) -> list[int]:
    """Codeword i of every block, for i = 0, 1, …; longer blocks go on alone."""
    shortest = min(len(b) for b in blocks)
    out = [word for column in zip(*blocks) for word in column]  # zip stops at the shortest
    for i in range(shortest, max(len(b) for b in blocks)):
        out.extend(b[i] for b in blocks if i < len(b))
    return out


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

    bits = format(int.from_bytes(bytes(words), "big"), f"0{8 * len(words)}b")
    bits += "0" * (len(_positions(version)) - len(bits))  # remainder bits are light
    row_lines, col_lines = _data_lines(bits, version)
    data_rows, data_rows_p = _pack(row_lines)
    if mask is None:
        data_cols, data_cols_p = _pack(col_lines)

    best_score, best_rows = None, 0
    for m in range(8) if mask is None else (mask,):
        fr, frp, fc, fcp, mr, mrp, mc, mcp = _layout(version, lvl, m)
        rows = fr | (data_rows ^ mr)
        if mask is not None:
            best_rows = rows
            break
        score = _penalty(rows, fc | (data_cols ^ mc), frp | (data_rows_p ^ mrp), fcp | (data_cols_p ^ mcp), n)
        if best_score is None or score < best_score:
            best_score, best_rows = score, rows
    flat = format(best_rows, f"0{n * n}b")
    return [flat[i:i + n] for i in range(0, n * n, n)]


_SAMPLES_PER_MODULE = 2
_EXPAND = str.maketrans({"0": "0" * _SAMPLES_PER_MODULE, "1": "1" * _SAMPLES_PER_MODULE})


class QrFlowable(Flowable):
    """A QR code as a platypus flowable, drawn as a 1-bit image mask.

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
        side = n * module
        # A 1-bit stencil mask (inline image, ASCII-hex): the dark modules are
        # painted in the fill colour.  Viewers draw masks without smoothing,
        # it is the cheapest way to put a bitmap on a page (building one
        # rectangle per run of modules cost ~1 ms a notice) and only ASCII
        # goes into the content stream.
        # Each module is 2x2 samples: viewers that smooth upscaled images
        # (PDFium) then blur only the module edges, not whole modules.
        k = _SAMPLES_PER_MODULE
        size = n * k
        tail = "0" * (-size % 8)  # each image row is whole bytes
        samples = "".join((row + tail) * k for row in "\n".join(self.matrix).translate(_EXPAND).split("\n"))
        hexdata = format(int(samples, 2), f"0{len(samples) // 4}x")
        canv = self.canv
        canv.saveState()
        canv.setFillColorRGB(0, 0, 0)
        canv.transform(side, 0, 0, side, self.quiet_zone * module, self.quiet_zone * module)
        canv.addLiteral(f"BI /W {size} /H {size} /IM true /BPC 1 /D [1 0] /F /AHx ID\n{hexdata}>\nEI")
        canv.restoreState()

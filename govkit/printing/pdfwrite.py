"""Cheaper PDF serialisation (PDF 写出): reportlab's two hottest formatting helpers, same bytes.

When a canvas is saved, reportlab formats every object through generic helpers; two of
them are called ~100 times per notice and do their work in Python, character by character:

* ``pdfdoc.pdfdocEnc`` encodes every piece of PDF syntax (names, numbers, ``n 0 obj``,
  references) through the ``extpdfdoc`` codec, a Python ``charmap`` codec. For ASCII text
  that codec is the identity except for the eight control characters U+0018–U+001F, which it
  cannot encode (they are PDFDocEncoding's accents): :func:`pdfdoc_enc` encodes such text as
  ASCII in C and leaves everything else (and those characters, with their error) to the codec.
* ``pdfdoc.PDFName`` escapes a name character by character; the names of a PDF are a few
  dozen fixed words (``Type``, ``Font``, ``MediaBox`` …): :func:`pdf_name` remembers them.

Both give the very bytes the originals give (``tests/printing/test_fast_paths.py`` checks
them over every character and against reportlab's own output). :func:`install` puts them
into ``reportlab.pdfbase.pdfdoc`` once per process, as :mod:`govkit.printing.fonts` installs
the CJK width lookup: every PDF reportlab writes in this process uses them.
"""
from __future__ import annotations

import functools
import re
import threading

from reportlab.pdfbase import pdfdoc

__all__ = ["pdfdoc_enc", "pdf_name", "install"]

_STOCK_ENC = pdfdoc.pdfdocEnc
_STOCK_NAME = pdfdoc.PDFName
# The ASCII characters PDFDocEncoding (and reportlab's extpdfdoc codec) maps elsewhere or not at all.
_NOT_IDENTITY = re.compile("[\x18-\x1f]")
_lock = threading.Lock()


def pdfdoc_enc(x):
    """``pdfdoc.pdfdocEnc``: str → PDFDocEncoding bytes (ASCII text without U+0018–U+001F in C)."""
    if isinstance(x, str):
        if x.isascii() and not _NOT_IDENTITY.search(x):
            return x.encode("ascii")
        return x.encode("extpdfdoc")
    return x


@functools.lru_cache(maxsize=4096)
def _name(data: str, lo: str, hi: str) -> str:
    return _STOCK_NAME(data, lo, hi)


def pdf_name(data, lo=chr(0x21), hi=chr(0x7e)):
    """``pdfdoc.PDFName``, remembered per name (a pure function of its arguments)."""
    if type(data) is not str:  # noqa: E721 (only plain strings are remembered)
        return _STOCK_NAME(data, lo, hi)
    return _name(data, lo, hi)


def install() -> None:
    """Put :func:`pdfdoc_enc` and :func:`pdf_name` into ``reportlab.pdfbase.pdfdoc`` (idempotent)."""
    if pdfdoc.pdfdocEnc is pdfdoc_enc:
        return
    with _lock:
        pdfdoc.pdfdocEnc = pdfdoc_enc
        pdfdoc.PDFName = pdf_name

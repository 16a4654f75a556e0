"""Reading division CSV files: formats, encodings, one parsed row per record.

Two layouts:

* ``nbs`` — ``code,name,urban-rural class`` (统计用区划代码,名称,城乡分类代码; the class is
  empty above village level). The NBS web page order ``code,class,name`` is recognised too.
* ``five-level`` — what public 5-level datasets publish: ``code,name,level,pcode[,class]``
  (``pcode`` is the parent's 12-digit code, ``0`` for provinces).

An optional header row is skipped. :func:`parse_row` takes a fast path for well-formed rows
(national files have 665,000 of them) and falls back to :func:`parse_row_strict`, whose
ValidationError says exactly what is wrong; both accept exactly the same rows.
"""
from __future__ import annotations

import csv
from contextlib import contextmanager
from typing import IO, Any, Iterator, NamedTuple

from govkit.errors import ValidationError
from govkit.hierarchy.codes import (
    PROVINCE_CODES,
    URBAN_RURAL_CLASSES,
    level_of,
    parent_code,
    validate_division_code,
    validate_urban_rural_class,
)
from govkit.spreadsheet import restore

FORMATS = ("nbs", "five-level")
_PREFIX = {1: 2, 2: 4, 3: 6, 4: 9}


class DivisionRow(NamedTuple):
    """One valid row of an import file (a tuple: cheap to build 665,000 times)."""

    code: str
    name: str
    level: int
    urban_rural_class: str | None

    @property
    def parent(self) -> str | None:
        """The parent's code (same rule as :func:`govkit.hierarchy.codes.parent_code`)."""
        if self.level == 1:
            return None
        return self.code[: _PREFIX[self.level - 1]].ljust(12, "0")


@contextmanager
def open_source(source: Any, encoding: str | None = None) -> Iterator[IO[str]]:
    """Open a path (UTF-8 with or without BOM, else GB18030) or rewind a text stream."""
    if hasattr(source, "read"):
        source.seek(0)
        yield source
        return
    if encoding is None:
        with open(source, "rb") as probe:
            head = probe.read(65536)
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the probe's end is still UTF-8.
            encoding = "utf-8-sig" if error.start >= len(head) - 3 else "gb18030"
    with open(source, encoding=encoding, newline="") as handle:
        yield handle


def iter_records(handle: IO[str], fmt: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, raw cells) per data record; blank records and a header row skipped."""
    if fmt not in FORMATS:
        raise ValidationError(f"不支持的格式“{fmt}”，应为 {' 或 '.join(FORMATS)}。")
    reader = csv.reader(handle)
    for raw in reader:
        head = raw[0].strip().lstrip("\ufeff") if raw else ""
        if head and not head.isdigit():
            break  # a header row: skip it
        if raw and (head or any(c.strip() for c in raw)):
            yield reader.line_num, raw
        break
    for raw in reader:
        if raw and (raw[0] or any(c.strip() for c in raw)):
            yield reader.line_num, raw


def _level(code: str) -> int | None:
    """Level of a 12-ASCII-digit code, or None where validate_division_code would refuse it."""
    if code[:2] not in PROVINCE_CODES:
        return None
    if code[9:] != "000":
        return 5 if code[6:9] != "000" and code[2:4] != "00" else None
    if code[6:9] != "000":
        return 4 if code[2:4] != "00" else None
    if code[4:6] != "00":
        return 3 if code[2:4] != "00" else None
    return 2 if code[2:4] != "00" else 1


def parse_row(raw: list[str], fmt: str) -> DivisionRow:
    """Parse one record; raise ValidationError saying what is wrong."""
    n = len(raw)
    if n >= 2:
        code = raw[0].strip()
        if len(code) == 12 and code.isdigit() and code.isascii():
            level = _level(code)
            name = raw[1].strip()
            if name[:1] == "'":
                name = restore(name)  # a govkit export's '=… is the name =…
            if fmt == "nbs":
                klass = raw[2].strip() if n > 2 else ""
            else:
                klass = raw[4].strip() if n > 4 else ""
            if level and name and len(name) <= 100 and not name.isdigit() and (
                not klass or klass in URBAN_RURAL_CLASSES
            ):
                row = DivisionRow(code, name, level, klass or None)
                if fmt == "nbs" or (n >= 4 and raw[2].strip() == str(level) and raw[3].strip() == (row.parent or "0")):
                    return row
    return parse_row_strict(raw, fmt)


def parse_row_strict(raw: list[str], fmt: str) -> DivisionRow:
    """The slow path of :func:`parse_row`, with a specific message for every failure."""
    cells = [c.strip() for c in raw]
    if fmt == "nbs":
        if len(cells) < 2:
            raise ValidationError("列数不足：应为“统计用区划代码,名称,城乡分类代码”。")
        code, name, klass = cells[0], cells[1], cells[2] if len(cells) > 2 else ""
        if len(cells) > 2 and len(name) == 3 and name.isdigit() and not klass.isdigit():
            name, klass = klass, name  # the NBS web page order: code, class, name
    else:
        if len(cells) < 4:
            raise ValidationError("列数不足：五级格式应为“代码,名称,级别,上级代码[,城乡分类代码]”。")
        code, name, klass = cells[0], cells[1], cells[4] if len(cells) > 4 else ""
    code = validate_division_code(code)
    level = level_of(code)
    name = restore(name)
    if not name:
        raise ValidationError(f"区划 {code} 的名称为空，请补上名称。")
    if len(name) > 100:
        raise ValidationError(f"区划 {code} 的名称超过 100 个字，请核对。")
    if fmt == "five-level":
        if cells[2] != str(level):
            raise ValidationError(f"级别“{cells[2]}”与代码 {code} 不符，按代码应为 {level}。")
        expected = parent_code(code) or "0"
        if cells[3] != expected and not (expected == "0" and cells[3] == ""):
            raise ValidationError(f"上级代码“{cells[3]}”与代码 {code} 不符，应为 {expected}。")
    return DivisionRow(code, name, level, validate_urban_rural_class(klass) if klass else None)

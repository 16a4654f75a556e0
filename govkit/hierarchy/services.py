"""Division import/export (行政区划导入导出): streaming, validated first, one transaction.

Plain Python over a SQLAlchemy ``Session`` (no Flask), used by the CLI, the benchmark and
tests. Two CSV layouts are read:

* ``nbs`` — ``code,name,urban-rural class`` as published by the NBS (统计用区划代码和城乡划分
  代码; the class is empty above village level). The web page order ``code,class,name`` is
  recognised too. An optional header row is skipped.
* ``five-level`` — the 5-level files public datasets publish: ``code,name,level,pcode[,class]``
  (``pcode`` = parent code, ``0`` for provinces).

:func:`import_divisions` reads the file twice. Pass 1 validates every row and raises
:class:`~govkit.errors.ImportRowError` listing **all** bad rows by line number; nothing is
written. Pass 2 upserts (insert, or update on the same code) in batches inside one
transaction, parents before children, so a re-import updates and never duplicates.
Memory stays bounded: per village row pass 1 keeps 16 bytes (code, name hash, line); only
the ≈45,000 non-village codes nationally are kept in dicts.
"""
from __future__ import annotations

import csv
import io
import zlib
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Callable, Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.errors import ImportRowError, ValidationError
from govkit.hierarchy.codes import level_of, parent_code, validate_division_code, validate_urban_rural_class
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope

FORMATS = ("nbs", "five-level")
#: progress(done, total, phase) — phase is "校验" (validating) or "写入" (writing).
Progress = Callable[[int, int, str], None]

_TABLE = Division.__table__


@dataclass(frozen=True)
class DivisionRow:
    """One parsed row of an import file."""

    line: int
    code: str
    name: str
    level: int
    urban_rural_class: str | None


@dataclass
class ImportResult:
    """What an import did."""

    rows: int = 0
    created: int = 0
    by_level: dict[int, int] = field(default_factory=dict)

    @property
    def updated(self) -> int:
        """Rows whose code already existed (updated in place, or unchanged)."""
        return self.rows - self.created


# -- reading -------------------------------------------------------------------------------

@contextmanager
def _open(source: Any, encoding: str | None) -> Iterator[IO[str]]:
    if hasattr(source, "read"):
        source.seek(0)
        yield source
        return
    with open(source, "rb") as probe:
        head = probe.read(65536)
    if encoding is None:
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the probe boundary is still UTF-8.
            encoding = "utf-8-sig" if error.start >= len(head) - 3 else "gb18030"
    with open(source, encoding=encoding, newline="") as handle:
        yield handle


def _parse(raw: list[str], line: int, fmt: str) -> DivisionRow:
    """Validate one CSV record; raise ValidationError with a message naming what is wrong."""
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
    if not name:
        raise ValidationError(f"区划 {code} 的名称为空，请补上名称。")
    if len(name) > 100:
        raise ValidationError(f"区划 {code} 的名称超过 100 个字，请核对。")
    if fmt == "five-level":
        if cells[2] != str(level):
            raise ValidationError(f"级别“{cells[2]}”与代码 {code} 不符，按代码应为 {level}。")
        expected_parent = parent_code(code) or "0"
        if cells[3] != expected_parent and not (expected_parent == "0" and cells[3] == ""):
            raise ValidationError(f"上级代码“{cells[3]}”与代码 {code} 不符，应为 {expected_parent}。")
    return DivisionRow(line, code, name, level, validate_urban_rural_class(klass) if klass else None)


def _is_header(raw: list[str]) -> bool:
    first = raw[0].strip().lstrip("\ufeff") if raw else ""
    return bool(first) and not first.isdigit()


def iter_rows(handle: IO[str], fmt: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, raw cells) of every data record; blank lines and a header row skipped."""
    if fmt not in FORMATS:
        raise ValidationError(f"不支持的格式“{fmt}”，应为 {' 或 '.join(FORMATS)}。")
    for index, raw in enumerate(csv.reader(handle)):
        if not raw or not any(cell.strip() for cell in raw):
            continue
        if index == 0 and _is_header(raw):
            continue
        yield index + 1, raw


# -- pass 1: validation --------------------------------------------------------------------

def _name_hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def validate_file(session: Session, source: Any, fmt: str = "nbs", *, encoding: str | None = None,
                  progress: Progress | None = None) -> int:
    """Check every row; raise ImportRowError listing all bad rows (line, message). Returns the row count."""
    errors: list[tuple[int, str]] = []
    upper: dict[int, tuple[int, int, str]] = {}  # non-village code -> (line, name hash, name)
    v_codes, v_hashes, v_lines = array("q"), array("L"), array("L")
    rows = 0
    with _open(source, encoding) as handle:
        for line, raw in iter_rows(handle, fmt):
            rows += 1
            try:
                row = _parse(raw, line, fmt)
            except ValidationError as error:
                errors.append((line, str(error)))
                continue
            code = int(row.code)
            if row.level < 5:
                seen = upper.get(code)
                if seen is None:
                    upper[code] = (line, _name_hash(row.name), row.name)
                elif seen[1] != _name_hash(row.name):
                    errors.append((line, _duplicate_message(row, seen[0], seen[2])))
            else:
                v_codes.append(code)
                v_hashes.append(_name_hash(row.name))
                v_lines.append(line)
            if progress and rows % 10000 == 0:
                progress(rows, 0, "校验")
    errors.extend(_village_duplicates(v_codes, v_hashes, v_lines))
    errors.extend(_missing_parents(session, upper, v_codes, v_lines))
    if progress:
        progress(rows, rows, "校验")
    if errors:
        errors.sort()
        raise ImportRowError(f"导入文件有 {len(errors)} 行错误，未导入任何数据；请逐行修正后重新导入。", errors)
    if rows == 0:
        raise ImportRowError("导入文件中没有数据行。", [(1, "文件为空或只有表头。")])
    return rows


def _duplicate_message(row: DivisionRow, first_line: int, first_name: str | None) -> str:
    other = f"“{first_name}”" if first_name else "不同的名称"
    return f"代码 {row.code} 重复：第 {first_line} 行已定义为{other}，本行为“{row.name}”；同一代码只能有一个名称。"


def _village_duplicates(codes: array, hashes: array, lines: array) -> list[tuple[int, str]]:
    """Same village code twice with different names (the file need not be sorted)."""
    n = len(codes)
    if all(codes[i] < codes[i + 1] for i in range(n - 1)):
        return []
    order = sorted(range(n), key=codes.__getitem__)
    errors = []
    for a, b in zip(order, order[1:]):
        if codes[a] == codes[b] and hashes[a] != hashes[b]:
            first, second = sorted((a, b), key=lines.__getitem__)
            errors.append((lines[second], f"代码 {codes[a]:012d} 重复：第 {lines[first]} 行已用不同的名称定义；"
                                          "同一代码只能有一个名称。"))
    return errors


def _missing_parents(session: Session, upper: dict, v_codes: array, v_lines: array) -> list[tuple[int, str]]:
    """Rows whose parent is neither in the file nor in the database."""
    wanted: dict[int, int] = {}  # parent code -> first line needing it
    for code, (line, _, _) in upper.items():
        parent = parent_code(f"{code:012d}")
        if parent and int(parent) not in upper:
            wanted.setdefault(int(parent), line)
    for code, line in zip(v_codes, v_lines):
        parent = code - code % 1000
        if parent not in upper:
            wanted.setdefault(parent, line)
    if not wanted:
        return []
    known = {int(c) for c in _existing_codes(session, [f"{c:012d}" for c in wanted])}
    missing = wanted.keys() - known
    if not missing:
        return []
    # Report every row under a missing parent, in one pass over what pass 1 kept.
    errors = []
    for code, line in zip(v_codes, v_lines):
        if code - code % 1000 in missing:
            errors.append((line, _parent_message(code, code - code % 1000)))
    for code, (line, _, _) in upper.items():
        parent = parent_code(f"{code:012d}")
        if parent and int(parent) in missing:
            errors.append((line, _parent_message(code, int(parent))))
    return errors


def _parent_message(code: int, parent: int) -> str:
    return (f"区划 {code:012d} 的上级区划 {parent:012d} 既不在本文件中也不在数据库中；"
            "请在文件中加入上级区划，或先导入上级区划。")


def _existing_codes(session: Session, codes: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        found.extend(session.scalars(select(Division.code).where(Division.code.in_(chunk))))
    return found


def _code_ids(session: Session, codes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        ids.update((code, id_) for code, id_ in session.execute(select(Division.code, Division.id).where(Division.code.in_(chunk))))
    return ids


# -- pass 2: writing -----------------------------------------------------------------------

def _upsert_statement(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - govkit supports SQLite and PostgreSQL
        return None
    stmt = dialect_insert(_TABLE)
    changed = or_(
        _TABLE.c.name != stmt.excluded.name,
        _TABLE.c.level != stmt.excluded.level,
        _TABLE.c.urban_rural_class.is_distinct_from(stmt.excluded.urban_rural_class),
        _TABLE.c.parent_id.is_distinct_from(stmt.excluded.parent_id),
        _TABLE.c.active.is_(False),
        _TABLE.c.valid_to.isnot(None),
    )
    return stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.code],
        set_={
            "name": stmt.excluded.name,
            "level": stmt.excluded.level,
            "urban_rural_class": stmt.excluded.urban_rural_class,
            "parent_id": stmt.excluded.parent_id,
            "active": True,
            "valid_to": None,
        },
        where=changed,
    )


def _write(session: Session, batch: list[dict]) -> None:
    if batch:
        session.execute(_upsert_statement(session.get_bind().dialect.name), batch)


def import_divisions(
    session: Session,
    source: Any,
    fmt: str = "nbs",
    *,
    encoding: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 5000,
    valid_from: date | None = None,
) -> ImportResult:
    """Validate then upsert every row of ``source`` (a path or a seekable text stream).

    Raises :class:`ImportRowError` (all bad rows, nothing written) or commits once at the
    end; on any other failure the transaction is rolled back. ``valid_from`` is stored on
    newly created divisions (existing ones keep theirs).
    """
    total = validate_file(session, source, fmt, encoding=encoding, progress=progress)
    result = ImportResult(rows=total)
    before = session.scalar(select(func.count()).select_from(_TABLE))
    done = 0
    try:
        # Non-village rows (≈45,000 nationally) are sorted by level so parents exist first.
        upper: list[DivisionRow] = []
        with _open(source, encoding) as handle:
            for line, raw in iter_rows(handle, fmt):
                row = _parse(raw, line, fmt)
                if row.level < 5:
                    upper.append(row)
        upper.sort(key=lambda r: (r.level, r.code))
        ids: dict[str, int] = {}
        for level in range(1, 5):
            rows = [r for r in upper if r.level == level]
            ids.update(_code_ids(session, sorted({parent_code(r.code) for r in rows if level > 1} - ids.keys())))
            for start in range(0, len(rows), batch_size):
                chunk = rows[start:start + batch_size]
                _write(session, [_values(r, ids, valid_from) for r in chunk])
                done += len(chunk)
                if progress:
                    progress(done, total, "写入")
            result.by_level[level] = len(rows)
            ids.update(_code_ids(session, [r.code for r in rows]))
        del upper
        # Villages stream in batches; their parents (townships) are all known by now.
        batch: list[dict] = []
        villages = 0
        with _open(source, encoding) as handle:
            for line, raw in iter_rows(handle, fmt):
                row = _parse(raw, line, fmt)
                if row.level < 5:
                    continue
                parent = row.code[:9] + "000"
                if parent not in ids:
                    ids.update(_code_ids(session, [parent]))
                batch.append(_values(row, ids, valid_from))
                villages += 1
                if len(batch) >= batch_size:
                    _write(session, batch)
                    done += len(batch)
                    batch = []
                    if progress:
                        progress(done, total, "写入")
        _write(session, batch)
        done += len(batch)
        result.by_level[5] = villages
        if progress:
            progress(done, total, "写入")
        after = session.scalar(select(func.count()).select_from(_TABLE))
        result.created = after - before
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.expire_all()
    return result


def _values(row: DivisionRow, ids: dict[str, int], valid_from: date | None) -> dict:
    parent = parent_code(row.code) if row.level < 5 else row.code[:9] + "000"
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "urban_rural_class": row.urban_rural_class,
        "parent_id": ids.get(parent) if parent else None,
        "active": True,
        "valid_from": valid_from,
        "valid_to": None,
    }


# -- export --------------------------------------------------------------------------------

EXPORT_HEADER = ("统计用区划代码", "名称", "城乡分类代码")


def export_divisions(session: Session, out: IO[str], *, scope: Scope | None = None,
                     include_inactive: bool = False) -> int:
    """Write divisions (in ``scope``, default all) as NBS-layout CSV with a header; returns the row count.

    The output re-imports unchanged with ``import_divisions(..., fmt="nbs")``.
    """
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    query = select(Division.code, Division.name, Division.urban_rural_class).order_by(Division.code)
    if scope is not None:
        query = query.where(scope.clause(Division.code))
    if not include_inactive:
        query = query.where(Division.active.is_(True))
    count = 0
    for code, name, klass in session.execute(query.execution_options(yield_per=5000)):
        writer.writerow((code, name, klass or ""))
        count += 1
    return count


def export_divisions_text(session: Session, *, scope: Scope | None = None) -> str:
    """The export as a string (small trees, tests)."""
    buffer = io.StringIO()
    export_divisions(session, buffer, scope=scope)
    return buffer.getvalue()


def subtree_count(session: Session, code: str) -> int:
    """Number of divisions in the subtree of ``code`` (itself included), an index range scan."""
    scope = Scope.for_division(validate_division_code(code))
    return session.scalar(select(func.count()).select_from(_TABLE).where(scope.clause(_TABLE.c.code)))

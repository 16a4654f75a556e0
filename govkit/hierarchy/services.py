"""Division import/export (行政区划导入导出): streaming, validated first, one transaction.

Plain Python over a SQLAlchemy ``Session`` (no Flask), used by the CLI, the benchmark and
tests. File layouts are described in :mod:`govkit.hierarchy.csvrows`.

:func:`import_divisions` reads the file twice (three times for its non-village rows):

1. **validate** every row and raise :class:`~govkit.errors.ImportRowError` listing **all**
   bad rows by line number (wrong length, non-digits, bad urban-rural class, duplicate code
   with a different name, parent neither in the file nor in the database); nothing written;
2. **upsert** in batches inside one transaction — provinces … townships first (sorted by
   level), then villages streamed — ``INSERT … ON CONFLICT (code) DO UPDATE``, so a
   re-import updates and never duplicates. Any failure rolls the whole import back.

Memory stays bounded: per village row pass 1 keeps 16 bytes (code, name hash, line number);
only the non-village rows (≈45,000 nationally) are held in dicts and lists.
"""
from __future__ import annotations

import io
import zlib
from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Callable, Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.errors import ImportRowError, ValidationError
from govkit.hierarchy.codes import validate_division_code
from govkit.hierarchy.csvrows import FORMATS, DivisionRow, iter_records, open_source, parse_row  # noqa: F401
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.orm import note_bulk_change
from govkit.spreadsheet import csv_writer

#: progress(done, total, phase) — phase is "校验" (validating) or "写入" (writing).
Progress = Callable[[int, int, str], None]

_TABLE = Division.__table__


@dataclass
class ImportResult:
    """What an import did."""

    rows: int = 0
    created: int = 0
    by_level: dict[int, int] = field(default_factory=dict)

    @property
    def updated(self) -> int:
        """Rows whose code already existed (updated in place, or already identical)."""
        return self.rows - self.created


# -- pass 1: validation --------------------------------------------------------------------

def _name_hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def validate_file(session: Session, source: Any, fmt: str = "nbs", *, encoding: str | None = None,
                  progress: Progress | None = None, keep_upper: list[DivisionRow] | None = None) -> int:
    """Check every row; raise ImportRowError listing all bad rows (line, message). Returns the row count.

    ``keep_upper`` (a list) receives the valid non-village rows, so the import need not re-read them.
    """
    errors: list[tuple[int, str]] = []
    upper: dict[int, tuple[int, int, str]] = {}  # non-village code -> (line, name hash, name)
    v_codes, v_hashes, v_lines = array("q"), array("L"), array("L")
    rows = 0
    with open_source(source, encoding) as handle:
        for line, raw in iter_records(handle, fmt):
            rows += 1
            try:
                row = parse_row(raw, fmt)
            except ValidationError as error:
                errors.append((line, str(error)))
                continue
            code = int(row.code)
            if row.level < 5:
                seen = upper.get(code)
                if seen is None:
                    upper[code] = (line, _name_hash(row.name), row.name)
                    if keep_upper is not None:
                        keep_upper.append(row)
                elif seen[1] != _name_hash(row.name):
                    errors.append((line, f"代码 {row.code} 重复：第 {seen[0]} 行已定义为“{seen[2]}”，本行为"
                                         f"“{row.name}”；同一代码只能有一个名称。"))
            else:
                v_codes.append(code)
                v_hashes.append(_name_hash(row.name))
                v_lines.append(line)
            if progress and rows % 20000 == 0:
                progress(rows, 0, "校验")
    errors.extend(_duplicate_messages(source, encoding, fmt, _village_duplicates(v_codes, v_hashes, v_lines)))
    errors.extend(_missing_parents(session, upper, v_codes, v_lines))
    if progress:
        progress(rows, rows, "校验")
    if errors:
        errors.sort()
        raise ImportRowError(f"导入文件有 {len(errors)} 处错误，未导入任何数据；请逐行修正后重新导入。", errors)
    if rows == 0:
        raise ImportRowError("导入文件中没有数据行。", [(1, "文件为空或只有表头。")])
    return rows


def _village_duplicates(codes: array, hashes: array, lines: array) -> list[tuple[int, int, int]]:
    """(line, first line, code) for a village code repeated with a different name (any order)."""
    n = len(codes)
    if all(codes[i] < codes[i + 1] for i in range(n - 1)):
        return []  # strictly increasing: no duplicates (the usual NBS order), no sort needed
    order = sorted(range(n), key=codes.__getitem__)
    found = []
    for a, b in zip(order, order[1:]):
        if codes[a] == codes[b] and hashes[a] != hashes[b]:
            first, second = sorted((a, b), key=lines.__getitem__)
            found.append((lines[second], lines[first], codes[a]))
    return found


def _duplicate_messages(source: Any, encoding: str | None, fmt: str,
                        found: list[tuple[int, int, int]]) -> list[tuple[int, str]]:
    """Messages naming both names; pass 1 keeps no village names, so read just those lines again."""
    if not found:
        return []
    wanted = {line for pair in found for line in pair[:2]}
    names: dict[int, str] = {}
    with open_source(source, encoding) as handle:
        for line, raw in iter_records(handle, fmt):
            if line in wanted:
                names[line] = parse_row(raw, fmt).name
    return [(line, f"代码 {code:012d} 重复：第 {first} 行已定义为“{names.get(first, '')}”，本行为"
                   f"“{names.get(line, '')}”；同一代码只能有一个名称。") for line, first, code in found]


def _parent_of(code: int) -> int | None:
    row = DivisionRow(f"{code:012d}", "", _level_of_int(code), None)
    return int(row.parent) if row.parent else None


def _level_of_int(code: int) -> int:
    for level, divisor in ((5, 1000), (4, 1000000), (3, 100000000), (2, 10000000000)):
        if code % divisor:
            return level
    return 1


def _missing_parents(session: Session, upper: dict, v_codes: array, v_lines: array) -> list[tuple[int, str]]:
    """Rows whose parent is neither in the file nor in the database."""
    wanted: set[int] = set()
    for code in upper:
        parent = _parent_of(code)
        if parent is not None and parent not in upper:
            wanted.add(parent)
    for code in v_codes:
        if code - code % 1000 not in upper:
            wanted.add(code - code % 1000)
    if not wanted:
        return []
    missing = wanted - {int(c) for c in _existing_codes(session, [f"{c:012d}" for c in wanted])}
    errors = []
    for code, line in zip(v_codes, v_lines):
        if code - code % 1000 in missing:
            errors.append((line, _parent_message(code, code - code % 1000)))
    for code, (line, _, _) in upper.items():
        parent = _parent_of(code)
        if parent in missing:
            errors.append((line, _parent_message(code, parent)))
    return errors


def _parent_message(code: int, parent: int) -> str:
    return (f"区划 {code:012d} 的上级区划 {parent:012d} 既不在本文件中也不在数据库中；"
            "请在文件中加入上级区划，或先导入上级区划。")


def _existing_codes(session: Session, codes: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(codes), 500):
        found.extend(session.scalars(select(Division.code).where(Division.code.in_(codes[start:start + 500]))))
    return found


def _code_ids(session: Session, codes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        query = select(Division.code, Division.id).where(Division.code.in_(codes[start:start + 500]))
        ids.update((code, id_) for code, id_ in session.execute(query))
    return ids


# -- pass 2: writing -----------------------------------------------------------------------

_COLUMNS = "code, name, level, urban_rural_class, parent_id, active, valid_from, valid_to"
_UPSERT = """INSERT INTO gk_division ({columns}) VALUES {values}
ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
    urban_rural_class = excluded.urban_rural_class, parent_id = excluded.parent_id,
    active = {true}, valid_to = NULL
WHERE gk_division.name <> excluded.name OR gk_division.level <> excluded.level
    OR gk_division.urban_rural_class {distinct} excluded.urban_rural_class
    OR gk_division.parent_id {distinct} excluded.parent_id
    OR gk_division.active = {false} OR gk_division.valid_to IS NOT NULL"""


_VILLAGE_MERGE = """\
INSERT INTO gk_division (code, name, level, urban_rural_class, parent_id, active, valid_from, valid_to)
SELECT DISTINCT ON (s.code) s.code, s.name, 5, s.urban_rural_class, p.id, true, %(valid_from)s, NULL
FROM gk_division_stage s LEFT JOIN gk_division p ON p.code = substr(s.code, 1, 9) || '000'
ORDER BY s.code
ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
    urban_rural_class = excluded.urban_rural_class, parent_id = excluded.parent_id,
    active = true, valid_to = NULL
WHERE gk_division.name <> excluded.name OR gk_division.level <> excluded.level
    OR gk_division.urban_rural_class IS DISTINCT FROM excluded.urban_rural_class
    OR gk_division.parent_id IS DISTINCT FROM excluded.parent_id
    OR gk_division.active = false OR gk_division.valid_to IS NOT NULL"""


class _CopySource(io.TextIOBase):
    """A read()-able text stream of COPY lines built lazily from row tuples."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self._buffer = ""

    def readable(self) -> bool:
        return True

    @staticmethod
    def _field(value: Any) -> str:
        if value is None:
            return "\\N"
        return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._buffer) < size:
            chunk = []
            for row in self._rows:
                chunk.append("\t".join(self._field(v) for v in row) + "\n")
                if len(chunk) >= 2000:
                    break
            if not chunk:
                break
            self._buffer += "".join(chunk)
        if size < 0:
            out, self._buffer = self._buffer, ""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


class _Upserter:
    """Batched ``INSERT … ON CONFLICT (code) DO UPDATE`` through the driver (SQLite's
    executemany, psycopg2's execute_values, psycopg 3's pipelined executemany): the SQL is
    the same on all, only the placeholders and boolean literals differ."""

    def __init__(self, session: Session, valid_from: date | None) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        self.kind = dialect.name if dialect.name in ("sqlite", "postgresql") else None
        self.driver = dialect.driver
        if self.kind == "postgresql" and self.driver not in ("psycopg2", "psycopg"):
            self.kind = "postgresql-generic"
        if self.kind is None:  # pragma: no cover - govkit supports SQLite and PostgreSQL
            raise ValidationError(f"不支持的数据库：{dialect.name}")
        self.valid_from = valid_from.isoformat() if (valid_from and self.kind == "sqlite") else valid_from
        if self.kind == "sqlite":
            # A larger page cache for this transaction's index inserts (32 MB; default is 2 MB).
            self.connection.exec_driver_sql("PRAGMA cache_size = -32768")
            self.sql = _UPSERT.format(columns=_COLUMNS, values="(?, ?, ?, ?, ?, 1, ?, NULL)",
                                      true="1", false="0", distinct="IS NOT")
        elif self.kind == "postgresql" and self.driver == "psycopg2":
            self.sql = _UPSERT.format(columns=_COLUMNS, values="%s", true="true", false="false",
                                      distinct="IS DISTINCT FROM")
        else:
            self.sql = _UPSERT.format(columns=_COLUMNS, values="(%s, %s, %s, %s, %s, true, %s, NULL)",
                                      true="true", false="false", distinct="IS DISTINCT FROM")

    def copy_villages(self, rows: Iterable[DivisionRow]) -> None:
        """PostgreSQL: COPY villages into a temp table, then upsert them in one statement."""
        raw = self.connection.connection.driver_connection
        copy_sql = "COPY gk_division_stage (code, name, urban_rural_class) FROM STDIN"
        source = _CopySource((r.code, r.name, r.urban_rural_class) for r in rows)
        with raw.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE gk_division_stage (code varchar(12) NOT NULL, name text NOT NULL, "
                           "urban_rural_class varchar(3)) ON COMMIT DROP")
            if self.driver == "psycopg2":
                cursor.copy_expert(copy_sql, source)
            else:  # psycopg 3
                with cursor.copy(copy_sql) as copy:
                    while chunk := source.read(1 << 16):
                        copy.write(chunk)
            cursor.execute(_VILLAGE_MERGE, {"valid_from": self.valid_from})
            cursor.execute("DROP TABLE gk_division_stage")

    def write(self, rows: list[tuple]) -> None:
        """Rows are (code, name, level, class, parent_id, valid_from)."""
        if not rows:
            return
        if self.kind == "postgresql" and self.driver == "psycopg2":
            from psycopg2.extras import execute_values  # deferred: PostgreSQL driver, needed on PostgreSQL only

            with self.connection.connection.driver_connection.cursor() as cursor:
                execute_values(cursor, self.sql, rows, template="(%s, %s, %s, %s, %s, true, %s, NULL)",
                               page_size=2000)
        else:
            self.connection.exec_driver_sql(self.sql, rows)


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

    Raises :class:`ImportRowError` (all bad rows, nothing written), or commits once at the
    end; on any other failure the transaction is rolled back. ``valid_from`` is stored on
    newly created divisions (existing ones keep theirs).
    """
    upper: list[DivisionRow] = []
    total = validate_file(session, source, fmt, encoding=encoding, progress=progress, keep_upper=upper)
    result = ImportResult(rows=total)
    try:
        before = session.scalar(select(func.count()).select_from(_TABLE))
        writer = _Upserter(session, valid_from)
        valid_from = writer.valid_from  # in the driver's form
        done = 0
        # Non-village rows (≈45,000 nationally, kept by pass 1), by level so parents exist first.
        upper.sort(key=lambda r: (r.level, r.code))
        ids: dict[str, int] = {}
        for level in range(1, 5):
            rows = [r for r in upper if r.level == level]
            ids.update(_code_ids(session, sorted({r.parent for r in rows if r.parent} - ids.keys())))
            for start in range(0, len(rows), batch_size):
                chunk = rows[start:start + batch_size]
                writer.write([(r.code, r.name, r.level, r.urban_rural_class, ids.get(r.parent), writer.valid_from)
                              for r in chunk])
                done += len(chunk)
                if progress:
                    progress(done, total, "写入")
            result.by_level[level] = len(rows)
            ids.update(_code_ids(session, [r.code for r in rows]))
        del upper
        # Villages stream in batches; their parents (townships) all have ids by now.
        # A dict per batch: PostgreSQL refuses one INSERT … ON CONFLICT touching a code twice,
        # and a file may repeat a village row (identical: pass 1 refused different names).
        counted = [0]

        def village_rows() -> Iterator[DivisionRow]:
            with open_source(source, encoding) as handle:
                for _, raw in iter_records(handle, fmt):
                    code = raw[0].strip()
                    if len(code) != 12 or code[9:] == "000":
                        continue  # not a village (written above); valid villages are 12 digits not ending 000
                    row = parse_row(raw, fmt)
                    if row.level < 5:
                        continue
                    counted[0] += 1
                    if progress and counted[0] % batch_size == 0:
                        progress(done + counted[0], total, "写入")
                    yield row

        if writer.kind == "postgresql":
            # COPY streams the rows into a staging table while the file is still being read
            # (client and server work at once), then one set-based upsert resolves parents.
            writer.copy_villages(village_rows())
        else:
            batch: dict[str, tuple] = {}
            for row in village_rows():
                parent = row.code[:9] + "000"
                parent_id = ids.get(parent)
                if parent_id is None:
                    ids.update(_code_ids(session, [parent]))
                    parent_id = ids.get(parent)
                batch[row.code] = (row.code, row.name, 5, row.urban_rural_class, parent_id, valid_from)
                if len(batch) >= batch_size:
                    writer.write(list(batch.values()))
                    batch = {}
            writer.write(list(batch.values()))
        villages = counted[0]
        result.by_level[5] = villages
        if progress:
            progress(done + villages, total, "写入")
        result.created = session.scalar(select(func.count()).select_from(_TABLE)) - before
        note_bulk_change(session, "gk_division", "批量导入", result.rows,
                         f"导入区划 {result.rows} 行（新增 {result.created}，更新或不变 {result.updated}）")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.expire_all()
    return result


# -- export and queries --------------------------------------------------------------------

EXPORT_HEADER = ("统计用区划代码", "名称", "城乡分类代码")


def export_divisions(session: Session, out: IO[str], *, scope: Scope | None = None,
                     include_inactive: bool = False) -> int:
    """Write divisions (in ``scope``, default all) as NBS-layout CSV with a header; returns the row count.

    The output re-imports unchanged with ``import_divisions(..., fmt="nbs")``.
    """
    writer = csv_writer(out)
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
    """Number of divisions in the subtree of ``code`` (itself included): an index range scan."""
    scope = Scope.for_division(validate_division_code(code))
    return session.scalar(select(func.count()).select_from(_TABLE).where(scope.clause(_TABLE.c.code)))

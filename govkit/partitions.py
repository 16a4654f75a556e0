"""Partitioned history on PostgreSQL (分区历史表): case events, outbox and audit rows partitioned by month.

On PostgreSQL the three tables that grow without bound are declaratively partitioned by ``RANGE`` on their
timestamp — ``gk_case_event.at``, ``gk_outbox.created_at``, ``gk_audit_entry.at`` — one partition per
calendar month in Beijing time (``gk_case_event_p202612`` holds December 2026) plus a default partition
(``gk_case_event_default``), so an insert never fails for a month without its partition. The models, the ORM
and every query are unchanged; SQLite keeps plain tables.

* :func:`partition_history` turns the three tables (as ``metadata.create_all`` or the migration made them)
  into partitioned ones: called by :func:`govkit.migrate.upgrade` (``govkit db upgrade``) and by the test and
  bench schemas, a no-op for tables already partitioned. Rows a table already held are kept (they go through
  the default partition into their months).
* :func:`ensure_partitions` creates the partitions of the current month and ``months_ahead`` months after it,
  and of every month the default partition holds rows of, moving those rows out (job ``partitions`` in
  :mod:`govkit.jobs`, command ``govkit db partitions ensure``). Idempotent.
* :func:`detach_before` detaches (never drops) the monthly partitions before a month for archiving
  (``govkit db partitions detach --before YYYY-MM``): the table stays in the database as a plain table to
  dump and drop (docs/deployment.md). Each detach is an audited admin change.

**Global uniqueness.** PostgreSQL only enforces a unique constraint on a partitioned table when it contains
the partition key, so ``UNIQUE (key)`` of the outbox and ``UNIQUE (seq)`` of the audit trail are kept by a
small unpartitioned key table each (``gk_outbox_key``, ``gk_audit_seq``: the column as primary key), filled by
a ``BEFORE INSERT`` trigger on the partitioned table: a second row with a key already used — in any month — is
refused with the usual unique violation (``IntegrityError``), as on SQLite. The primary keys become
``(id, <timestamp>)``; ids still come from one sequence per table, so they stay unique. No foreign key points
at these tables. The keys of a detached outbox month are removed with it (a relayed message that old is not
re-sent); the audit's seqs stay, so a seq is never used twice.

**The audit chain after a detach.** Detaching audit months removes the start of the hash chain from what
``govkit audit verify`` reads. The detach appends an audit entry (action :data:`ARCHIVED`) that records the last
seq and hash of the detached rows; that entry is itself chained, so the check starts at the first attached
row only when an archive entry vouches for exactly that row's ``prev_hash`` (:func:`govkit.audit.trail.verify`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from govkit.audit.trail import ARCHIVED, record
from govkit.clock import LOCAL_TZ, day_start, local_date

__all__ = ["PARTITIONED", "KEY_TABLES", "partition_history", "ensure_partitions", "detach_before",
           "list_partitions", "Partition", "EnsureReport", "Detached", "is_partitioned", "parse_month",
           "schema_difference_expected"]

#: The partitioned tables and their partition key (a UTC timestamp; months are Beijing months).
PARTITIONED: dict[str, str] = {"gk_case_event": "at", "gk_outbox": "created_at", "gk_audit_entry": "at"}
#: table → (unique column, key table, SQL type): the global uniqueness the key table keeps.
KEY_TABLES: dict[str, tuple[str, str, str]] = {"gk_outbox": ("key", "gk_outbox_key", "varchar(64)"),
                                               "gk_audit_entry": ("seq", "gk_audit_seq", "integer")}
DEFAULT_MONTHS_AHEAD = 3
_LOCK_KEY = 0x676B7074  # "gkpt": one partition maintenance at a time
_MONTHLY = re.compile(r"^(?P<table>gk_[a-z_]+)_p(?P<year>\d{4})(?P<month>\d{2})$")


@dataclass(frozen=True)
class Partition:
    """One partition (or detached former partition) of a history table."""

    table: str
    name: str
    month: date | None  # None: the default partition
    attached: bool
    rows: int  # the planner's estimate (exact for the default partition)

    @property
    def label(self) -> str:
        return "默认分区" if self.month is None else f"{self.month:%Y-%m}"


@dataclass
class EnsureReport:
    created: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # partition → rows moved out of the default partition
    skipped: list[str] = field(default_factory=list)  # months whose partition was detached: rows stay in default

    def message(self) -> str:
        parts = [f"新建分区 {len(self.created)} 个" + (f"（{'、'.join(self.created)}）" if self.created else "")]
        if self.moved:
            parts.append("从默认分区移入 " + "、".join(f"{name} {rows} 行" for name, rows in self.moved.items()))
        if self.skipped:
            parts.append("以下月份的分区已分离归档，新行留在默认分区：" + "、".join(self.skipped))
        return "；".join(parts) + "。"


@dataclass(frozen=True)
class Detached:
    table: str
    name: str
    rows: int


def is_postgres(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql"


def is_partitioned(connection: sa.Connection, table: str) -> bool:
    return bool(connection.scalar(sa.text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace"), {"t": table}))


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; a clear Chinese error otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"月份“{text}”格式不对，应为 YYYY-MM，例如 2024-01。")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _bound(month: date) -> str:
    """The partition bound of ``month``: its first instant in Beijing time, as a timestamptz literal."""
    return day_start(month.replace(day=1)).isoformat()


def _name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- turning the tables into partitioned ones -------------------------------------------------------------


def partition_history(connection: sa.Connection, *, months_ahead: int = DEFAULT_MONTHS_AHEAD) -> list[str]:
    """PostgreSQL: make the history tables partitioned (those not yet), then :func:`ensure_partitions`.

    Returns the tables converted ([] on SQLite or when all already are). Run inside a transaction (the
    migration's, or ``engine.begin()``): it renames each plain table, creates the partitioned one with the
    same columns, defaults and sequence, the default partition, the primary key ``(id, <timestamp>)``, the
    foreign keys and indexes the plain table had, the key table and its trigger, copies the rows and drops
    the plain table.
    """
    if not is_postgres(connection):
        return []
    converted = []
    for table, column in PARTITIONED.items():
        if not _table_exists(connection, table) or is_partitioned(connection, table):
            continue
        _convert(connection, table, column)
        converted.append(table)
    if converted:
        ensure_partitions(connection, months_ahead=months_ahead)
    return converted


def _table_exists(connection: sa.Connection, table: str) -> bool:
    return connection.scalar(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table})


def _convert(connection: sa.Connection, table: str, column: str) -> None:
    run = connection.exec_driver_sql
    old = f"{table}__plain"
    oid = connection.scalar(sa.text("SELECT CAST(:t AS regclass)::oid"), {"t": table})
    # What the plain table had besides columns: foreign keys, and indexes that back no constraint.
    foreign_keys = connection.execute(sa.text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = :o AND contype = 'f' "
        "ORDER BY conname"), {"o": oid}).all()
    indexes = connection.execute(sa.text(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = :o AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY i.indexrelid"), {"o": oid}).scalars().all()
    sequences = connection.execute(sa.text(
        "SELECT a.attname, pg_get_serial_sequence(:t, a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = :o AND a.attnum > 0 AND NOT a.attisdropped "
        "AND pg_get_serial_sequence(:t, a.attname) IS NOT NULL"), {"t": table, "o": oid}).all()
    run(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    run(f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS) "
        f"PARTITION BY RANGE ({_q(column)})")
    for name, sequence in sequences:
        run(f"ALTER SEQUENCE {sequence} OWNED BY {_q(table)}.{_q(name)}")
    run(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
    run(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    run(f"DROP TABLE {_q(old)}")
    run(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY (id, {_q(column)})")
    for name, definition in foreign_keys:
        run(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    for definition in indexes:
        run(definition)
    if table in KEY_TABLES:
        _key_table(connection, table)


def _key_table(connection: sa.Connection, table: str) -> None:
    """The unpartitioned table that keeps ``UNIQUE (column)`` across every month, and its trigger."""
    column, keys, sql_type = KEY_TABLES[table]
    run = connection.exec_driver_sql
    function = f"{keys}_add"
    run(f"CREATE INDEX {_q(f'ix_{table}_{column}')} ON {_q(table)} ({_q(column)})")  # look-ups by key
    run(f"CREATE TABLE IF NOT EXISTS {_q(keys)} ({_q(column)} {sql_type} PRIMARY KEY)")
    run(f"INSERT INTO {_q(keys)} SELECT {_q(column)} FROM {_q(table)} ON CONFLICT DO NOTHING")
    run(f"""CREATE OR REPLACE FUNCTION {_q(function)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- {table}.{column} is unique across every partition: a used value fails on the key table's primary key.
  IF TG_OP = 'UPDATE' THEN
    IF NEW.{_q(column)} IS NOT DISTINCT FROM OLD.{_q(column)} THEN RETURN NEW; END IF;
    DELETE FROM {_q(keys)} WHERE {_q(column)} = OLD.{_q(column)};
  END IF;
  INSERT INTO {_q(keys)} ({_q(column)}) VALUES (NEW.{_q(column)});
  RETURN NEW;
END $$""")
    # An outbox key changed by an UPDATE is checked too; an audit seq is never updated by govkit (the application
    # role may not, after `govkit audit lock-down`), and an edited seq is what `govkit audit verify` reports.
    events = f"INSERT OR UPDATE OF {_q(column)}" if table == "gk_outbox" else "INSERT"
    run(f"CREATE TRIGGER {_q(function)} BEFORE {events} ON {_q(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {_q(function)}()")
    # TRUNCATE (tests, a reset) empties the key table too, so the keys can be used again.
    run(f"""CREATE OR REPLACE FUNCTION {_q(keys + '_clear')}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN TRUNCATE {_q(keys)}; RETURN NULL; END $$""")
    run(f"CREATE TRIGGER {_q(keys + '_clear')} AFTER TRUNCATE ON {_q(table)} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_q(keys + '_clear')}()")


# -- listing ------------------------------------------------------------------------------------------


def list_partitions(connection: sa.Connection) -> list[Partition]:
    """Every partition of the history tables, and their detached former partitions, oldest month first."""
    if not is_postgres(connection):
        return []
    found: list[Partition] = []
    for table in PARTITIONED:
        if not is_partitioned(connection, table):
            continue
        attached = dict(connection.execute(sa.text(
            "SELECT c.relname, c.reltuples FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:t AS regclass)"), {"t": table}).all())
        detached = connection.execute(sa.text(
            "SELECT c.relname, c.reltuples FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE :p "
            "AND c.relnamespace = current_schema()::regnamespace AND NOT c.relispartition"),
            {"p": table.replace("_", r"\_") + r"\_p%"}).all()
        for name, rows in [*attached.items(), *detached]:
            match = _MONTHLY.match(name)
            if name == f"{table}_default":
                exact = connection.scalar(sa.text(f"SELECT count(*) FROM {_q(name)}"))
                found.append(Partition(table, name, None, True, exact))
            elif match and match.group("table") == table:
                month = date(int(match.group("year")), int(match.group("month")), 1)
                found.append(Partition(table, name, month, name in attached, max(int(rows), 0)))
    return sorted(found, key=lambda p: (p.table, p.month or date.max))


# -- creating ahead --------------------------------------------------------------------------------------


def ensure_partitions(connection: sa.Connection, *, months_ahead: int = DEFAULT_MONTHS_AHEAD,
                      since: date | None = None, today: date | None = None) -> EnsureReport:
    """Create the monthly partitions from ``since`` (default: this month) to ``months_ahead`` months ahead,
    and those of every month the default partition holds rows of, moving the rows out. Idempotent.

    A month whose partition was detached (the table still exists) is not recreated: its rows stay in the
    default partition and the report names the month.
    """
    report = EnsureReport()
    if not is_postgres(connection):
        return report
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    first = _month_start(since or today or local_date())
    last = _month_start(today or local_date())
    for _ in range(max(months_ahead, 0)):
        last = _next_month(last)
    wanted = []
    month = first
    while month <= last:
        wanted.append(month)
        month = _next_month(month)
    existing = {p.name: p for p in list_partitions(connection)}
    for table, column in PARTITIONED.items():
        if not is_partitioned(connection, table):
            continue
        default = f"{table}_default"
        in_default = connection.execute(sa.text(
            f"SELECT DISTINCT date_trunc('month', {_q(column)} AT TIME ZONE :tz)::date FROM {_q(default)}"),
            {"tz": str(LOCAL_TZ)}).scalars().all()
        for month in sorted(set(wanted) | set(in_default)):
            name = _name(table, month)
            if name in existing:
                if not existing[name].attached and month in in_default:
                    report.skipped.append(f"{table} {month:%Y-%m}")
                continue
            moved = _create(connection, table, column, month, has_rows=month in in_default)
            report.created.append(name)
            if moved:
                report.moved[name] = moved
    return report


def _create(connection: sa.Connection, table: str, column: str, month: date, *, has_rows: bool) -> int:
    run = connection.exec_driver_sql
    name, low, high = _name(table, month), _bound(month), _bound(_next_month(month))
    bounds = f"FOR VALUES FROM ('{low}') TO ('{high}')"
    if not has_rows:
        run(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} {bounds}")
        return 0
    # Rows of this month wait in the default partition: create the table alone, move them, attach it. The
    # default partition is locked meanwhile so no new row of the month lands there before the attach.
    default = f"{table}_default"
    run(f"LOCK TABLE {_q(default)} IN SHARE ROW EXCLUSIVE MODE")
    run(f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING STORAGE)")
    moved = connection.execute(sa.text(
        f"WITH moved AS (DELETE FROM {_q(default)} WHERE {_q(column)} >= CAST(:low AS timestamptz) "
        f"AND {_q(column)} < CAST(:high AS timestamptz) RETURNING *) "
        f"INSERT INTO {_q(name)} SELECT * FROM moved"), {"low": low, "high": high}).rowcount
    run(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} {bounds}")
    return moved


# -- detaching for archive -----------------------------------------------------------------------------


def detach_before(session: Session, before: date, *, tables: tuple[str, ...] = tuple(PARTITIONED)) -> list[Detached]:
    """Detach every monthly partition of ``tables`` before the month ``before`` (never drops one).

    Rows of those months still in the default partition are first moved into their partitions, so nothing
    old stays behind. Each detach appends an audit entry (action :data:`ARCHIVED`, the partition, its rows;
    for the audit table also the last seq and hash of what left, which ``govkit audit verify`` starts from).
    The caller commits.
    """
    connection = session.connection()
    if not is_postgres(connection):
        raise ValueError("只有 PostgreSQL 的分区表可以分离归档；SQLite 没有分区。")
    before = _month_start(before)
    if before > _month_start(local_date()):
        raise ValueError(f"不能分离本月或以后的分区（{before:%Y-%m}）：只能归档已经过去的月份。")
    tables = tuple(t for t in tables if is_partitioned(connection, t))
    if not tables:
        return []
    oldest = connection.execute(sa.text(" UNION ALL ".join(
        f"SELECT min({_q(PARTITIONED[t])} AT TIME ZONE :tz)::date FROM {_q(t + '_default')}"
        for t in tables)), {"tz": str(LOCAL_TZ)}).scalars().all()
    since = min([d for d in oldest if d is not None and d < before], default=None)
    if since is not None:  # rows of archived months waiting in the default partition go with their month
        ensure_partitions(connection, months_ahead=0, since=_month_start(since), today=_month_start(since))
    detached: list[Detached] = []
    for partition in list_partitions(connection):
        if partition.table not in tables or not partition.attached or partition.month is None:
            continue
        if partition.month >= before:
            continue
        detached.append(_detach(session, connection, partition))
    return detached


def _detach(session: Session, connection: sa.Connection, partition: Partition) -> Detached:
    table, name = partition.table, partition.name
    rows = connection.scalar(sa.text(f"SELECT count(*) FROM {_q(name)}"))
    after: dict[str, Any] = {"partition": name, "month": f"{partition.month:%Y-%m}", "rows": rows}
    if table == "gk_audit_entry":
        last = connection.execute(sa.text(f"SELECT seq, hash FROM {_q(name)} ORDER BY seq DESC LIMIT 1")).first()
        if last is not None:
            after.update(last_seq=last.seq, last_hash=last.hash)
    connection.exec_driver_sql(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
    if table == "gk_outbox":  # its keys leave with it (the key table keeps the attached months' keys)
        connection.exec_driver_sql(
            f"DELETE FROM gk_outbox_key k USING {_q(name)} d WHERE k.key = d.key")
    record(session, action=ARCHIVED, table_name=table, row_key=name,
           summary=f"分离分区 {name}（{partition.month:%Y-%m}，{rows} 行），留作归档", after=after)
    return Detached(table, name, rows)


# -- the migration check ---------------------------------------------------------------------------------


def schema_difference_expected(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """For Alembic's comparison of models and database (tests/test_migrations.py): True for what
    :func:`partition_history` changes on purpose — the partitions, the key tables, the per-table unique
    constraints it replaces and the look-up indexes it adds. Everything else is still compared."""
    if type_ == "table":
        match = _MONTHLY.match(name or "")
        return bool(name) and (name in {keys for _, keys, _ in KEY_TABLES.values()}
                               or (match is not None and match.group("table") in PARTITIONED)
                               or name in {f"{t}_default" for t in PARTITIONED})
    table = getattr(getattr(obj, "table", None), "name", None)
    if table not in KEY_TABLES:
        return False
    column = KEY_TABLES[table][0]
    columns = [c.name for c in getattr(obj, "columns", ())]
    if type_ == "unique_constraint" and columns == [column]:
        return True
    return type_ == "index" and reflected and name == f"ix_{table}_{column}"

"""Writing and checking the audit trail (审计日志); plain SQLAlchemy, no Flask at import time.

Every flush of govkit's session that inserts, changes or deletes a row of an audited table appends one
:class:`~govkit.audit.models.AuditEntry` per row in the same transaction (so a rolled-back change leaves no
entry and a committed one cannot lack its entry). Audited are the administrative tables in
:data:`AUDITED_TABLES` and every model that mixes in :class:`Audited` (plugins). The entries form a hash
chain: ``hash = sha256(prev_hash + canonical JSON of the entry)``; :func:`verify` recomputes it.

Appends are serialized: on PostgreSQL by a transaction-scoped advisory lock (``SELECT ... FOR UPDATE``
would need the UPDATE privilege the application role no longer has), on SQLite by the database's single
writer lock, which a flush already holds.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from govkit.audit.models import AuditEntry
from govkit.listeners import Listeners
from govkit.orm import BULK_CHANGES_KEY, utcnow

__all__ = ["Audited", "AUDITED_TABLES", "APPEND_ONLY_TABLES", "record", "verify", "SESSION_LISTENERS",
           "ChainProblem", "canonical", "entry_hash", "ARCHIVED"]

#: Administrative tables audited without opting in: users, roles and their permissions, groups, API keys,
#: staff, the division tree, centres, departments, organs, runtime settings, the working-day calendar, the catalog.
AUDITED_TABLES = frozenset({
    "ab_user", "ab_role", "ab_group", "ab_api_key", "gk_staff", "gk_division", "gk_service_centre",
    "gk_department", "gk_organ", "gk_runtime_setting",
    "gk_calendar_day", "gk_calendar_year", "gk_service_item", "gk_implementation", "gk_legal_basis",
    "gk_procedure_step", "gk_fee", "gk_special_procedure", "gk_material", "gk_item_type_mapping",
    "gk_disclosure_category",
})
#: FAB's permission catalogue: written by code at every start-up (permission sync, not an administrative
#: change), so audited only when a change comes through a request (FAB's security API and screens).
REQUEST_AUDITED_TABLES = frozenset({"ab_permission", "ab_view_menu", "ab_permission_view"})
#: Tables the application role may only INSERT into and SELECT from on PostgreSQL (``govkit audit lock-down``).
APPEND_ONLY_TABLES = ("gk_audit_entry", "gk_case_event")
#: Bookkeeping columns whose change alone is not an administrative change (logins count, timestamps).
IGNORED_COLUMNS = frozenset({"last_login", "login_count", "fail_login_count", "changed_on", "created_on",
                             "changed_by_fk", "created_by_fk", "updated_at", "last_used_on"})
#: Columns recorded as changed, never with their value.
SECRET_COLUMNS = frozenset({"password", "key_hash", "lookup_hash"})
#: ``session.info`` key the web layer sets while a session serves a request (``govkit.app``): a zero-argument
#: callable giving the logged-in user's name, "" for an anonymous visitor. The trail never imports Flask, so
#: it runs the same in the CLI and in jobs, where the key is absent.
REQUEST_USER = "govkit_request_user"
GENESIS = "0" * 64
#: The action of the entry a detach of a history partition appends (govkit.partitions.detach_before); for the
#: audit table its ``after`` holds ``last_seq`` and ``last_hash`` of the detached entries, where verify starts.
ARCHIVED = "归档"
_LOCK_KEY = 0x676B6175  # "gkau": the advisory lock that serializes appends on PostgreSQL


class Audited:
    """Mixin for a plugin's model whose rows are administrative data: every change is audited.

    ``class Fund(Audited, Model): ...`` — exported as ``govkit.toolkit.Audited``.
    """

    __govkit_audited__ = True


def _is_audited(session: Session, obj: Any) -> bool:
    cls = type(obj)
    return _table_audited(session, getattr(cls, "__table__", None), cls)


def _table_audited(session: Session, table: Any, cls: Any = None) -> bool:
    name = getattr(table, "name", None)
    if getattr(cls, "__govkit_audited__", False) or name in AUDITED_TABLES:
        return True
    return name in REQUEST_AUDITED_TABLES and REQUEST_USER in session.info


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (date, Decimal)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(str(v) for v in value)
    if isinstance(value, (dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def _iso(at: datetime) -> str:
    # SQLite gives naive datetimes back; govkit stores UTC, so naive means UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical(data: Any) -> str:
    """The canonical JSON text of ``data`` (sorted keys, no spaces) that hashes are computed over."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _fields(entry: Any) -> dict[str, Any]:
    return {"seq": entry.seq, "at": _iso(entry.at), "actor": entry.actor, "action": entry.action,
            "table_name": entry.table_name, "row_key": entry.row_key, "summary": entry.summary,
            "before": entry.before, "after": entry.after}


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """``sha256(prev_hash + canonical JSON of the entry's fields)`` as hex."""
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


# -- what changed ------------------------------------------------------------------------------


def _keys(mapper: Any) -> list[tuple[str, bool]]:
    """(attribute, is a many-to-many collection) for the attributes an audit entry records."""
    columns = [(a.key, False) for a in mapper.column_attrs if a.key not in IGNORED_COLUMNS]
    links = [(r.key, True) for r in mapper.relationships if r.secondary is not None]
    return columns + links


def _value(key: str, value: Any) -> Any:
    return "<已隐藏>" if key in SECRET_COLUMNS and value is not None else _jsonable(value)


def _snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {key: _value(key, state.dict.get(key)) for key, _ in _keys(state.mapper) if key in state.dict}


def _stored_row(session: Session, obj: Any) -> dict[str, Any]:
    """The row's column values as the database holds them before this flush (a changed attribute that was
    expired, e.g. after a commit, has no old value in its history)."""
    state = inspect(obj)
    attrs = [a for a in state.mapper.column_attrs if a.key not in IGNORED_COLUMNS]
    keys = state.mapper.primary_key
    if state.identity is None:
        return {}
    query = sa.select(*[a.columns[0] for a in attrs]).where(*[c == v for c, v in zip(keys, state.identity)])
    row = session.connection().execute(query).first()
    return {} if row is None else {a.key: value for a, value in zip(attrs, row)}


def _changes(obj: Any, stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, many in _keys(state.mapper):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if many:
            old, new = list(history.unchanged) + list(history.deleted), list(history.unchanged) + list(history.added)
        else:
            old = history.deleted[0] if history.deleted else stored.get(key)
            new = history.added[0] if history.added else None
        if _jsonable(old) != _jsonable(new):
            before[key], after[key] = _value(key, old), _value(key, new)
    return before, after


def _row_key(obj: Any) -> str:
    state = inspect(obj)
    # a row inserted by this flush has its key in the row but no identity yet (set after the flush)
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in identity if v is not None) or "?"


@dataclass(frozen=True)
class Change:
    action: str
    table_name: str
    row_key: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _pending_changes(session: Session, stored: dict[int, dict[str, Any]]) -> list[Change]:
    changes: list[Change] = []
    for action, objects in (("新增", session.new), ("修改", session.dirty), ("删除", session.deleted)):
        for obj in objects:
            if not _is_audited(session, obj):
                continue
            table = type(obj).__tablename__
            summary = str(obj)[:300]
            if action == "新增":
                changes.append(Change(action, table, _row_key(obj), summary, None, _snapshot(obj)))
            elif action == "删除":
                changes.append(Change(action, table, _row_key(obj), summary, _snapshot(obj), None))
            else:
                before, after = _changes(obj, stored.get(id(obj), {}))
                if after:
                    changes.append(Change(action, table, _row_key(obj), summary, before, after))
    return sorted(changes, key=lambda c: (c.table_name, c.row_key, c.action))


# -- appending -----------------------------------------------------------------------------------


def current_actor(session: Session) -> str:
    """Who makes the session's changes: ``session.info["govkit_actor"]``, else the logged-in user of the request
    the session serves (:data:`REQUEST_USER`), else 系统."""
    if session.info.get("govkit_actor"):
        return str(session.info["govkit_actor"])
    request_user = session.info.get(REQUEST_USER)
    return (request_user() if request_user else "") or "系统"


def _append(connection: sa.Connection, actor: str, changes: Iterable[Change]) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    table = AuditEntry.__table__
    head = connection.execute(
        sa.select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow()
    for change in changes:
        seq += 1
        fields = {"seq": seq, "at": _iso(at), "actor": actor[:100], "action": change.action,
                  "table_name": change.table_name, "row_key": change.row_key[:100], "summary": change.summary,
                  "before": None if change.before is None else canonical(change.before),
                  "after": None if change.after is None else canonical(change.after)}
        digest = entry_hash(prev, fields)
        connection.execute(table.insert().values(**{**fields, "at": at}, prev_hash=prev, hash=digest))
        prev = digest


def record(session: Session, *, action: str, table_name: str, row_key: str, summary: str = "",
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           actor: str | None = None) -> None:
    """Append one entry for an audited action that is not a row change (e.g. 查看完整 of personal data)."""
    change = Change(action, table_name, str(row_key), summary[:300], before, after)
    _append(session.connection(), actor or current_actor(session), [change])


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    session.info["govkit_audit_stored"] = {
        id(obj): _stored_row(session, obj)
        for obj in session.dirty if _is_audited(session, obj) and session.is_modified(obj)}


def _after_flush(session: Session, flush_context: Any) -> None:
    changes = _pending_changes(session, session.info.pop("govkit_audit_stored", {}))
    if changes:
        _append(session.connection(), current_actor(session), changes)


# -- bulk statements ------------------------------------------------------------------------------

_BULK_ACTIONS = {"update": "批量修改", "delete": "批量删除", "insert": "批量新增"}


def _statement_text(state: Any) -> str:
    try:
        return str(state.statement.compile(dialect=state.session.get_bind().dialect))
    except Exception:  # a statement that does not compile alone (never fails the change it describes)
        return type(state.statement).__name__


def _on_orm_execute(state: Any) -> Any:
    """An UPDATE/DELETE/INSERT statement run through the session (``session.execute(update(Division)...)``) on
    an audited table bypasses the flush: run it here and append one entry with its row count."""
    kind = "update" if state.is_update else "delete" if state.is_delete else "insert" if state.is_insert else None
    table = getattr(state.statement, "table", None)
    if kind is None or not _table_audited(state.session, table, getattr(state.bind_mapper, "class_", None)):
        return None
    result = state.invoke_statement()
    params = state.parameters
    rows = len(params) if isinstance(params, (list, tuple)) else result.rowcount
    text = _statement_text(state)
    after = {"rows": rows, "statement": text[:2000]}
    if isinstance(params, dict):
        after["parameters"] = {str(k): _jsonable(v) for k, v in params.items()}
    change = Change(_BULK_ACTIONS[kind], table.name, "*", f"{_BULK_ACTIONS[kind]} {rows} 行：{text}"[:300],
                    None, after)
    _append(state.session.connection(), current_actor(state.session), [change])
    return result


def _before_commit(session: Session) -> None:
    notes = session.info.pop(BULK_CHANGES_KEY, [])
    changes = [Change(note["action"], note["table"], "*", f"{note['action']} {note['rows']} 行：{note['detail']}"[:300],
                      None, {"rows": note["rows"], "detail": note["detail"]}) for note in notes]
    if changes:
        _append(session.connection(), current_actor(session), changes)


def _forget_bulk_notes(session: Session, previous_transaction: Any = None) -> None:
    session.info.pop(BULK_CHANGES_KEY, None)


#: On govkit's session factory (govkit.db.listen): every flush of an audited row appends its entries; every
#: bulk statement on an audited table and every bulk change announced by ``govkit.orm.note_bulk_change`` one.
SESSION_LISTENERS = Listeners(("before_flush", _before_flush), ("after_flush", _after_flush),
                              ("do_orm_execute", _on_orm_execute), ("before_commit", _before_commit),
                              ("after_soft_rollback", _forget_bulk_notes))


# -- checking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"第 {self.seq} 条：{self.problem}"


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain; return (entries checked, problems). An edited row fails its own hash, a deleted
    one leaves a gap in ``seq`` and a broken link, reordered rows break the links and their hashes."""
    problems: list[ChainProblem] = []
    prev, expected, count = _start(session)
    for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.seq != expected:
            problems.append(ChainProblem(entry.seq, f"序号应为 {expected}（有记录被删除或调换了顺序）"))
        if entry.prev_hash != prev:
            problems.append(ChainProblem(entry.seq, "与前一条的链接断开（前一条被删除、修改或调换）"))
        if entry_hash(entry.prev_hash, _fields(entry)) != entry.hash:
            problems.append(ChainProblem(entry.seq, "内容与哈希不符（记录被修改）"))
        prev, expected = entry.hash, entry.seq + 1
    return count, problems


def _start(session: Session) -> tuple[str, int, int]:
    """(previous hash, expected seq, 0) the check starts from: the genesis, or — when the oldest entries were
    detached for archive (PostgreSQL partitions) — the last seq and hash an archive entry recorded for exactly
    the first entry still attached. The archive entry is itself in the chain checked after, so it cannot be
    forged without breaking the chain; a start without one is reported as deleted entries."""
    first = session.execute(sa.select(AuditEntry.seq, AuditEntry.prev_hash).order_by(AuditEntry.id).limit(1)).first()
    if first is None or first.seq == 1:
        return GENESIS, 1, 0
    archived = session.scalars(sa.select(AuditEntry.after).where(
        AuditEntry.action == ARCHIVED, AuditEntry.table_name == AuditEntry.__tablename__))
    for after in archived:
        boundary = json.loads(after or "{}")
        if boundary.get("last_seq") == first.seq - 1 and boundary.get("last_hash") == first.prev_hash:
            return first.prev_hash, first.seq, 0
    return GENESIS, 1, 0


def lock_down_statements(role: str) -> list[str]:
    """The PostgreSQL statements that leave ``role`` able to INSERT/SELECT but not UPDATE/DELETE/TRUNCATE the
    append-only tables (and everything else on the other tables). Run them as the tables' owner."""
    quoted = '"' + role.replace('"', '""') + '"'
    tables = ", ".join(APPEND_ONLY_TABLES)
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {tables} FROM {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM PUBLIC",
        # Partitioned on PostgreSQL (govkit.partitions): the same for each partition and for the audit's seq table.
        "DO $$ DECLARE t regclass; BEGIN FOR t IN SELECT i.inhrelid::regclass FROM pg_inherits i "
        f"WHERE i.inhparent = ANY (ARRAY[{', '.join(repr(t) for t in APPEND_ONLY_TABLES)}]::regclass[]) "
        "UNION ALL SELECT to_regclass('gk_audit_seq') WHERE to_regclass('gk_audit_seq') IS NOT NULL LOOP "
        f"EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %s', t, {_sql_literal(quoted)}); "
        "END LOOP; END $$",
    ]


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

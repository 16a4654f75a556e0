"""Writing a transition: the case row, its CaseEvent and its outbox row in one short burst.

:meth:`Workflow.record_event` queues ``(case, event, outbox row)`` in ``session.info``
without touching the database; :meth:`Workflow.finish` writes the queue:

* **Fast path** — the usual transition, where only the case's own columns changed (no
  new pauses or material rows, no relationship changes, no other modified objects):
  ``UPDATE gk_case SET … , version = v + 1 WHERE id = :id AND version = v`` (no row
  matched → the case was changed by someone else → ``StaleDataError``, which ``finish``
  turns into ConcurrentModification), then ``INSERT`` the event and the outbox row — on
  PostgreSQL all three in one statement (data-modifying CTEs, one round trip). A
  registration inserts the case, its checklist rows, the event and the outbox row (on
  PostgreSQL in one statement as well, the checklist passed as arrays).
  The ORM objects are then marked as stored, as a flush would (the case keeps its loaded
  values with the new version; the event becomes a persistent object with its id).
* **Events that change no case** (:func:`write_events`, the ``document_issued`` event of an
  issued document): the event and its outbox row as two Core ``INSERT``s; the case row is
  not written, so its version stays.
* **Unit of work** — anything else: the queued events are attached to their cases,
  the outbox rows inserted and the session flushed as usual.

Either way the database write lock (SQLite) or row lock (PostgreSQL) is taken by the
first write statement, so it is held for the statements and the commit, not for the
checks and effects that ran before. A flush or commit that ``finish`` did not start
(an autoflush inside a query, a caller committing by itself) writes the queue first
through the unit of work, so no event or outbox row is ever lost; a rollback drops it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, bindparam, cast, func, insert, inspect, select, true
from sqlalchemy.orm import MANYTOONE, ColumnProperty, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from govkit.cases import cards, dispatch
from govkit.cases.models import Case, CaseEvent, CaseMaterial, OutboxMessage
from govkit.listeners import Listeners

_QUEUE = "govkit_pending_case_writes"
_EVENT_COLUMNS = tuple(c.key for c in CaseEvent.__table__.columns if c.key != "id")
_EVENT_DATA_COLUMNS = tuple(name for name in _EVENT_COLUMNS if name != "case_id")  # the case id comes from SQL
_MATERIAL_COLUMNS = tuple(c.key for c in CaseMaterial.__table__.columns if c.key not in ("id", "case_id"))
_CASES = Case.__table__
_UPDATE_CASE = _CASES.update().where(_CASES.c.id == bindparam("_case_id"), _CASES.c.version == bindparam("_version"))
_INSERT_EVENT = insert(CaseEvent.__table__)
_INSERT_CASE = insert(_CASES)
_INSERT_MATERIALS = insert(CaseMaterial.__table__).returning(CaseMaterial.__table__.c.id, sort_by_parameter_order=True)
_INSERT_OUTBOX = insert(OutboxMessage.__table__)


@dataclass
class PendingWrite:
    case: Case
    event: CaseEvent
    outbox: dict[str, Any]


def queue(session: Session, case: Case, case_event: CaseEvent, outbox: dict[str, Any]) -> None:
    """Queue an event (not yet in the session) and its outbox row for the next write."""
    SESSION_LISTENERS.ensure(session)
    cards.touched(session, case)  # the counts of the scopes it touches go stale at commit
    session.info.setdefault(_QUEUE, []).append(PendingWrite(case, case_event, outbox))


def pending(session: Session) -> bool:
    return bool(session.info.get(_QUEUE))


def materialise(session: Session) -> None:
    """Unit-of-work path: attach the queued events to their cases, insert the outbox rows."""
    writes = session.info.pop(_QUEUE, None)
    if not writes:
        return
    for write in writes:
        write.event.case = write.case
        session.add(write.event)
    session.connection().execute(_INSERT_OUTBOX, [w.outbox for w in writes])


def write(session: Session) -> None:
    """Write the queue: the Core fast path when it applies, else through the unit of work."""
    if not _write_fast(session):
        materialise(session)


def write_events(session: Session) -> None:
    """Write a queued event that changes no case (``document_issued``) and its outbox row with Core ``INSERT``s.

    The case row is not written (its version stays, so a desk page still open on the case stays
    current) and no unit of work runs (what a flush of one new row costs is most of an issue's
    database time). Through the unit of work (:func:`materialise`) when that is needed: several
    queued events (an action issuing documents in its own transaction), a case with unwritten
    changes, or mapper-level listeners on the case tables.
    """
    writes = session.info.get(_QUEUE)
    if not writes:
        return
    write = writes[0]
    state = inspect(write.case)
    if len(writes) != 1 or state.pending or state.modified or _mappers_listened():
        materialise(session)
        return
    _insert_event(session.connection(), write)
    if "events" in write.case.__dict__:  # a loaded history list would miss the new event
        session.expire(write.case, ["events"])
    _attach_event(session, write)


def _write_fast(session: Session) -> bool:
    """Write a single queued transition or registration with Core statements.

    False (nothing written) when it needs the unit of work: several queued events, other
    new, changed or deleted objects, a changed relationship, or mapper-level listeners
    on the case tables (which only a flush would call).
    """
    writes = session.info.get(_QUEUE)
    if not writes or len(writes) != 1 or _mappers_listened():
        return False
    write = writes[0]
    case = write.case
    state = inspect(case)
    if state.pending:
        return _insert_case(session, write)
    changes = _column_changes(session, state)
    if changes is None:
        return False
    old = case.version
    connection = session.connection()
    # Prepared statements with bound parameters: compiled once per set of changed
    # columns (SQLAlchemy's compiled cache), no statement building per call.
    params = {column: value for _, column, value in changes}
    params.update(version=old + 1, _case_id=case.id, _version=old)
    if connection.dialect.name == "postgresql":
        _write_in_one_statement(connection, write, params)
    else:
        if connection.execute(_UPDATE_CASE, params).rowcount != 1:
            raise StaleDataError(f"gk_case {case.id}: version {old} is no longer current")
        _insert_event(connection, write)

    # The rows are written: make the ORM objects say so, exactly as a flush would
    # (the case keeps its loaded values with the new version and is clean again).
    set_committed_value(case, "version", old + 1)
    state._commit_all(state.dict, session.identity_map)  # what the unit of work does after an UPDATE
    if "events" in case.__dict__:  # a loaded history list would miss the new event
        session.expire(case, ["events"])
    _attach_event(session, write)
    return True


def _insert_case(session: Session, write: PendingWrite) -> bool:
    """A registration: INSERT the case, its materials checklist, the event and the outbox row."""
    case = write.case
    materials = list(case.__dict__.get("materials", ()))
    if not _only_these_changed(session, new={case, *materials}, dirty=set()) or case.__dict__.get("pauses"):
        return False
    case_values = _new_row(case)
    material_values = [_new_row(m, parent=case) for m in materials]
    if case_values is None or any(v is None for v in material_values):
        return False
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _insert_in_one_statement(connection, write, case_values, material_values)
    else:
        case_id = connection.execute(_INSERT_CASE, {c: v for _, c, v in case_values}).inserted_primary_key[0]
        set_committed_value(case, "id", case_id)
        if materials:
            ids = connection.execute(_INSERT_MATERIALS, [{c: case_id if v is _PARENT_ID else v for _, c, v in row}
                                                         for row in material_values]).scalars()
            for material, material_id in zip(materials, list(ids)):
                set_committed_value(material, "id", material_id)
        _insert_event(connection, write)
    material_values = [[(k, c, case.id if v is _PARENT_ID else v) for k, c, v in row] for row in material_values]

    # Turn the pending objects into persistent ones holding what was inserted.
    session.expunge(case)  # cascades to the checklist rows
    for obj, values in ((case, case_values), *zip(materials, material_values)):
        for key, _, value in values:
            set_committed_value(obj, key, value)
        make_transient_to_detached(obj)
    session.add(case)
    _attach_event(session, write)
    return True


def _insert_in_one_statement(connection: Any, write: PendingWrite, case_values: list, material_values: list) -> None:
    """PostgreSQL: a registration's case, checklist, event and outbox row in one round trip.

    ``WITH c AS (INSERT INTO gk_case … RETURNING id), m AS (INSERT INTO gk_case_material
    SELECT c.id, … FROM c, unnest(:material_ids, :received, :notes) RETURNING material_id, id),
    e AS (INSERT INTO gk_case_event SELECT c.id, … FROM c RETURNING id), o AS (INSERT INTO
    gk_outbox SELECT … FROM c) SELECT c.id, e.id, m.material_id, m.id FROM c, e LEFT JOIN m``;
    the checklist goes in as arrays, so one statement (compiled once) serves every number of
    materials. The checklist objects get their ids by material (unique per case).
    """
    case = write.case
    rows = [{c: v for _, c, v in row} for row in material_values]
    params = {f"c_{c}": v for _, c, v in case_values}
    params.update({f"m_{name}": [row.get(name) for row in rows] for name in _MATERIAL_COLUMNS})
    params.update({f"e_{name}": v for name, v in _event_values(write).items() if name != "case_id"})
    params.update({f"o_{name}": value for name, value in write.outbox.items()})
    statement = _insert_statement(tuple(sorted(c for _, c, _ in case_values)), tuple(sorted(write.outbox)))
    result = connection.execute(statement, params).all()
    case_id, event_id = result[0][0], result[0][1]
    set_committed_value(case, "id", case_id)
    write.event.case_id, write.event.id = case_id, event_id
    row_ids = {material_id: row_id for _, _, material_id, row_id in result if row_id is not None}
    for material in case.__dict__.get("materials", ()):
        set_committed_value(material, "id", row_ids[material.material_id])


def _typed(table: Any, prefix: str, name: str) -> Any:
    """``CAST(:prefix_name AS <column type>)``: a parameter inside INSERT … SELECT needs its type."""
    return cast(bindparam(f"{prefix}{name}", type_=table.c[name].type), table.c[name].type)


def _event_and_outbox_from(case_cte: Any, outbox_columns: tuple[str, ...]) -> tuple[Any, Any]:
    """The CTEs ``e`` (the event, RETURNING id) and ``o`` (the outbox row): one row each per row of ``case_cte``."""
    events, outbox = CaseEvent.__table__, OutboxMessage.__table__
    inserted_event = (events.insert()
                      .from_select(["case_id", *_EVENT_DATA_COLUMNS],
                                   select(case_cte.c.id, *[_typed(events, "e_", n) for n in _EVENT_DATA_COLUMNS]))
                      .returning(events.c.id).cte("e"))
    queued = outbox.insert().from_select(
        list(outbox_columns), select(*[_typed(outbox, "o_", n) for n in outbox_columns]).select_from(case_cte)).cte("o")
    return inserted_event, queued


@functools.lru_cache(maxsize=64)
def _insert_statement(case_columns: tuple[str, ...], outbox_columns: tuple[str, ...]) -> Any:
    cases, materials = _CASES, CaseMaterial.__table__
    inserted_case = (cases.insert()
                     .values({name: bindparam(f"c_{name}", type_=cases.c[name].type) for name in case_columns})
                     .returning(cases.c.id).cte("c"))
    checklist = func.unnest(*[cast(bindparam(f"m_{name}"), ARRAY(materials.c[name].type))
                              for name in _MATERIAL_COLUMNS]).table_valued(*_MATERIAL_COLUMNS).render_derived("x")
    inserted_materials = (materials.insert()
                          .from_select(["case_id", *_MATERIAL_COLUMNS],
                                       select(inserted_case.c.id, *[checklist.c[n] for n in _MATERIAL_COLUMNS])
                                       .select_from(inserted_case.join(checklist, true())))
                          .returning(materials.c.material_id, materials.c.id).cte("m"))
    inserted_event, queued = _event_and_outbox_from(inserted_case, outbox_columns)
    return (select(inserted_case.c.id, inserted_event.c.id, inserted_materials.c.material_id,
                   inserted_materials.c.id)
            .select_from(inserted_case.join(inserted_event, true()).outerjoin(inserted_materials, true()))
            .add_cte(inserted_case, inserted_materials, inserted_event, queued))


def _write_in_one_statement(connection: Any, write: PendingWrite, case_params: dict[str, Any]) -> None:
    """PostgreSQL: the versioned UPDATE, the event and the outbox row in one round trip.

    ``WITH u AS (UPDATE … WHERE id AND version RETURNING id), e AS (INSERT … SELECT … FROM u
    RETURNING id), o AS (INSERT … SELECT … FROM u) SELECT id FROM e``: when the version no
    longer matches, ``u`` is empty, so are the inserts, and no id comes back.
    """
    columns = tuple(sorted(k for k in case_params if not k.startswith("_")))
    params = {f"c_{k}": v for k, v in case_params.items() if not k.startswith("_")}
    params.update(_case_id=case_params["_case_id"], _version=case_params["_version"])
    params.update({f"e_{name}": v for name, v in _event_values(write).items() if name != "case_id"})
    params.update({f"o_{name}": value for name, value in write.outbox.items()})
    row = connection.execute(_one_statement(columns, tuple(sorted(write.outbox))), params).first()
    if row is None:
        raise StaleDataError(f"gk_case {write.case.id}: version {case_params['_version']} is no longer current")
    write.event.id = row[0]


@functools.lru_cache(maxsize=256)
def _one_statement(case_columns: tuple[str, ...], outbox_columns: tuple[str, ...]) -> Any:
    cases = _CASES
    updated = (cases.update()
               .where(cases.c.id == bindparam("_case_id"), cases.c.version == bindparam("_version"))
               .values({name: bindparam(f"c_{name}", type_=cases.c[name].type) for name in case_columns})
               .returning(cases.c.id).cte("u"))
    inserted, queued = _event_and_outbox_from(updated, outbox_columns)
    return select(inserted.c.id).add_cte(updated, inserted, queued)


def _event_values(write: PendingWrite) -> dict[str, Any]:
    """The event's row (its case's id included)."""
    write.event.case_id = write.case.id
    return {name: getattr(write.event, name) for name in _EVENT_COLUMNS}


def _insert_event(connection: Any, write: PendingWrite) -> None:
    write.event.id = connection.execute(_INSERT_EVENT, _event_values(write)).inserted_primary_key[0]
    connection.execute(_INSERT_OUTBOX, write.outbox)


def _attach_event(session: Session, write: PendingWrite) -> None:
    """The written event becomes a persistent object; its after-commit record is built."""
    session.info.pop(_QUEUE, None)
    new_event = write.event
    make_transient_to_detached(new_event)
    session.add(new_event)
    set_committed_value(new_event, "case", write.case)
    dispatch.resolve(session)


_PARENT_ID = object()


def _new_row(obj: Any, parent: Any = None) -> list[tuple[str, str, Any]] | None:
    """``[(attribute, column, value)]`` a flush would insert for ``obj`` (None when unsure).

    Given values, else the column's Python default; many-to-one relationships set as
    objects give their target's key to the foreign key column, as the unit of work does
    (a reference to ``parent``, inserted just before, gives the ``_PARENT_ID`` marker).
    """
    state = inspect(obj)
    mapper = state.mapper
    values: dict[str, tuple[str, str, Any]] = {}
    for prop in mapper.column_attrs:
        if len(prop.columns) != 1:
            return None
        column = prop.columns[0]
        if prop.key in state.dict:
            value = state.dict[prop.key]
        elif column.primary_key:
            continue
        elif column.server_default is not None:
            return None
        elif column.default is None:
            value = None
        elif column.default.is_scalar:
            value = column.default.arg
        elif column.default.is_callable:
            value = column.default.arg(None)
        else:
            return None
        values[column.key] = (prop.key, column.key, value)
    for rel in mapper.relationships:
        if rel.direction is not MANYTOONE or rel.key not in state.dict:
            continue
        target = state.dict[rel.key]
        for local, remote in rel.local_remote_pairs:
            remote_value = None
            if target is not None and target is parent:
                remote_value = _PARENT_ID
            elif target is not None:
                remote_value = getattr(target, inspect(target).mapper.get_property_by_column(remote).key)
                if remote_value is None:
                    return None  # the target is not stored yet
            attribute = mapper.get_property_by_column(local).key
            values[local.key] = (attribute, local.key, remote_value)
    return list(values.values())


def _only_these_changed(session: Session, *, new: set[Any], dirty: set[Any]) -> bool:
    """True when the session holds no new, deleted or really changed objects but these."""
    return set(session.new) == new and not session.deleted and \
        not any(session.is_modified(o) for o in session.dirty if o not in dirty)


def _column_changes(session: Session, state: Any) -> list[tuple[str, str, Any]] | None:
    """``[(attribute, column, new value)]`` of a loaded case; None unless only its columns changed."""
    if not state.persistent or state.expired or not _only_these_changed(session, new=set(), dirty={state.obj()}):
        return None
    mapper = state.mapper
    changes = []
    for key in list(state.committed_state):
        history = state.attrs[key].history
        if not history.added and not history.deleted:
            continue
        prop = mapper.attrs[key]
        if not isinstance(prop, ColumnProperty) or key == "version" or len(prop.columns) != 1:
            return None  # a relationship or the version itself: let the unit of work decide
        changes.append((key, prop.columns[0].key, history.added[0] if history.added else None))
    return changes


def _mappers_listened() -> bool:
    """True when someone listens to flush-time mapper events of the case tables."""
    for model in (Case, CaseEvent, CaseMaterial):
        dispatch_ = inspect(model).dispatch
        if any(getattr(dispatch_, name) for name in _MAPPER_EVENTS):
            return True
    return False


_MAPPER_EVENTS = ("before_insert", "after_insert", "before_update", "after_update")


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    materialise(session)


def _before_commit(session: Session) -> None:
    # A commit of a session with nothing else dirty skips the flush (and before_flush).
    materialise(session)


def _after_rollback(session: Session) -> None:
    session.info.pop(_QUEUE, None)


#: On govkit's session factory (govkit.db.listen) and on any other session a case is written through.
SESSION_LISTENERS = Listeners(
    ("before_flush", _before_flush), ("before_commit", _before_commit), ("after_rollback", _after_rollback),
)

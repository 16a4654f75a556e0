"""govkit's SQLAlchemy listeners are on govkit's engines and session factory, not on every one in the process."""
from __future__ import annotations

import sys

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from govkit import db as govkit_db
from govkit.app import SESSION_LISTENER_SETS
from govkit.cases import dispatch, writes
from govkit.listeners import Listeners

# Every session set create_app attaches, from the one tuple it attaches them from (govkit.app).
SESSION_SETS = SESSION_LISTENER_SETS
SESSION_LISTENERS = [pair for listeners in SESSION_SETS for pair in listeners.listeners]
ENGINE_LISTENERS = list(govkit_db.ENGINE_LISTENERS.listeners)


def named(pairs) -> list[str]:
    return sorted(f"{name}: {function.__module__}.{function.__qualname__}" for name, function in pairs)


def govkit_listeners(target) -> list[str]:
    """Every listener from a govkit module that ``target`` (an engine or a session) would run, on any event.

    Reads the listeners in effect — registered on the object or on any of its classes — so a listener
    registered process-wide on ``Session`` or ``Engine`` shows up here too.
    """
    dispatchers = [target.dispatch]
    if isinstance(target, Engine):
        dispatchers += [target.pool.dispatch, target.dialect.dispatch]
    found = []
    for dispatcher in dispatchers:
        for name in dispatcher._event_names:
            for function in getattr(dispatcher, name):
                module = getattr(function, "__module__", None) or ""
                if module == "govkit" or module.startswith("govkit."):
                    found.append(f"{name}: {module}.{function.__qualname__}")
    return found


def plain_engine_and_session() -> tuple[Engine, Session]:
    engine = sa.create_engine("sqlite://")
    return engine, Session(engine)


def test_a_plain_engine_and_session_get_none_of_govkits_listeners(app, db):
    engine, session = plain_engine_and_session()
    with session:
        session.execute(sa.text("select 1"))
        assert govkit_listeners(engine) == []
        assert govkit_listeners(session) == []
    for name, function in ENGINE_LISTENERS:
        assert not event.contains(Engine, name, function)
        assert not event.contains(engine, name, function)
    for name, function in SESSION_LISTENERS:
        assert not event.contains(Session, name, function)
        assert not event.contains(session, name, function)
    engine.dispose()


def test_govkits_engine_and_session_factory_have_them(app, db):
    assert govkit_db.ENGINE_LISTENERS.attached(db.engine)
    for listeners in SESSION_SETS:
        assert listeners.attached(db.session)
    assert len(govkit_listeners(db.engine)) == len(ENGINE_LISTENERS)
    assert sorted(govkit_listeners(db.session())) == named(SESSION_LISTENERS)
    assert len(SESSION_LISTENERS) == sum(len(listeners.listeners) for listeners in SESSION_SETS) > 0


def test_every_session_listener_set_of_govkit_is_one_create_app_attaches(app):
    # The guard on the tuple: a module's session set that create_app does not attach would run on no session.
    declared = {name: module.SESSION_LISTENERS for name, module in list(sys.modules.items())
                if (name == "govkit" or name.startswith("govkit."))
                and isinstance(getattr(module, "SESSION_LISTENERS", None), Listeners)}
    assert {"govkit.auth.cache", "govkit.cases.dispatch", "govkit.cases.writes"} <= set(declared)
    assert [name for name, listeners in sorted(declared.items()) if listeners not in SESSION_SETS] == []
    assert len({id(listeners) for listeners in SESSION_SETS}) == len(SESSION_SETS)


def test_guard_a_process_wide_listener_is_caught():
    # Registered the old way, on the classes, govkit's listeners would reach every new engine and session.
    engine_event, pragmas = ENGINE_LISTENERS[0]
    session_event, after_commit = dispatch.SESSION_LISTENERS.listeners[1]
    event.listen(Engine, engine_event, pragmas)
    event.listen(Session, session_event, after_commit)
    try:
        engine, session = plain_engine_and_session()
        assert govkit_listeners(engine) == [f"{engine_event}: govkit.db._sqlite_pragmas"]
        assert govkit_listeners(session) == [f"{session_event}: govkit.cases.dispatch._after_commit"]
        assert event.contains(Engine, engine_event, pragmas) and event.contains(Session, session_event, after_commit)
        engine.dispose()
    finally:
        event.remove(Engine, engine_event, pragmas)
        event.remove(Session, session_event, after_commit)
    engine, session = plain_engine_and_session()
    assert govkit_listeners(engine) == govkit_listeners(session) == []


def test_a_second_app_in_the_process_registers_nothing_twice(app, make_app, db):
    first_engine = db.engine
    second = make_app()
    with second.app_context():
        assert db.engine is not first_engine
        assert len(govkit_listeners(db.engine)) == len(ENGINE_LISTENERS)
        assert len(govkit_listeners(db.session())) == len(SESSION_LISTENERS)
        db.session.remove()
    assert len(govkit_listeners(first_engine)) == len(ENGINE_LISTENERS)


def test_a_session_a_case_is_written_through_gets_the_case_listeners_once(app, db):
    # Services take any Session: one govkit's factory did not make is given the case-writing listeners
    # when a write is queued in it, and only that session.
    with Session(db.engine) as foreign:
        assert govkit_listeners(foreign) == []
        for _ in range(2):
            writes.SESSION_LISTENERS.ensure(foreign)
            dispatch.SESSION_LISTENERS.ensure(foreign)
        case_sets = len(writes.SESSION_LISTENERS.listeners) + len(dispatch.SESSION_LISTENERS.listeners)
        assert len(govkit_listeners(foreign)) == case_sets
    _, other = plain_engine_and_session()
    assert govkit_listeners(other) == []
    writes.SESSION_LISTENERS.ensure(db.session)  # the scoped session services are often handed
    assert len(govkit_listeners(db.session())) == len(SESSION_LISTENERS)


def test_the_sqlite_pragmas_reach_govkits_engines_only(tmp_path):
    from govkit.sqlite_writers import TIMEOUT_SECONDS

    pragmas = ("foreign_keys", "busy_timeout", "journal_mode")
    govkit_engine = govkit_db.create_engine(f"sqlite:///{tmp_path / 'govkit.db'}")
    plain = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with govkit_engine.connect() as mine, plain.connect() as theirs:
        assert [mine.exec_driver_sql(f"PRAGMA {name}").scalar() for name in pragmas] == \
            [1, int(TIMEOUT_SECONDS * 1000), "wal"]
        # SQLite's and the sqlite3 module's own defaults: nothing of govkit's.
        assert [theirs.exec_driver_sql(f"PRAGMA {name}").scalar() for name in pragmas] == [0, 5000, "delete"]
    govkit_engine.dispose()
    plain.dispose()

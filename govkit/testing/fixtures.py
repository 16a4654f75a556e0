"""Fixtures of the govkit pytest plugin (see the package docstring)."""
from __future__ import annotations

import itertools
import os
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from govkit.testing.databases import TestDatabases
from govkit.testing.permissions import ensure_permissions
from govkit.testing.services import missing, start_postgres, start_rabbitmq, start_redis

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster on a loopback port, for the whole session (one per xdist worker)."""
    cluster = _started(start_postgres, "PostgreSQL (initdb/pg_ctl; Debian package postgresql)")
    yield cluster
    cluster.stop()


def _started(start: Callable[[], Any], what: str) -> Any:
    """``start()``'s server; a failed start fails the test, a missing program skips it (fails in CI)."""
    try:
        server = start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    if server is None:
        missing(what)
    return server


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway ``redis-server`` on a loopback port for the whole session (one per xdist worker)."""
    server = _started(start_redis, "Redis (redis-server; Debian package redis-server)")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbitmq_server():
    """A throwaway RabbitMQ node on loopback ports for the whole session (one per xdist worker)."""
    server = _started(start_rabbitmq, "RabbitMQ (rabbitmq-server; Debian package rabbitmq-server)")
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """URL of the session's Redis, emptied (FLUSHALL) before the test."""
    import redis  # deferred: this pytest plugin loads in every pytest run; redis-py only when a test asks

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def govkit_databases(tmp_path_factory, request) -> Iterator[TestDatabases]:
    """The session's test databases: the shared one and seeded templates (:class:`TestDatabases`).

    ``govkit_databases.copy(govkit_backend, "name", seed)`` gives a test a database of its own
    holding the schema and what ``seed(session)`` wrote, built once and copied after that.
    """
    databases = TestDatabases(tmp_path_factory.mktemp("databases"), lambda: request.getfixturevalue("postgres_cluster"))
    yield databases
    databases.close()


@pytest.fixture
def govkit_db_url(govkit_backend: str, govkit_databases: TestDatabases) -> Iterator[str]:
    """URL of a database with the full schema, emptied after the test."""
    url = govkit_databases.shared(govkit_backend)
    yield url
    govkit_databases.empty(url)


@pytest.fixture
def govkit_config(govkit_db_url: str, tmp_path) -> dict[str, Any]:
    """Settings for test apps; override keys in a test by mutating this dict first."""
    return {
        "DATABASE_URL": govkit_db_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "COUNTY_CODE": "621002000000",
        "PUBLIC_BASE_URL": "http://localhost",
    }


@pytest.fixture
def make_app(govkit_config) -> Callable[..., Any]:
    """Factory: ``make_app(plugins=[(name, obj)], load_entrypoints=False, **settings)``."""
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    from govkit.app import create_app
    from govkit.auth.roles import sync_roles

    def factory(plugins=(), load_entrypoints: bool = False, **settings: Any):
        # FAB writes permissions only when the database lacks them (govkit.testing.permissions).
        config = {"FAB_UPDATE_PERMS": False, **govkit_config, **settings}
        app = create_app(config, load_entrypoints=load_entrypoints, plugins=plugins)
        with app.app_context():
            ensure_permissions(app.appbuilder)
            sync_roles(app.appbuilder)
        # The `app` fixture keeps one app context open, and Flask reuses it for every test
        # request, so `g` (Flask-Login's user, govkit's scope cache) would leak from one
        # client's request into the next. Start each request with an empty `g`, as in production.
        app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
        return app

    return factory


def _fresh_g() -> None:
    from flask import g  # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs

    for key in list(vars(g)):
        delattr(g, key)


@pytest.fixture
def app(make_app):
    """A govkit app on the test database (SQLite or PostgreSQL), no installed plugins."""
    application = make_app()
    with application.app_context():
        yield application
        # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
        from govkit.db import db as _db

        _db.session.remove()


@pytest.fixture
def register_plugin(make_app):
    """``register_plugin(obj, name="...")`` → a new app with that plugin registered for this test."""

    def register(plugin: object, name: str | None = None, **settings: Any):
        return make_app(plugins=[(name or getattr(plugin, "__name__", "test-plugin"), plugin)], **settings)

    return register


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle bound to the test app (``db.session``)."""
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    from govkit.db import db as _db

    return _db


def ensure_division(session, code: str, name: str | None = None):
    """Create ``code`` and its ancestors if missing (synthetic names), return the Division."""
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    from govkit.hierarchy.codes import level_of, parent_code
    from govkit.hierarchy.models import Division

    existing = session.scalar(sa.select(Division).where(Division.code == code))
    if existing:
        return existing
    parent_id = None
    parent = parent_code(code)
    if parent:
        parent_id = ensure_division(session, parent).id
    division = Division(code=code, name=name or f"区划{code}", level=level_of(code), parent_id=parent_id)
    session.add(division)
    session.flush()
    return division


def create_user(app, role: str, division_code: str, username: str | None = None, password: str = "pw-123456",
                department=None):
    """Create a user with ``role`` (a duty role or "Admin") and a Staff row in ``division_code``."""
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    from govkit.db import db as _db
    from govkit.hierarchy.models import Staff

    sm = app.appbuilder.sm
    username = username or f"u{next(_counter)}_{os.getpid()}"
    role_obj = sm.find_role(role) or sm.add_role(role)
    user = sm.add_user(username, username, "测试", f"{username}@example.invalid", role_obj, password=password)
    assert user, f"could not create user {username}"
    division = ensure_division(_db.session, division_code)
    _db.session.add(Staff(user_id=user.id, division_id=division.id, department_id=getattr(department, "id", department),
                          duty=role if role != "Admin" else "事项管理员", name=username))
    _db.session.commit()
    return user


@pytest.fixture
def login_as(app, client):
    """``login_as(role, division_code)`` creates such a user and logs ``client`` in; returns the user."""

    def login(role: str, division_code: str, *, username: str | None = None, department=None, test_client=None):
        user = create_user(app, role, division_code, username=username, department=department)
        c = test_client or client
        response = c.post("/login/", data={"username": user.username, "password": "pw-123456"})
        assert response.status_code in (200, 302), response.status_code
        return user

    return login


@pytest.fixture
def sync_items():
    """``sync_items(app)`` syncs the plugins' items into the catalog as ``govkit catalog sync`` does.

    The divisions the implementations name are created first when missing (synthetic names).
    Returns the :class:`~govkit.catalog.sync.SyncReport`; ``overwrite``/``keep`` pass through.
    """

    def sync(app, **options: Any):
        # deferred: the pytest plugin loads before govkit's app modules (as the fixtures above)
        from govkit.catalog.models import seed_item_type_mappings  # deferred: as above
        from govkit.catalog.sync import collect_plugin_items, sync_plugin_items  # deferred: as above
        from govkit.db import db as _db  # deferred: as above
        from govkit.state import get_state  # deferred: as above

        state = get_state(app)
        with app.app_context():
            for _, spec in collect_plugin_items(state.pm, state.settings):
                for implementation in spec.implementations:
                    ensure_division(_db.session, implementation.division_code)
            seed_item_type_mappings(_db.session)
            report = sync_plugin_items(_db.session, state.pm, state.settings, **options)
            _db.session.commit()
        return report

    return sync

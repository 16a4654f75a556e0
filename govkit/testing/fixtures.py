"""Fixtures of the govkit pytest plugin (see the package docstring)."""
from __future__ import annotations

import itertools
import os
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from govkit.testing.services import missing, start_postgres

_counter = itertools.count()

#: FAB tables that hold permissions; kept between tests (created once per database).
_KEEP_TABLES = {"ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role", "ab_role",
                "alembic_version"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("govkit")
    group.addoption(
        "--govkit-db",
        default=os.environ.get("GOVKIT_TEST_DB", "sqlite"),
        choices=("sqlite", "postgres", "both"),
        help="database backend(s) for tests using the app (default: $GOVKIT_TEST_DB or sqlite)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "govkit_backend" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--govkit-db")
        backends = ["sqlite", "postgres"] if choice == "both" else [choice]
        marker = metafunc.definition.get_closest_marker("backends")
        if marker:
            backends = [b for b in backends if b in marker.args] or list(marker.args)
        metafunc.parametrize("govkit_backend", backends, scope="session")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): restrict a test to these database backends")


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster on a loopback port, for the whole session."""
    try:
        cluster = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    if cluster is None:
        missing("PostgreSQL (initdb/pg_ctl; Debian package postgresql)")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def govkit_databases(tmp_path_factory) -> dict[str, str]:
    return {}


def _create_schema(url: str) -> None:
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    import govkit.models  # noqa: F401
    from govkit.db import metadata

    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


@pytest.fixture
def govkit_db_url(govkit_backend: str, request, tmp_path_factory, govkit_databases) -> Iterator[str]:
    """URL of a database with the full schema, emptied after the test."""
    if govkit_backend not in govkit_databases:
        if govkit_backend == "postgres":
            cluster = request.getfixturevalue("postgres_cluster")
            url = cluster.create_database("govkit_test")
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'govkit-test.db'}"
        _create_schema(url)
        govkit_databases[govkit_backend] = url
    url = govkit_databases[govkit_backend]
    yield url
    _empty_database(url)


def _empty_database(url: str) -> None:
    # deferred: this pytest plugin loads in every pytest run; govkit loads when a fixture runs
    import govkit.models  # noqa: F401
    from govkit.db import metadata

    engine = sa.create_engine(url)
    existing = set(sa.inspect(engine).get_table_names())
    # Tables a test-local plugin created may be unknown to the metadata; clear known ones.
    tables = [t for t in reversed(metadata.sorted_tables) if t.name in existing and t.name not in _KEEP_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            if tables:
                conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    engine.dispose()


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
        config = dict(govkit_config, **settings)
        app = create_app(config, load_entrypoints=load_entrypoints, plugins=plugins)
        with app.app_context():
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

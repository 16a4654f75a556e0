"""Test databases: one shared database per backend, emptied after each test, and seeded templates.

Creating govkit's schema takes about a second on PostgreSQL, and a fixture that also seeds
rows takes longer; doing that for every test that wants its own database adds up. A
template is built once per session (per xdist worker) — the schema, then what a ``seed``
function writes — and every further database is a copy: ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL (≈0.15 s), the SQLite backup API on a file (milliseconds).
"""
from __future__ import annotations

import itertools
import re
import sqlite3
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

#: FAB tables that hold permissions and roles; kept between tests (written once per database).
KEEP_TABLES = {"ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role", "ab_role",
               "alembic_version"}

Seed = Callable[[Session], None]


def create_schema(url: str) -> None:
    """Create every table govkit's models declare (what ``govkit db upgrade`` makes, without Alembic)."""
    import govkit.models  # noqa: F401  # deferred: the pytest plugin loads before govkit's app modules
    from govkit.db import metadata  # deferred: as above

    from govkit.partitions import partition_history  # deferred: as above

    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        partition_history(connection)  # PostgreSQL: the history tables partitioned by month, as upgrade makes them
    engine.dispose()


class TestDatabases:
    """The session's databases (fixture ``govkit_databases``).

    ``shared(backend)`` is the database of ``govkit_db_url``; ``copy(backend, name, seed)``
    makes a new database from the template ``name`` (schema + ``seed``, built on first use),
    ``drop(url)`` removes a copy. ``cluster`` returns the PostgreSQL cluster when first needed.
    """

    __test__ = False  # not a test class, whatever its name

    def __init__(self, folder: Path, cluster: Callable[[], object]) -> None:
        self.folder = folder
        self._cluster = cluster
        self._templates: dict[tuple[str, str], str] = {}
        self._shared: dict[str, str] = {}
        self._engines: dict[str, sa.Engine] = {}
        self._numbers = itertools.count(1)

    def shared(self, backend: str) -> str:
        """URL of the backend's shared database (schema only), created on first use."""
        if backend not in self._shared:
            self._shared[backend] = self.copy(backend, "schema", as_name="govkit_test")
        return self._shared[backend]

    def copy(self, backend: str, name: str, seed: Seed | None = None, *, as_name: str | None = None) -> str:
        """URL of a new database holding template ``name``: the schema plus what ``seed`` wrote.

        The template is built the first time ``name`` is asked for (with that ``seed``); later
        calls copy it. Names are per session: one name, one seed.
        """
        template = self._template(backend, name, seed)
        target = as_name or f"{_slug(name)}_{next(self._numbers)}"
        return self._copy(backend, template, target)

    def drop(self, url: str) -> None:
        """Remove a database made by :meth:`copy`."""
        engine = self._engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')

    def empty(self, url: str) -> None:
        """Delete every row a test left (FAB's permission tables excepted); sequences restart.

        On PostgreSQL one query finds the tables with rows or a used sequence and only those
        are truncated: a test touches a handful of govkit's fifty tables.
        """
        import govkit.models  # noqa: F401  # deferred: the pytest plugin loads before govkit's app modules
        from govkit.db import metadata  # deferred: as above

        engine = self.engine(url)
        with engine.begin() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            # Tables a test-local plugin created may be unknown to the metadata; clear known ones.
            tables = [t.name for t in reversed(metadata.sorted_tables)
                      if t.name in existing and t.name not in KEEP_TABLES]
            if not tables:
                return
            if engine.dialect.name == "postgresql":
                used = _used_postgres_tables(conn, tables)
                if used:
                    conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in used) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f'DELETE FROM "{name}"'))

    def engine(self, url: str) -> sa.Engine:
        """One engine per URL for the session's own housekeeping."""
        if url not in self._engines:
            self._engines[url] = sa.create_engine(url)
        return self._engines[url]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def _template(self, backend: str, name: str, seed: Seed | None) -> str:
        key = (backend, name)
        if key not in self._templates:
            if name == "schema":
                template = self._new_empty(backend, "template_schema")
                create_schema(template)
            else:
                template = self._copy(backend, self._template(backend, "schema", None), f"template_{_slug(name)}")
                if seed is not None:
                    engine = sa.create_engine(template)
                    with Session(engine) as session:
                        seed(session)
                        session.commit()
                    engine.dispose()
            self._templates[key] = template
        return self._templates[key]

    def _new_empty(self, backend: str, name: str) -> str:
        if backend == "postgres":
            return self._cluster().create_database(name)
        path = self.folder / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def _copy(self, backend: str, template: str, name: str) -> str:
        if backend == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{name}"')
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{sa.make_url(template).database}"')
            return self._cluster().url(name)
        path = self.folder / f"{name}.db"
        source = sqlite3.connect(sa.make_url(template).database)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return f"sqlite:///{path}"

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self._cluster().url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
        engine.dispose()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def _used_postgres_tables(conn, tables: list[str]) -> list[str]:
    """The tables among ``tables`` that hold rows or whose own sequence has been used."""
    probes = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    with_rows = set(conn.execute(sa.text(probes)).scalars())
    # Sequences a table owns (serial / identity columns) that moved on although its rows are gone.
    moved = set(conn.execute(sa.text(
        "SELECT t.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE CASE WHEN s.relkind = 'S' THEN pg_sequence_last_value(s.oid) END IS NOT NULL"
    )).scalars())
    return [name for name in tables if name in with_rows or name in moved]

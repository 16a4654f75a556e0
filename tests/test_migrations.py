"""Alembic migrations create exactly the schema the models declare, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import govkit.models  # noqa: F401
from govkit.db import metadata
from govkit.migrate import upgrade
from govkit.partitions import is_partitioned, schema_difference_expected

pytestmark = pytest.mark.both_backends


def _fresh_url(govkit_backend, request, tmp_path):
    if govkit_backend == "postgres":
        return request.getfixturevalue("postgres_cluster").create_database("govkit_migrations")
    return f"sqlite:///{tmp_path / 'migrated.db'}"


def test_upgrade_head_matches_models(govkit_backend, request, tmp_path):
    url = _fresh_url(govkit_backend, request, tmp_path)
    upgrade(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            context = MigrationContext.configure(conn, opts={
                "include_object": lambda obj, name, type_, reflected, compare_to: not (
                    (type_ == "table" and (obj.info.get("plugin") or name == "alembic_version"))
                    or schema_difference_expected(obj, name, type_, reflected, compare_to))
            })
            diff = compare_metadata(context, metadata)
        assert diff == [], f"models and migrations differ; run `python -m govkit.cli.dev regenerate-migration`: {diff}"
        if govkit_backend == "postgres":  # `govkit db upgrade` partitions the history tables by month
            with engine.connect() as conn:
                assert all(is_partitioned(conn, t) for t in ("gk_case_event", "gk_outbox", "gk_audit_entry"))
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(govkit_backend, request, tmp_path):
    url = _fresh_url(govkit_backend, request, tmp_path)
    first = upgrade(url)
    assert first.before is None and first.after == "0001_initial"
    assert first.message() == "已创建数据库结构并升级到最新版本（0001_initial）。"
    second = upgrade(url)
    assert second.before == second.after == "0001_initial"
    assert second.message() == "数据库已是最新版本（0001_initial），无需升级。"
    engine = sa.create_engine(url)
    try:
        assert "gk_case" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()

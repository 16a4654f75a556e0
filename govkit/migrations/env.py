"""Alembic environment: the URL comes from the govkit settings passed in the config."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

import govkit.models  # noqa: F401
from govkit.db import create_engine, metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")


def include_object(obj, name, type_, reflected, compare_to):
    """Plugin tables (``info={"plugin": ...}``) are created by their plugin, not migrated here."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return not (table is not None and table.info.get("plugin"))


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, include_object=include_object, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, include_object=include_object,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, include_object=include_object,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

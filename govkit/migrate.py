"""Schema management: Alembic upgrade for the core, create-only for plugin tables."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

import govkit.models  # noqa: F401
from govkit.db import create_engine, metadata
from govkit.partitions import partition_history

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def core_table_names() -> set[str]:
    """Tables owned by govkit's migrations (FAB security tables included)."""
    return {t.name for t in metadata.sorted_tables if not t.info.get("plugin")}


@dataclass(frozen=True)
class UpgradeResult:
    """The schema revision before and after one :func:`upgrade` (``before`` is None for a new database)."""

    before: str | None
    after: str | None

    def message(self) -> str:
        """What ``govkit db upgrade`` tells the operator."""
        if self.before is None:
            return f"已创建数据库结构并升级到最新版本（{self.after}）。"
        if self.before == self.after:
            return f"数据库已是最新版本（{self.after}），无需升级。"
        return f"数据库已从版本 {self.before} 升级到 {self.after}。"


def upgrade(url: str, revision: str = "head") -> UpgradeResult:
    """Bring the database at ``url`` to ``revision``; then create plugin tables that are missing.

    On PostgreSQL the history tables are then partitioned by month (:func:`govkit.partitions.partition_history`,
    a no-op when they already are) with the partitions of this month and the next three.

    Plugin models mark their tables with ``__table_args__ = {"info": {"plugin": "name"}}``;
    they are created if absent (plugins own their later schema changes).
    """
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            after = MigrationContext.configure(conn).get_current_revision()
            partition_history(conn)  # PostgreSQL: history tables partitioned by month (a no-op once done)
        create_plugin_tables(engine)
    finally:
        engine.dispose()
    return UpgradeResult(before, after)


def create_plugin_tables(engine: Engine) -> None:
    plugin_tables = [t for t in metadata.sorted_tables if t.info.get("plugin")]
    if plugin_tables:
        metadata.create_all(engine, tables=plugin_tables, checkfirst=True)


def has_schema(url: str) -> bool:
    engine = create_engine(url)
    try:
        return "gk_division" in inspect(engine).get_table_names()
    finally:
        engine.dispose()

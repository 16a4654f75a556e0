"""``govkit audit verify`` and ``govkit audit lock-down --role <app_role>``."""
from __future__ import annotations

import click
import sqlalchemy as sa

from govkit.audit.trail import APPEND_ONLY_TABLES, lock_down_statements, verify
from govkit.cli.core import make_app
from govkit.db import db


@click.group("audit")
def audit_group() -> None:
    """审计日志：校验哈希链、收回应用账号的修改权限。"""


@audit_group.command("verify")
def verify_command() -> None:
    """Recompute the hash chain; exit 1 naming every edited, deleted or reordered entry."""
    with make_app().app_context():
        count, problems = verify(db.session)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"审计日志完整：共 {count} 条，哈希链校验通过。")


@audit_group.command("lock-down")
@click.option("--role", required=True, help="应用连接数据库所用的 PostgreSQL 角色（不是表的所有者）。")
def lock_down_command(role: str) -> None:
    """PostgreSQL: let ROLE use every table but only INSERT/SELECT the audit and case-event tables.

    Run as the tables' owner (the account that ran ``govkit db upgrade``), after each upgrade."""
    with make_app().app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            raise click.ClickException("只有 PostgreSQL 需要（也支持）收回权限；SQLite 没有数据库角色。")
        with engine.begin() as connection:
            for statement in lock_down_statements(role):
                connection.execute(sa.text(statement))
    click.echo(f"已收回角色 {role} 对 {'、'.join(APPEND_ONLY_TABLES)} 的修改、删除和清空权限（保留新增与查询）。")


def register(cli: click.Group) -> None:
    cli.add_command(audit_group)

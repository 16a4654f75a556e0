"""``govkit publicity …`` commands."""
from __future__ import annotations

import click

from govkit.cli.core import make_app
from govkit.db import db
from govkit.publicity.disclosures import seed_categories


@click.group("publicity", help="政府信息公开与好差评（publicity）")
def publicity() -> None:
    pass


@publicity.command("seed-categories", help="导入政府信息公开目录（样例：镇徒政办发[2011]129号附件4）。")
def seed_categories_command() -> None:
    with make_app().app_context():
        added = seed_categories(db.session)
        db.session.commit()
    click.echo(f"已导入 {added} 个公开目录类别。")

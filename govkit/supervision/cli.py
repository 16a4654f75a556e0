"""``govkit supervision …`` commands: the automatic escalation run (cron)."""
from __future__ import annotations

from datetime import date

import click

from govkit.cases.runtime import calendar_for
from govkit.cli.core import make_app
from govkit.db import db
from govkit.labels import local_date
from govkit.state import get_state
from govkit.supervision.escalation import run_escalation


@click.group("supervision", help="电子监察（督办与自动升级）")
def supervision() -> None:
    pass


@supervision.command("escalate",
                     help="按工作日历自动升级督办：红牌办件、逾期督办单、逾期投诉升级至上一级监察（可重复运行）。")
@click.option("--today", "today_text", default=None, help="以此日期（YYYY-MM-DD）为今天，默认北京时间今天。")
def escalate_command(today_text: str | None) -> None:
    try:
        today = date.fromisoformat(today_text) if today_text else local_date()
    except ValueError:
        raise click.UsageError(f"日期 {today_text} 无效，请写成 YYYY-MM-DD。") from None
    app = make_app()
    with app.app_context():
        report = run_escalation(db.session, calendar=calendar_for(db.session, app),
                                settings=get_state(app).settings, today=today)
        db.session.commit()
    click.echo(f"{today.isoformat()} 自动升级督办：红牌办件 {len(report.cases)} 件，"
               f"逾期督办单 {len(report.orders)} 件，逾期投诉 {len(report.complaints)} 件；"
               f"已在最高一级、无法再升级 {report.at_top} 件。")

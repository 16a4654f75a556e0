"""``govkit calendar status|enter-year|set-day|remove-day|refresh``: the working-day calendar without a browser;
``govkit cases deem-accepted``: the daily §32 intake job (below).

The same services as the admin screens (:mod:`govkit.cases.calendar_changes`): each change
is one transaction that also recomputes the deadlines it moves and records a
``deadline_recomputed`` event per case, by the actor ``系统（命令行）`` plus the login name.
A wrong date or year is reported in Chinese with a non-zero exit code and nothing written;
``--dry-run`` shows what would change and rolls back.
"""
from __future__ import annotations

import getpass
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Callable

import click
from sqlalchemy import select

from govkit.cases.calendar import PACKAGE_YEARS
from govkit.cases.calendar_changes import enter_year_schedule, refresh_calendar, remove_day, set_day
from govkit.cases.calendar_store import package_version, parse_day, parse_schedule_text, provisional_counts
from govkit.cases import states as S
from govkit.cases.models import CalendarDay, CalendarYear, Case
from govkit.cases.statutory_holidays import describe
from govkit.cases.runtime import calendar_for, workflow_for
from govkit.cases.workflow import Actor
from govkit.cli.core import make_app
from govkit.db import db
from govkit.errors import GovkitError

#: Name recorded on events of changes made from the command line (the OS login is added).
CLI_ACTOR = "系统（命令行）"


def cli_actor():
    """The system actor of the calendar commands, e.g. ``系统（命令行 root）``."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        return Actor.system(CLI_ACTOR)
    return Actor.system(f"系统（命令行 {login[:60]}）")


@click.group("calendar", help="工作日历：查看状态、录入年度节假日安排、单日调整、升级 chinesecalendar 后刷新。")
def calendar_group() -> None:
    pass


def _run(change: Callable, dry_run: bool, done: str) -> None:
    """Run ``change(session, actor, workflow, commit)`` in an app; report moved deadlines."""
    app = make_app()
    with app.app_context():
        try:
            moves = change(db.session, cli_actor(), workflow_for(app), not dry_run)
        except GovkitError as exc:
            raise click.ClickException(f"{exc}（没有写入任何数据）") from None
        finally:
            if dry_run:
                db.session.rollback()
            db.session.remove()
    for move in moves:
        click.echo(f"  {move.case_number}  {move.label()}")
    earlier = sum(move.earlier for move in moves)
    note = f"（其中 {earlier} 件期限提前）" if earlier else ""
    if dry_run:
        click.echo(f"试运行：{done}将重新计算 {len(moves)} 件办件的期限{note}；没有写入任何数据。")
    else:
        click.echo(f"{done}重新计算了 {len(moves)} 件办件的期限{note}。")


def _day(text: str) -> date:
    try:
        return parse_day(text.strip())
    except GovkitError as exc:
        raise click.BadParameter(str(exc)) from None


def _dates_text(values: tuple[str, ...], what: str) -> str:
    """Dates given inline (start with a digit; ``,``/``;`` or new lines between items), or a file (``-`` = stdin)."""
    lines = []
    for value in values:
        if value == "-":
            lines.append(sys.stdin.read())
        elif value[:1].isdigit():
            lines.append(value.replace("；", "\n").replace(";", "\n").replace("，", "\n").replace(",", "\n"))
        else:
            path = Path(value)
            if not path.is_file():
                raise click.BadParameter(f"找不到文件 {value}（直接写日期时请以年份开头，如 2027-01-01）。",
                                         param_hint=what)
            lines.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(lines)


dry_run_option = click.option("--dry-run", is_flag=True, help="只显示会重新计算哪些期限，不写入数据库。")


@calendar_group.command("status", help="查看工作日历：chinesecalendar 包含的年份、管理员录入的年度、单日调整、"
                             "哪些年份尚无节假日安排（未办结办件中期限暂定的件数）。")
def status_command() -> None:
    """Which years come from the package, which were entered, which are still provisional."""
    app = make_app()
    with app.app_context():
        calendar = calendar_for(db.session, app)
        entered = db.session.execute(select(CalendarYear).order_by(CalendarYear.year)).scalars().all()
        entered = [(y.year, y.entered_by or "-", y.entered_at) for y in entered]
        days = db.session.execute(select(CalendarDay).order_by(CalendarDay.day)).scalars().all()
        days = [(d.day, d.is_working, d.name) for d in days]
        pending = provisional_counts(db.session, calendar)
        today = workflow_for(app).today()
        db.session.remove()
    click.echo(f"chinesecalendar {package_version()}：{min(PACKAGE_YEARS)}–{max(PACKAGE_YEARS)} 年")
    if entered:
        click.echo("管理员录入的年度：")
        for year, by, at in entered:
            also = "（chinesecalendar 现已包含该年，以录入为准）" if year in PACKAGE_YEARS else ""
            click.echo(f"  {year}  录入人 {by}，{at:%Y-%m-%d %H:%M}{also}")
    else:
        click.echo("管理员录入的年度：无")
    by_year = Counter(day.year for day, _, _ in days)
    click.echo("数据库中的日期调整（含录入年度的节假日）：" +
               ("，".join(f"{year} 年 {n} 天" for year, n in sorted(by_year.items())) if days else "无"))
    single = [d for d in days if d[0] >= today and d[2] != f"{d[0].year}年节假日安排"]
    if single:
        click.echo("今天起的单日调整：")
        for day, working, name in single:
            click.echo(f"  {day.isoformat()}  {'上班' if working else '放假'}  {name}")
    last = calendar.published_years()[-1]
    click.echo(f"可计算期限的最晚年份：{last + calendar.years_ahead}（{last} 年之后按周一至周五暂定，"
               "扣除《全国年节及纪念日放假办法》第二条的法定节假日，补假和调休不推算）")
    if pending:
        for year, count in pending.items():
            click.echo(f"待录入：{year} 年尚无节假日安排，{count} 件未办结办件的期限为暂定。"
                       f"录入：govkit calendar enter-year {year} --holidays 文件")
            click.echo(f"  {year} 年暂按法定节假日放假：{describe(year)}")
    else:
        click.echo("没有暂定期限。")


@calendar_group.command("enter-year", help="录入 YEAR 年国务院节假日安排，并重新计算所有暂定期限"
                                            "（与“录入年度节假日安排”页面相同的检查）。")
@click.argument("year")
@click.option("--holidays", multiple=True, required=True, metavar="文件或日期",
              help="放假日期：每项一个日期或区间（2027-02-05~2027-02-11 春节），多项用换行、逗号或分号分隔；"
                   "或一个每行一项的文本文件（- 表示标准输入）。可重复。")
@click.option("--makeup-workdays", multiple=True, metavar="文件或日期",
              help="调休上班日（周六或周日），写法同 --holidays，每项一个日期。可重复。")
@dry_run_option
def enter_year_command(year: str, holidays: tuple[str, ...], makeup_workdays: tuple[str, ...], dry_run: bool) -> None:
    """Enter a year's State Council holiday schedule; recompute provisional deadlines."""
    if not (year.isdigit() and len(year) == 4):
        raise click.BadParameter(f"年份“{year}”应为四位数字，如 2027。", param_hint="YEAR")
    holidays_text = _dates_text(holidays, "--holidays")
    makeup_text = _dates_text(makeup_workdays, "--makeup-workdays")

    def change(session, actor, workflow, commit):
        schedule = parse_schedule_text(int(year), holidays_text, makeup_text)
        return enter_year_schedule(session, schedule, actor, workflow=workflow, commit=commit)

    _run(change, dry_run, f"已录入 {year} 年节假日安排，")


@calendar_group.command("set-day", help="单日调整 DAY（如 2026-12-31）：放假或上班；"
                                         "重新计算期限窗口包含这天的未办结办件。")
@click.argument("day")
@click.option("--closed/--working", "closed", default=None,
              help="--closed：这天放假（如县城封闭、防汛停止办公）；--working：这天上班。")
@click.option("--name", required=True, help="调整原因，记入受影响办件的记录。")
@dry_run_option
def set_day_command(day: str, closed: bool | None, name: str, dry_run: bool) -> None:
    """Close or open one day (日历调整); recompute the open cases whose deadline it moves."""
    if closed is None:
        raise click.UsageError("请指定 --closed（这天放假）或 --working（这天上班）。")
    when = _day(day)

    def change(session, actor, workflow, commit):
        return set_day(session, when, not closed, name, actor, workflow=workflow, commit=commit)

    _run(change, dry_run, "日历调整已保存，")


@calendar_group.command("remove-day", help="删除 DAY 的单日调整（恢复为 chinesecalendar 的安排）；"
                                            "重新计算受影响的期限。")
@click.argument("day")
@dry_run_option
def remove_day_command(day: str, dry_run: bool) -> None:
    """Delete one day's adjustment (the day follows the package again); recompute."""
    when = _day(day)

    def change(session, actor, workflow, commit):
        return remove_day(session, when, actor, workflow=workflow, commit=commit)

    _run(change, dry_run, "日历调整已删除，")


@calendar_group.command("refresh", help="升级 chinesecalendar 包后运行：重建工作日表，重新计算新覆盖年份的暂定期限。")
@click.option("--all-open", is_flag=True,
              help="同时重新计算所有未办结办件（升级后的包修正了已发布年度的日期时使用）。")
@dry_run_option
def refresh_command(all_open: bool, dry_run: bool) -> None:
    """After upgrading chinesecalendar: refill the working-day table, recompute provisional deadlines."""
    reason = f"刷新工作日历（chinesecalendar {package_version()}）"

    def change(session, actor, workflow, commit):
        return refresh_calendar(session, actor, workflow=workflow, all_open=all_open, reason=reason, commit=commit)

    _run(change, dry_run, "工作日历已刷新，")


# -- govkit cases deem-accepted ---------------------------------------------------------------
# ``govkit cases deem-accepted``: the daily §32 job (视为受理) and the 补正逾期 report.
#
# Run it from cron once a day after midnight. Each registered case whose five-working-day intake
# clock ran out without acceptance, refusal or a 补正 notice is deemed accepted from the day of
# receipt (行政许可法第三十二条) — a ``deem_accepted`` event by ``系统（命令行 …）``. The same step
# runs by itself when such a case is next acted on (:meth:`Workflow.perform`). Cases whose 补正
# period passed are only listed: 视为撤回 is a clerk's explicit step, never automatic.


@click.group("cases", help="办件：每日运行的受理审查期（视为受理）任务。")
def cases_group() -> None:
    pass


def deem_accepted_run(app, *, dry_run: bool = False,
                      actor: Actor | None = None) -> tuple[list[str], list[str]]:
    """The daily §32 intake run (行政许可法第三十二条): deem accepted every registered case whose five-working-day
    intake clock ran out (unless ``dry_run``, which rolls back); returns a line per such case and per case whose
    补正 period passed (listed only, 视为撤回 stays a clerk's step). Used by ``govkit cases deem-accepted`` and the
    job queue (:mod:`govkit.jobs`). A :class:`GovkitError` rolls the run back and is raised."""
    with app.app_context():
        workflow = workflow_for(app)
        today = workflow.today()
        session = db.session
        try:
            due = session.scalars(select(Case).where(
                Case.state.in_(tuple(S.INTAKE_STATES)), Case.intake_due_date < today,
                Case.supplement_due_date.is_(None))
                .order_by(Case.id)).all()
            due_lines = [f"{case.number}  收件 {case.received_date}，受理审查期至 {case.intake_due_date}：视为受理"
                         for case in due]
            for case in due:
                if not dry_run:
                    workflow.perform(session, case, "deem_accepted", actor or cli_actor())
            lapsed = session.scalars(select(Case).where(
                Case.state == S.SUPPLEMENT, Case.supplement_due_date < today).order_by(Case.id)).all()
            if dry_run:
                session.rollback()
            return due_lines, [f"{case.number}  补正期限 {case.supplement_due_date} 已过：可由受理员“视为撤回”"
                               for case in lapsed]
        except GovkitError:
            session.rollback()
            raise
        finally:
            db.session.remove()


@cases_group.command("deem-accepted", help="将超过五个工作日未受理、未不予受理、未一次性告知补正的办件视为受理"
                     "（行政许可法第三十二条，自收件之日起计算期限）；"
                     "列出补正逾期、可视为撤回的办件。每日由 cron 运行（或由任务队列 govkit jobs 运行）。")
@click.option("--dry-run", is_flag=True, help="只列出，不写入。")
def deem_accepted_command(dry_run: bool) -> None:
    try:
        due, lapsed = deem_accepted_run(make_app(), dry_run=dry_run)
    except GovkitError as exc:
        raise click.ClickException(str(exc)) from None
    for line in due + lapsed:
        click.echo(f"  {line}")
    verb = "将视为受理" if dry_run else "已视为受理"
    click.echo(f"{verb} {len(due)} 件；补正逾期 {len(lapsed)} 件（须受理员逐件确认视为撤回）。")

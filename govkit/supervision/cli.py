"""``govkit supervision …`` commands: the automatic escalation run (cron)."""
from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from govkit.cases.runtime import calendar_for
from govkit.cli.core import make_app
from govkit.db import db
from govkit.hierarchy.models import Division
from govkit.clock import local_date
from govkit.state import get_state
from govkit.supervision.escalation import EscalationReport, run_escalation
from govkit.supervision import report as monthly


@click.group("supervision", help="电子监察（督办与自动升级）")
def supervision() -> None:
    pass


def escalate_run(app, today: date) -> EscalationReport:
    """One committed escalation run of ``app`` as of ``today`` (inside its app context): ``govkit supervision
    escalate`` and the job queue's daily job (:mod:`govkit.jobs`) both call it."""
    report = run_escalation(db.session, calendar=calendar_for(db.session, app),
                            settings=get_state(app).settings, today=today)
    db.session.commit()
    return report


def issue_monthly_report(app, division_code: str | None, month: str | None):
    """Gather and issue (numbered, frozen, idempotent per month) the monthly report of ``division_code`` (default
    ``COUNTY_CODE``) for ``month`` (default last month), inside ``app``'s context; returns (division, figures, copy).
    ``govkit supervision report`` and the job queue's monthly job (:mod:`govkit.jobs`) both call it. Raises
    :class:`click.UsageError` for an unknown division and :class:`GovkitError` (rolled back) for bad figures."""
    from govkit.cases.runtime import workflow_for  # deferred: as the screens, the app's workflow for the date
    from govkit.desk.issuing import issuer_for  # deferred: the documents path loads the print templates
    from govkit.desk.storage import FileStore  # deferred: as above
    from govkit.errors import GovkitError  # deferred: only to roll back

    state = get_state(app)
    code = division_code or state.settings.get("COUNTY_CODE")
    division = db.session.scalar(select(Division).where(Division.code == code)) if code else None
    if division is None:
        raise click.UsageError(f"区划 {code or '（未设置 COUNTY_CODE）'} 不存在，请用 --division 指定县或乡镇。")
    store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))
    try:
        figures = monthly.gather(db.session, division, month=month, calendar=calendar_for(db.session, app),
                                 settings=state.settings)
        copy = monthly.issue_report(db.session, division, figures, None,
                                    issuer_for(state, workflow=workflow_for(app), store=store))
        db.session.commit()
    except GovkitError:
        db.session.rollback()
        raise
    return division, figures, copy


@supervision.command("escalate",
                     help="按工作日历自动升级督办：红牌办件、逾期督办单、逾期投诉和网上咨询升级至上一级监察（可重复运行）。")
@click.option("--today", "today_text", default=None, help="以此日期（YYYY-MM-DD）为今天，默认北京时间今天。")
def escalate_command(today_text: str | None) -> None:
    try:
        today = date.fromisoformat(today_text) if today_text else local_date()
    except ValueError:
        raise click.UsageError(f"日期 {today_text} 无效，请写成 YYYY-MM-DD。") from None
    app = make_app()
    with app.app_context():
        report = escalate_run(app, today)
    click.echo(f"{today.isoformat()} 自动升级督办：红牌办件 {len(report.cases)} 件，"
               f"逾期督办单 {len(report.orders)} 件，逾期投诉 {len(report.complaints)} 件，"
               f"逾期网上咨询 {len(report.questions)} 件；"
               f"已在最高一级、无法再升级 {report.at_top} 件。")


@supervision.command("report", help="生成电子监察月报：PDF（按文书出具，编号、可核验）和 XLSX，默认上个月、本县。")
@click.option("--month", default=None, help="月份 YYYY-MM，默认上个月。")
@click.option("--division", "division_code", default=None, help="县或乡镇的 12 位区划代码，默认 COUNTY_CODE。")
@click.option("--out", "out_dir", default=".", type=click.Path(file_okay=False), help="PDF 和 XLSX 的保存目录。")
def report_command(month: str | None, division_code: str | None, out_dir: str) -> None:
    import os  # deferred: only this command writes files

    from govkit.errors import GovkitError  # deferred: only for the message

    app = make_app()
    with app.app_context():
        try:
            division, figures, copy = issue_monthly_report(app, division_code, month)
        except GovkitError as exc:
            raise click.ClickException(str(exc)) from None
        os.makedirs(out_dir, exist_ok=True)
        stem = os.path.join(out_dir, f"supervision-report-{division.code}-{monthly.month_bounds(month)[0]:%Y-%m}")
        with open(stem + ".pdf", "wb") as pdf:
            pdf.write(copy.pdf)
        with open(stem + ".xlsx", "wb") as xlsx:
            xlsx.write(monthly.report_xlsx(figures))
        title, number = copy.document.title, copy.document.document_number
    click.echo(f"{title} 文书编号 {number}"
               f"{'（新出具）' if copy.new else '（已出具，原样输出）'}：{stem}.pdf、{stem}.xlsx")

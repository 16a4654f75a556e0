"""Monthly 电子监察 report (电子监察月报) of a county or township: PDF through the documents path, and XLSX.

Plain Python, no Flask. :func:`gather` collects the month's figures for a division's subtree (the same
functions as the screens): case volumes and rates, cases overdue at the month's end, 好差评, complaints,
督办单, rectifications and the staff ranking (:mod:`govkit.supervision.performance`). :func:`issue_report`
issues the PDF once per division and month (kind :data:`REPORT_KIND`, template ``supervision_report``,
the division's document number, frozen bytes, verifiable); asking again returns the stored bytes.
:func:`report_xlsx` writes the same tables as a workbook.
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.desk.issuing import IssuedCopy, Issuer, issue_organ_document, stored_pdf
from govkit.errors import ValidationError
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.clock import day_start, local_date
from govkit.printing.context import SupervisionReport
from govkit.printing.kinds import SUPERVISION_REPORT as REPORT_KIND
from govkit.printing.models import VALID, IssuedDocument
from govkit.publicity.models import Complaint
from govkit.spreadsheet import xlsx_row
from govkit.supervision import performance, services
from govkit.supervision.models import SupervisionEvent, SupervisionOrder


def month_bounds(text: str | None, today: date | None = None) -> tuple[date, date]:
    """First and last day of ``YYYY-MM`` (default: the previous month)."""
    if not text:
        first_this = (today or local_date()).replace(day=1)
        last = first_this - timedelta(days=1)
        return last.replace(day=1), last
    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationError(f"月份 {text} 无效，请写成 YYYY-MM（如 2026-11）。") from None
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def gather(session: Session, division: Division, *, month: str | None, calendar: WorkingCalendar,
           settings: Mapping[str, Any], today: date | None = None) -> SupervisionReport:
    """The month's figures of ``division``'s subtree, as the report prints them."""
    first, last = month_bounds(month, today)
    scope = Scope.for_division(division.code)
    units = performance.performance(session, scope, "unit", since=first, until=last, calendar=calendar,
                                    weights=settings["PERFORMANCE_WEIGHTS"])
    staff = performance.performance(session, scope, "staff", since=first, until=last, calendar=calendar,
                                    weights=settings["PERFORMANCE_WEIGHTS"])
    ratings = services.rating_summary(session, scope, since=first)
    rect = services.rectification_summary(session, scope, last)
    start, end = day_start(first), day_start(last + timedelta(days=1))
    complaints = {state: n for state, n in session.execute(
        select(Complaint.state, func.count(Complaint.id)).where(
            scope.clause(Complaint.supervising_code), Complaint.created_at >= start, Complaint.created_at < end)
        .group_by(Complaint.state))}
    steps = {action: n for action, n in session.execute(
        select(SupervisionEvent.action, func.count(SupervisionEvent.id))
        .join(SupervisionOrder, SupervisionOrder.id == SupervisionEvent.order_id)
        .where(scope.clause(SupervisionOrder.issuer_division_code), SupervisionEvent.at >= start,
               SupervisionEvent.at < end).group_by(SupervisionEvent.action))}
    totals = (sum(u.received for u in units), sum(u.completed for u in units), sum(u.on_time for u in units),
              sum(u.early for u in units), sum(u.overdue for u in units))
    return SupervisionReport(
        division_name=division.name, month=f"{first.year}年{first.month}月",
        period=f"{first.isoformat()} 至 {last.isoformat()}",
        volumes=(("收件", totals[0]), ("办结", totals[1]), ("按时办结", totals[2]), ("提前办结", totals[3]),
                 ("超期（含月末仍超期未办结）", totals[4]),
                 ("按时办结率", f"{totals[2] / totals[1] * 100:.1f}%" if totals[1] else "—")),
        ratings=tuple((level, n) for level, n in ratings.by_level.items()) + (
            ("满意率", f"{ratings.satisfaction * 100:.1f}%" if ratings.total else "—"),),
        complaints=tuple((state, complaints.get(state, 0)) for state in ("已受理", "办理中", "已答复", "已关闭")),
        orders=(("发出督办", steps.get("issue", 0)), ("单位回复", steps.get("respond", 0)),
                ("办结", steps.get("close", 0)),
                ("升级督办", steps.get("escalate", 0) + steps.get("auto_escalate", 0))),
        rectifications=(("待整改", rect.open), ("逾期未整改", rect.overdue), ("申诉中", rect.appealing),
                        ("已整改", rect.done), ("待回访", rect.callbacks_pending)),
        units=tuple(tuple(str(c) for c in u.cells(rank)) for rank, u in enumerate(units, 1)),
        staff=tuple(tuple(str(c) for c in s.cells(rank)) for rank, s in enumerate(staff[:10], 1)),
        headers=performance.HEADERS)


def _title(report: SupervisionReport) -> str:
    return f"{report.division_name}电子监察月报（{report.month}）"


def issue_report(session: Session, division: Division, report: SupervisionReport, actor: Any,
                 issuer: Issuer, today: date | None = None) -> IssuedCopy:
    """The month's report PDF, issued once per division and month (then its stored bytes). The caller commits."""
    title = _title(report)
    existing = session.scalar(select(IssuedDocument).where(
        IssuedDocument.template_name == REPORT_KIND.name, IssuedDocument.division_code == division.code,
        IssuedDocument.title == title, IssuedDocument.status == VALID))
    if existing is not None:
        return IssuedCopy(existing, stored_pdf(issuer, existing), False)

    day = today or issuer.workflow.today()

    def build(number: str) -> SupervisionReport:
        return replace(report, document_number=number, issued_on=day)

    return issue_organ_document(session, REPORT_KIND, build, actor, organ=division, templates=issuer.templates,
                                store=issuer.store, settings=issuer.settings, today=day, now=issuer.workflow.now(),
                                title=title)


def report_xlsx(report: SupervisionReport) -> bytes:
    """The same tables as a workbook: 概况 (volumes, ratings, complaints, 督办, rectifications), 单位, 人员排名."""
    from openpyxl import Workbook  # deferred: openpyxl is slow to import and only xlsx needs it

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "概况"
    sheet.append(xlsx_row(sheet, [_title(report), report.period]))
    for heading, pairs in (("办件", report.volumes), ("好差评", report.ratings), ("投诉", report.complaints),
                           ("督办", report.orders), ("差评整改", report.rectifications)):
        sheet.append(xlsx_row(sheet, [heading]))
        for name, value in pairs:
            sheet.append(xlsx_row(sheet, [name, value]))
    for name, rows in (("单位", report.units), ("人员排名", report.staff)):
        table = workbook.create_sheet(name)
        table.append(xlsx_row(table, report.headers))
        for row in rows:
            table.append(xlsx_row(table, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

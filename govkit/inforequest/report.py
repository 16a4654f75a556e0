"""年度报告 (政府信息公开条例 2019 第四十九条、第五十条): the tables of one organ's year.

The 主动公开 tables are :mod:`govkit.inforequest.proactive`'s; this module counts the 依申请公开 part.

Counted from the requests (收到和处理政府信息公开申请情况: new this year, carried over from last year,
replies by type, carried over to next year, 信息处理费) split by applicant type, plus the 行政复议
and 行政诉讼 figures staff enter (:class:`~govkit.inforequest.models.AnnualFigures`). Plain Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.errors import ValidationError
from govkit.hierarchy.models import Organ
from govkit.inforequest.models import AnnualFigures, InfoRequest
from govkit.inforequest.proactive import ProactiveReport
from govkit.inforequest.proactive import csv_rows as proactive_csv_rows
from govkit.inforequest.services import APPLICANT_TYPES, LAPSED, REPLY_TYPES

#: Rows of the request table, in the order of the national template (国务院办公厅 2019 格式).
REPLY_ROWS = tuple(REPLY_TYPES) + (LAPSED,)
FIGURE_FIELDS = (("review_upheld", "行政复议：结果维持"), ("review_corrected", "行政复议：结果纠正"),
                 ("review_other", "行政复议：其他结果"), ("review_pending", "行政复议：尚未审结"),
                 ("suit_upheld", "行政诉讼：结果维持"), ("suit_corrected", "行政诉讼：结果纠正"),
                 ("suit_other", "行政诉讼：其他结果"), ("suit_pending", "行政诉讼：尚未审结"))


@dataclass
class Row:
    label: str
    person: int = 0
    organisation: int = 0

    @property
    def total(self) -> int:
        return self.person + self.organisation

    def add(self, applicant_type: str) -> None:
        if applicant_type == APPLICANT_TYPES[0]:
            self.person += 1
        else:
            self.organisation += 1


@dataclass
class AnnualReport:
    """The figures of one organ's year; ``rows()`` gives them in print/CSV order."""

    organ: Organ
    year: int
    new: Row = field(default_factory=lambda: Row("一、本年新收政府信息公开申请数量"))
    carried_in: Row = field(default_factory=lambda: Row("二、上年结转政府信息公开申请数量"))
    replies: dict[str, Row] = field(default_factory=lambda: {t: Row(f"三、本年度办理结果：{t}") for t in REPLY_ROWS})
    carried_out: Row = field(default_factory=lambda: Row("四、结转下年度继续办理"))
    fees: Decimal = Decimal("0")
    figures: AnnualFigures | None = None

    @property
    def handled(self) -> Row:
        row = Row("三、本年度办理结果：总计")
        for r in self.replies.values():
            row.person += r.person
            row.organisation += r.organisation
        return row

    def rows(self) -> Iterator[Row]:
        yield self.new
        yield self.carried_in
        yield from self.replies.values()
        yield self.handled
        yield self.carried_out

    def figure(self, name: str) -> int:
        return getattr(self.figures, name, 0) if self.figures is not None else 0


def annual_report(session: Session, organ: Organ, year: int) -> AnnualReport:
    """Count the organ's requests of ``year`` (received/replied dates in Beijing time)."""
    if not 2008 <= int(year) <= 2100:
        raise ValidationError("年度应为 2008 年至 2100 年之间的四位数年份。")
    first, last = date(year, 1, 1), date(year, 12, 31)
    report = AnnualReport(organ=organ, year=year)
    rows = session.execute(select(InfoRequest.applicant_type, InfoRequest.received_on, InfoRequest.replied_on,
                                  InfoRequest.state, InfoRequest.reply_type, InfoRequest.fee)
                           .where(InfoRequest.organ_id == organ.id, InfoRequest.received_on <= last))
    for applicant_type, received, replied, state, reply_type, fee in rows:
        if replied is not None and replied < first:
            continue  # finished before the year
        (report.new if received >= first else report.carried_in).add(applicant_type)
        if replied is not None and replied <= last:
            report.replies[LAPSED if state == LAPSED else reply_type].add(applicant_type)
            report.fees += fee or 0
        else:
            report.carried_out.add(applicant_type)
    report.figures = session.scalar(select(AnnualFigures).where(AnnualFigures.organ_id == organ.id,
                                                                AnnualFigures.year == year))
    return report


def save_figures(session: Session, organ: Organ, year: int, values: dict[str, str], actor: str) -> AnnualFigures:
    """Enter the 复议/诉讼 counts of a year (non-negative whole numbers), creating the row once."""
    clean = {}
    for name, label in FIGURE_FIELDS:
        raw = str(values.get(name, "0") or "0").strip()
        if not raw.isdigit() or int(raw) > 100000:
            raise ValidationError(f"“{label}”应为 0 或正整数。")
        clean[name] = int(raw)
    row = session.scalar(select(AnnualFigures).where(AnnualFigures.organ_id == organ.id, AnnualFigures.year == year))
    if row is None:
        row = AnnualFigures(organ_id=organ.id, division_code=organ.division.code, year=year)
        session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    row.updated_by = actor[:100]
    session.flush()
    return row


def csv_rows(report: AnnualReport, proactive: ProactiveReport | None = None) -> Iterator[list]:
    """The report as CSV rows (the caller writes them with :func:`govkit.spreadsheet.csv_row`): the 主动公开
    tables when ``proactive`` is given, then the 依申请公开 table and the 复议/诉讼 figures."""
    yield [f"{report.organ.full_name or report.organ} {report.year}年度政府信息公开工作年度报告"]
    if proactive is not None:
        yield from proactive_csv_rows(proactive)
    yield ["三、收到和处理政府信息公开申请情况"]
    yield ["项目", "自然人", "法人或其他组织", "总计"]
    for row in report.rows():
        yield [row.label, row.person, row.organisation, row.total]
    yield ["五、信息处理费（元）", "", "", f"{report.fees:.2f}"]
    for name, label in FIGURE_FIELDS:
        yield [f"六、{label}", "", "", report.figure(name)]

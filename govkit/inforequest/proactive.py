"""年度报告 二、主动公开政府信息情况 (政府信息公开条例 2019 第五十条第（一）项): one organ's year.

The national template (国务院办公厅政府信息与政务公开办公室 2019 年印发的年度报告格式) asks, under 主动公开:

* 第二十条第（一）项 — 规章 and 行政规范性文件: 本年制发件数, 本年废止件数, 现行有效件数;
* 第二十条第（五）项 — 行政许可: 本年处理决定数量;
* 第二十条第（六）项 — 行政处罚, 行政强制: 本年处理决定数量;
* 第二十条第（八）项 — 行政事业性收费: 本年收费金额（万元）.

What govkit holds and how it fills them:

* **Disclosures by type** (``gk_disclosure``, the county's 公开目录 categories): per category, 本年制发 = entries
  first published in the year, 本年废止 = published entries withdrawn (撤回) in the year — govkit records a
  withdrawal, not whether the document itself was repealed, so the column counts withdrawals — and 现行有效 =
  entries published by 31 December and not withdrawn by then. The template rows 规章 and 行政规范性文件 are the
  sums over the categories whose name contains 规章 resp. 规范性文件; with no such category the row shows —.
* **行政许可 decisions**: the 准予/不予行政许可 decisions (case events to ``approved``/``denied``) of the year on
  cases of 行政许可 items (item type 01) that the organ implements.
* **行政处罚, 行政强制, 行政事业性收费**: govkit keeps no enforcement cases and no fee ledger, so these show —
  (:data:`NOT_HELD`); the organ fills them in by hand on the printed report.

Whose rows are whose: a department with an organ row of its own (a 县民政局) is that organ; everything else of
a division — its government's and its 内设机构's (a 镇民政办 is no organ) — is the division government's organ.
So a department organ's disclosures are its division's entries whose 责任单位 is the department's name or the
organ's full name, its 行政许可 decisions those on its department's implementations; the government organ gets
the rest of its division. Years are Beijing calendar years. Plain Python over a Session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, CaseEvent
from govkit.cases.states import APPROVED, DENIED
from govkit.catalog.models import Implementation, ServiceItem
from govkit.hierarchy.models import Organ
from govkit.clock import day_start
from govkit.publicity.disclosures import PUBLISHED, WITHDRAWN
from govkit.publicity.models import Disclosure, DisclosureCategory

LICENSING = "01"  # 行政许可 (govkit.catalog.models.ITEM_TYPES)
#: The template's rows govkit holds no data for (shown as —).
NOT_HELD = ("行政处罚", "行政强制", "行政事业性收费（万元）")
#: The template's 第二十条第（一）项 rows and the word a category's name must contain to count for them.
TEMPLATE_ROWS = (("规章", "规章"), ("行政规范性文件", "规范性文件"))


@dataclass
class DocumentRow:
    """One row of the 制发/废止/现行有效 table; None = govkit cannot fill it (shown —)."""

    label: str
    issued: int | None = 0
    abolished: int | None = 0
    in_force: int | None = 0


@dataclass
class ProactiveReport:
    """主动公开 of one organ's year: the template rows, the rows by disclosure type and the decision counts."""

    year: int
    template: list[DocumentRow] = field(default_factory=list)
    by_type: list[DocumentRow] = field(default_factory=list)
    licensing_decisions: int = 0

    @property
    def total(self) -> DocumentRow:
        return DocumentRow("合计", sum(r.issued for r in self.by_type), sum(r.abolished for r in self.by_type),
                           sum(r.in_force for r in self.by_type))

    def decisions(self) -> Iterator[tuple[str, int | None]]:
        """(label, value) of the template's 处理决定/收费 rows; None = not held by govkit."""
        yield "行政许可", self.licensing_decisions
        for label in NOT_HELD:
            yield label, None


def _bounds(year: int) -> tuple[datetime, datetime]:
    """The Beijing calendar year as UTC instants [start, end)."""
    start, end = day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))
    return start, end


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _department_organs(session: Session, organ: Organ) -> list[Organ]:
    """The department organs of the organ's division (other than the organ itself)."""
    return list(session.scalars(select(Organ).where(Organ.division_id == organ.division_id,
                                                    Organ.department_id.is_not(None), Organ.id != organ.id)))


def _names(organ: Organ) -> list[str]:
    return [n for n in (organ.department.name if organ.department else None, organ.full_name) if n]


def _whose(session: Session, organ: Organ) -> tuple:
    """The conditions selecting the organ's disclosures and implementations (see the module docstring)."""
    if organ.department_id is not None:
        return (Disclosure.division_id == organ.division_id) & Disclosure.responsible_unit.in_(_names(organ)), \
            Implementation.department_id == organ.department_id
    others = _department_organs(session, organ)
    taken_names = [n for other in others for n in _names(other)]
    taken_departments = [other.department_id for other in others]
    return ((Disclosure.division_id == organ.division_id) & Disclosure.responsible_unit.not_in(taken_names),
            or_(Implementation.department_id.is_(None), Implementation.department_id.not_in(taken_departments)))


def proactive_report(session: Session, organ: Organ, year: int) -> ProactiveReport:
    """Count the organ's proactive disclosures and 行政许可 decisions of ``year``."""
    start, end = _bounds(year)
    report = ProactiveReport(year=year)
    disclosures_clause, implementations_clause = _whose(session, organ)
    rows = session.execute(
        select(DisclosureCategory.name, Disclosure.published_at, Disclosure.withdrawn_at)
        .join(DisclosureCategory, DisclosureCategory.id == Disclosure.category_id)
        .where(disclosures_clause, Disclosure.state.in_((PUBLISHED, WITHDRAWN)),
               Disclosure.published_at.is_not(None))
        .order_by(DisclosureCategory.code))
    by_type: dict[str, DocumentRow] = {}
    for name, published, withdrawn in rows:
        published, withdrawn = _aware(published), _aware(withdrawn)
        row = by_type.setdefault(name, DocumentRow(name))
        row.issued += start <= published < end
        row.abolished += withdrawn is not None and start <= withdrawn < end
        row.in_force += published < end and (withdrawn is None or withdrawn >= end)
    report.by_type = list(by_type.values())
    for label, word in TEMPLATE_ROWS:
        matching = [r for name, r in by_type.items() if word in name]
        report.template.append(DocumentRow(label, *(sum(getattr(r, f) for r in matching) for f in
                                                     ("issued", "abolished", "in_force")))
                               if matching else DocumentRow(label, None, None, None))
    item_type = func.coalesce(Implementation.item_type, ServiceItem.item_type)
    report.licensing_decisions = session.scalar(
        select(func.count(CaseEvent.id))
        .join(Case, Case.id == CaseEvent.case_id)
        .join(Implementation, Implementation.id == Case.implementation_id)
        .join(ServiceItem, ServiceItem.id == Implementation.item_id)
        .where(CaseEvent.to_state.in_((APPROVED, DENIED)), or_(CaseEvent.from_state.is_(None),
                                                                 CaseEvent.from_state != CaseEvent.to_state),
               CaseEvent.at >= start, CaseEvent.at < end, item_type == LICENSING,
               Implementation.division_id == organ.division_id, implementations_clause)) or 0
    return report


def csv_rows(report: ProactiveReport) -> Iterator[list]:
    """The 主动公开 tables as CSV rows (— where govkit cannot fill a cell)."""
    def cell(value):
        return "—" if value is None else value

    yield ["二、主动公开政府信息情况"]
    yield ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    for prefix, rows in (("第二十条第（一）项：", report.template), ("按公开类别：", report.by_type + [report.total])):
        for row in rows:
            yield [prefix + row.label, cell(row.issued), cell(row.abolished), cell(row.in_force)]
    yield ["信息内容", "本年处理决定数量 / 本年收费金额"]
    for label, value in report.decisions():
        yield [label, cell(value)]

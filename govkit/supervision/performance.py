"""Staff and unit performance (绩效考核) for a period. Plain Python, no Flask.

Seed 003 lists 绩效考核 among the rules every service centre keeps; seeds 002/004 make 绩效评估 part of
电子监察. Per unit (implementing division) or per staff member (the case's handler; 首问 = who registered
it) for cases in the supervisor's subtree and a period ``[since, until]``:

* 收件 received (units: accepted there, received in the period; staff: cases they registered, 首问负责);
* 办结 completed, 按时 on time (on or before the due date), 提前 early (before it) —
  :func:`govkit.cases.stats.completion_rates`, the figures of the rate page;
* 超期 overdue: completed late in the period, plus open cases past their due date at ``until``;
* 平均办理工作日 the mean working days from acceptance to completion (the app's calendar);
* 好差评 ratings per level and the satisfaction rate; 被投诉 complaints about the unit and 督办 orders
  received by it in the period (units only).

Score (综合得分) = Σ weight × figure over ``PERFORMANCE_WEIGHTS`` (a setting, e.g.
``{"on_time_rate": 60, "early_rate": 10, "satisfaction": 30, "overdue": -1, "complaints": -2,
"orders": -2}``), rates as fractions (0–1), the others as counts; rows are ranked by score.
"""
from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Mapping

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.models import Case, CaseEvent
from govkit.clock import day_start
from govkit.cases.stats import completion_rates
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import Scope
from govkit.publicity.models import Complaint, Rating
from govkit.publicity.ratings import LEVELS
from govkit.spreadsheet import csv_row, xlsx_row
from govkit.supervision.models import SupervisionOrder

DEFAULT_WEIGHTS = {"on_time_rate": 60, "early_rate": 10, "satisfaction": 30, "overdue": -1, "complaints": -2,
                   "orders": -2}
HEADERS = ("排名", "单位/人员", "收件", "办结", "按时办结", "提前办结", "超期", "按时办结率", "提前办结率",
           "平均办理工作日", *(name for name, _ in LEVELS), "满意率", "被投诉", "被督办", "综合得分")


@dataclass
class PerformanceRow:
    key: Any
    label: str
    received: int = 0
    completed: int = 0
    on_time: int = 0
    early: int = 0
    overdue: int = 0
    days: list[int] = field(default_factory=list)
    ratings: Counter = field(default_factory=Counter)
    complaints: int | None = 0
    orders: int | None = 0
    score: float = 0.0

    on_time_rate = property(lambda self: self.on_time / self.completed if self.completed else 0.0)
    early_rate = property(lambda self: self.early / self.completed if self.completed else 0.0)

    @property
    def avg_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction(self) -> float:
        """满意率: 非常满意 + 满意 + 基本满意 over all ratings (as the ratings page)."""
        good = sum(self.ratings[name] for name, score in LEVELS if score >= 3)
        return good / self.rated if self.rated else 0.0

    def cells(self, rank: int) -> list[Any]:
        """The row as the export writes it (HEADERS)."""
        avg = self.avg_days
        return [rank, self.label, self.received, self.completed, self.on_time, self.early, self.overdue,
                f"{self.on_time_rate * 100:.1f}%", f"{self.early_rate * 100:.1f}%",
                "—" if avg is None else f"{avg:.1f}", *(self.ratings[name] for name, _ in LEVELS),
                f"{self.satisfaction * 100:.1f}%" if self.rated else "—",
                "—" if self.complaints is None else self.complaints, "—" if self.orders is None else self.orders,
                f"{self.score:.1f}"]


def score(row: PerformanceRow, weights: Mapping[str, float]) -> float:
    figures = {"on_time_rate": row.on_time_rate, "early_rate": row.early_rate, "satisfaction": row.satisfaction,
               "overdue": row.overdue, "complaints": row.complaints or 0, "orders": row.orders or 0,
               "completed": row.completed, "received": row.received}
    return sum(float(weight) * figures.get(name, 0) for name, weight in weights.items())


def performance(session: Session, scope: Scope, by: str, *, since: date, until: date, calendar: WorkingCalendar,
                weights: Mapping[str, float] | None = None) -> list[PerformanceRow]:
    """Rows per ``unit`` or ``staff``, best score first."""
    if by not in ("unit", "staff"):
        raise ValueError("by must be unit or staff")
    unit = by == "unit"
    key = Case.implementing_division_code if unit else Case.handler_id
    in_scope = or_(scope.clause(Case.accepting_division_code), scope.clause(Case.current_division_code),
                   scope.clause(Case.implementing_division_code))
    rows: dict[Any, PerformanceRow] = defaultdict(lambda: PerformanceRow(None, ""))

    def row(k: Any) -> PerformanceRow:
        item = rows[k]
        item.key = k
        return item

    for rate in completion_rates(session, "implementing_division" if unit else "staff", scope=scope, since=since,
                                 until=until):
        if rate.key is None:
            continue
        r = row(rate.key)
        r.completed, r.on_time, r.early = rate.completed, rate.on_time, rate.early
        r.overdue += rate.completed - rate.on_time
    if unit:
        received = select(Case.accepting_division_code, func.count(Case.id)).where(
            in_scope, Case.received_date >= since, Case.received_date <= until).group_by(Case.accepting_division_code)
    else:
        received = select(CaseEvent.actor_id, func.count(CaseEvent.id)).join(Case, Case.id == CaseEvent.case_id).where(
            in_scope, CaseEvent.action == "register", CaseEvent.actor_id.is_not(None),
            CaseEvent.at >= day_start(since), CaseEvent.at < day_start(until + timedelta(days=1))
        ).group_by(CaseEvent.actor_id)
    for k, n in session.execute(received):
        if k is not None:
            row(k).received = n
    open_late = select(key, func.count(Case.id)).where(
        in_scope, Case.completed_date.is_(None), Case.due_date.is_not(None), Case.due_date < until,
        Case.paused_since.is_(None), key.is_not(None), Case.state.not_in(("withdrawn", "refused"))).group_by(key)
    for k, n in session.execute(open_late):
        row(k).overdue += n
    for k, accepted, completed in session.execute(select(key, Case.accepted_date, Case.completed_date).where(
            in_scope, key.is_not(None), Case.completed_date >= since, Case.completed_date <= until,
            Case.accepted_date.is_not(None), Case.due_date.is_not(None))):
        row(k).days.append(max(calendar.working_days_between(accepted, completed), 0))
    rating_key = Rating.division_code if unit else Case.handler_id
    ratings = select(rating_key, Rating.level, func.count(Rating.id)).join(Case, Case.id == Rating.case_id).where(
        in_scope, Rating.created_at >= day_start(since), Rating.created_at < day_start(until + timedelta(days=1)),
        rating_key.is_not(None)).group_by(rating_key, Rating.level)
    for k, level, n in session.execute(ratings):
        row(k).ratings[level] += n
    if unit:
        for column, attribute, model, at in ((Complaint.division_code, "complaints", Complaint, Complaint.created_at),
                                             (SupervisionOrder.target_division_code, "orders", SupervisionOrder,
                                              SupervisionOrder.created_at)):
            for k, n in session.execute(select(column, func.count(model.id)).where(
                    scope.clause(column), at >= day_start(since), at < day_start(until + timedelta(days=1)))
                    .group_by(column)):
                setattr(row(k), attribute, n)
        names = {code: name for code, name in session.execute(
            select(Division.code, Division.name).where(Division.code.in_(list(rows))))}
    else:
        names = {uid: name for uid, name in session.execute(
            select(Staff.user_id, Staff.name).where(Staff.user_id.in_(list(rows))))}
    result = []
    for k, r in rows.items():
        if not unit:
            r.complaints = r.orders = None  # complaints and orders concern units, not persons
        r.label = names.get(k) or (str(k) if unit else f"用户 {k}")
        r.score = score(r, weights or DEFAULT_WEIGHTS)
        result.append(r)
    result.sort(key=lambda r: (-r.score, r.label))
    return result


def export_csv(rows: list[PerformanceRow]) -> str:
    return csv_row(HEADERS) + "".join(csv_row(r.cells(rank)) for rank, r in enumerate(rows, 1))


def export_xlsx(rows: list[PerformanceRow], title: str) -> bytes:
    from openpyxl import Workbook  # deferred: openpyxl is slow to import and only xlsx needs it

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "绩效考核"
    sheet.append(xlsx_row(sheet, [title]))
    sheet.append(xlsx_row(sheet, HEADERS))
    for rank, r in enumerate(rows, 1):
        sheet.append(xlsx_row(sheet, r.cells(rank)))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

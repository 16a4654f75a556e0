"""Supervision (电子监察) queries, scoped to the supervisor's subtree. Plain Python, no Flask.

* deadline cards: open cases with a yellow (黄牌) or red (红牌) card, computed with the
  cases engine's :func:`govkit.cases.deadlines.deadline_status` (one rule for every screen);
* completion rates (按时/提前办结率) per division, department or item from
  :func:`govkit.cases.stats.completion_rates`, with names resolved for display;
* 好差评 summary (counts per level, satisfaction rate), rectifications (open, overdue,
  appealing) and complaints per state.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from sqlalchemy import case as sql_case, func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.deadlines import deadline_status
from govkit.cases.models import Case
from govkit.cases.states import STATE_LABELS
from govkit.cases.stats import completion_rates
from govkit.catalog.models import Implementation, ServiceItem
from govkit.hierarchy.models import Department, Division
from govkit.hierarchy.scope import Scope
from govkit.publicity.complaints import STATES
from govkit.publicity.models import Callback, Complaint, Rating, Rectification
from govkit.publicity.ratings import LEVELS

#: States whose clock matters for cards (registered: the §32 intake clock; accepted, not yet completed).
OPEN_STATES = ("registered", "accepted", "forwarded", "signed", "assigned", "in_review", "returned", "suspended",
               "supplement", "approved", "denied", "online", "online_supplement")


@dataclass(frozen=True)
class CardRow:
    """One open case with a yellow or red card (no applicant data: supervisors need none)."""

    case_id: int
    number: str
    item: str
    division: str
    department: str | None
    state: str
    due: date
    provisional: bool
    remaining: int | None
    card: str  # yellow / red / overrun (特别程序超时)


def _pairs(session: Session, statement) -> dict:
    """``{first: second}`` of a two-column query."""
    return {key: value for key, value in session.execute(statement)}


def _case_in_scope(scope: Scope):
    return or_(scope.clause(Case.current_division_code), scope.clause(Case.implementing_division_code))


def cards(session: Session, scope: Scope, *, calendar: WorkingCalendar, settings: Mapping[str, Any],
          today: date, limit: int = 1000) -> list[CardRow]:
    """Red cards first (most overdue first), then yellow cards (fewest days left first)."""
    rows = session.execute(
        select(Case, Implementation.name, Division.name, Department.name)
        .join(Implementation, Implementation.id == Case.implementation_id)
        .join(Division, Division.id == Case.current_division_id)
        .outerjoin(Department, Department.id == Case.current_department_id)
        # Registered cases carry the §32 intake clock (行政许可法第三十二条) before they have a due date.
        .where(_case_in_scope(scope), Case.completed_date.is_(None),
               or_(Case.due_date.is_not(None), Case.intake_due_date.is_not(None)), Case.state.in_(OPEN_STATES))
        .order_by(func.coalesce(Case.due_date, Case.intake_due_date)).limit(limit)
    )
    result = []
    for case, item, division, department in rows:
        status = deadline_status(case, calendar, settings, today)
        if status.card in ("yellow", "red", "overrun"):
            result.append(CardRow(case.id, case.number, item, division, department,
                                  STATE_LABELS.get(case.state, case.state), status.due, status.provisional,
                                  status.remaining, status.card))
    result.sort(key=lambda r: (r.card != "red", r.remaining if r.remaining is not None else 0))
    return result


@dataclass(frozen=True)
class RateRow:
    """Completion rates of one division, department or item (按时办结率/提前办结率)."""

    key: Any
    label: str
    completed: int
    on_time: int
    early: int

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.completed if self.completed else 0.0

    @property
    def early_rate(self) -> float:
        return self.early / self.completed if self.completed else 0.0


def rates(session: Session, scope: Scope, by: str, *, since: date | None = None,
          until: date | None = None) -> list[RateRow]:
    """Rates grouped by ``division`` (implementing division), ``department`` or ``item``."""
    grouping = {"division": "implementing_division", "department": "department", "item": "item"}[by]
    rows = completion_rates(session, grouping, scope=scope, since=since, until=until)
    keys = [r.key for r in rows if r.key is not None]
    if by == "division":
        names = _pairs(session, (select(Division.code, Division.name).where(Division.code.in_(keys))))
    elif by == "department":
        names = _pairs(session, (select(Department.id, Department.name).where(Department.id.in_(keys))))
    else:
        names = _pairs(session, (select(ServiceItem.id, ServiceItem.name).where(ServiceItem.id.in_(keys))))
    return [RateRow(r.key, names.get(r.key, "（未指定）" if r.key is None else str(r.key)), r.completed, r.on_time,
                    r.early) for r in rows]


@dataclass(frozen=True)
class RatingSummary:
    total: int
    by_level: dict[str, int]
    negative: int

    @property
    def satisfaction(self) -> float:
        """满意率: share of 非常满意 + 满意 + 基本满意."""
        return (self.total - self.negative) / self.total if self.total else 0.0


def rating_summary(session: Session, scope: Scope, *, since: date | None = None) -> RatingSummary:
    query = select(Rating.level, func.count()).where(scope.clause(Rating.division_code)).group_by(Rating.level)
    if since is not None:
        query = query.where(Rating.created_at >= since)
    counts = Counter(_pairs(session, query))
    by_level = {name: counts.get(name, 0) for name, _ in LEVELS}
    negative = by_level["不满意"] + by_level["非常不满意"]
    return RatingSummary(sum(by_level.values()), by_level, negative)


def rating_by_division(session: Session, scope: Scope) -> list[tuple[str, str, int, int]]:
    """(code, name, ratings, 差评) per handling division in scope, most 差评 first."""
    negative = func.coalesce(func.sum(sql_case((Rating.score <= 2, 1), else_=0)), 0)
    rows = session.execute(
        select(Rating.division_code, Division.name, func.count(Rating.id), negative)
        .outerjoin(Division, Division.code == Rating.division_code)
        .where(scope.clause(Rating.division_code))
        .group_by(Rating.division_code, Division.name)
    )
    return sorted(((c, n or c, t, b) for c, n, t, b in rows), key=lambda r: (-r[3], r[0]))


@dataclass(frozen=True)
class RectificationSummary:
    open: int
    overdue: int
    appealing: int
    done: int
    upheld: int
    callbacks_pending: int


def rectification_summary(session: Session, scope: Scope, today: date) -> RectificationSummary:
    in_scope = scope.clause(Rectification.division_code)
    states = _pairs(session, (select(Rectification.state, func.count()).where(in_scope)
                                  .group_by(Rectification.state)))
    overdue = session.scalar(select(func.count()).select_from(Rectification)
                             .where(in_scope, Rectification.state == "待整改", Rectification.due_date < today)) or 0
    pending = session.scalar(select(func.count()).select_from(Callback)
                             .join(Rectification, Rectification.id == Callback.rectification_id)
                             .where(in_scope, Callback.state == "待回访")) or 0
    return RectificationSummary(states.get("待整改", 0), overdue, states.get("申诉中", 0), states.get("已整改", 0),
                                states.get("申诉成立", 0), pending)


def overdue_rectifications(session: Session, scope: Scope, today: date, limit: int = 100) -> list[Rectification]:
    return list(session.scalars(
        select(Rectification).where(scope.clause(Rectification.division_code), Rectification.state == "待整改",
                                    Rectification.due_date < today)
        .order_by(Rectification.due_date).limit(limit)))


def complaint_summary(session: Session, scope: Scope) -> dict[str, int]:
    counts = _pairs(session, (select(Complaint.state, func.count()).where(scope.clause(Complaint.supervising_code))
                                  .group_by(Complaint.state)))
    return {state: counts.get(state, 0) for state in STATES}

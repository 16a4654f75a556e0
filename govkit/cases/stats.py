"""Completion rates (按时办结率 / 提前办结率) per division, department, item or staff member.

A completed case is on time when ``completed_date <= due_date`` and early when
``completed_date < due_date``. One GROUP BY query; the scope condition is the same as
for lists (accepting, current or implementing division in scope).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, case as sql_case, func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case
from govkit.catalog.models import Implementation
from govkit.hierarchy.scope import Scope

GROUPINGS = {
    "division": Case.accepting_division_code,
    "implementing_division": Case.implementing_division_code,
    "department": Case.current_department_id,
    "item": Implementation.item_id,
    "staff": Case.handler_id,
}


@dataclass(frozen=True)
class CompletionRate:
    key: Any
    completed: int
    on_time: int
    early: int

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.completed if self.completed else 0.0

    @property
    def early_rate(self) -> float:
        return self.early / self.completed if self.completed else 0.0


def completion_rates(session: Session, by: str, *, scope: Scope | None = None, since: date | None = None,
                     until: date | None = None) -> list[CompletionRate]:
    """Rates grouped ``by`` division / implementing_division / department / item / staff."""
    try:
        key = GROUPINGS[by]
    except KeyError:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}") from None
    on_time = func.sum(sql_case((Case.completed_date <= Case.due_date, 1), else_=0)).cast(Integer)
    early = func.sum(sql_case((Case.completed_date < Case.due_date, 1), else_=0)).cast(Integer)
    query = (select(key, func.count(Case.id), on_time, early)
             .where(Case.completed_date.is_not(None), Case.due_date.is_not(None)).group_by(key).order_by(key))
    if by == "item":
        query = query.join(Implementation, Implementation.id == Case.implementation_id)
    if scope is not None:
        query = query.where(or_(scope.clause(Case.accepting_division_code), scope.clause(Case.current_division_code),
                                scope.clause(Case.implementing_division_code)))
    if since is not None:
        query = query.where(Case.completed_date >= since)
    if until is not None:
        query = query.where(Case.completed_date <= until)
    return [CompletionRate(k, n, t or 0, e or 0) for k, n, t, e in session.execute(query)]

"""Figures behind the supervision charts (图表): monthly volume and on-time trend, ratings, divisions.

Plain Python, no Flask. Each function returns rows the page shows as a table (the fallback that
prints and reads without JavaScript) and as chart data (Apache ECharts, vendored in
``govkit/static/supervision/echarts``). Rates come from :func:`govkit.cases.stats.completion_rates`
and :func:`govkit.supervision.services.rates`, so a chart says what the rate page says.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case
from govkit.cases.stats import completion_rates
from govkit.hierarchy.scope import Scope
from govkit.supervision import services


@dataclass(frozen=True)
class MonthRow:
    """One calendar month: cases received, completed, completed on time."""

    month: str  # 2026-11
    received: int
    completed: int
    on_time: int

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.completed if self.completed else 0.0


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly(session: Session, scope: Scope, *, today: date, months: int = 12) -> list[MonthRow]:
    """The last ``months`` calendar months up to this one, oldest first."""
    in_scope = or_(scope.clause(Case.accepting_division_code), scope.clause(Case.current_division_code),
                   scope.clause(Case.implementing_division_code))
    rows = []
    for back in range(months - 1, -1, -1):
        first, after = _month_start(today, back), _month_start(today, back - 1)
        received = session.scalar(select(func.count(Case.id)).where(
            in_scope, Case.received_date >= first, Case.received_date < after)) or 0
        done = completion_rates(session, "implementing_division", scope=scope, since=first,
                                until=date.fromordinal(after.toordinal() - 1))
        rows.append(MonthRow(first.strftime("%Y-%m"), received, sum(r.completed for r in done),
                             sum(r.on_time for r in done)))
    return rows


def chart_data(session: Session, scope: Scope, *, today: date, since: date | None) -> tuple:
    """Everything the charts page draws, as JSON-ready data (also rendered as tables)."""
    months = monthly(session, scope, today=today)
    summary = services.rating_summary(session, scope, since=since)
    divisions = services.rates(session, scope, "division", since=since)
    return {
        "monthly": {"months": [m.month for m in months], "received": [m.received for m in months],
                    "completed": [m.completed for m in months],
                    # A month without completed cases has no rate (a gap in the line, not 0 %).
                    "on_time_rate": [round(m.on_time_rate * 100, 1) if m.completed else None for m in months]},
        "ratings": [{"name": level, "value": count} for level, count in summary.by_level.items()],
        "divisions": {"names": [d.label for d in divisions], "completed": [d.completed for d in divisions],
                      "on_time_rate": [round(d.on_time_rate * 100, 1) for d in divisions],
                      "early_rate": [round(d.early_rate * 100, 1) for d in divisions]},
    }, months, summary, divisions

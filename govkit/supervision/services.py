"""Supervision (电子监察) queries, scoped to the supervisor's subtree. Plain Python, no Flask.

* deadline cards: open cases with a yellow (黄牌) or red (红牌) card, counted and listed in SQL by
  :mod:`govkit.cases.cards` — the same function as the home page, the menu badge and the 临期/超期 queue
  (working days everywhere, counts over all rows, a page of rows at a time);
* completion rates (按时/提前办结率) per division, department or item from
  :func:`govkit.cases.stats.completion_rates`, with names resolved for display, kept in the card counts'
  per-worker cache (:class:`govkit.cases.cards.CountCache`) between changes in the scope;
* 好差评 summary (counts per level, satisfaction rate), rectifications (open, overdue,
  appealing) and complaints per state.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from sqlalchemy import case as sql_case, func, select
from sqlalchemy.orm import Session

from govkit.cases.cards import CountCache, card_counts, card_order, card_select, running_deadline, walk_in_due_order
from govkit.cases.models import Case
from govkit.cases.states import STATE_LABELS
from govkit.cases.stats import CompletionRate, completion_rates
from govkit.catalog.models import Implementation, ServiceItem
from govkit.hierarchy.models import Department, Division
from govkit.hierarchy.scope import Scope
from govkit.publicity.complaints import STATES
from govkit.publicity.models import Callback, Complaint, Rating, Rectification
from govkit.publicity.ratings import LEVELS


@dataclass(frozen=True)
class CardRow:
    """One open case with a card (no applicant data: supervisors need none). ``remaining`` in working days."""

    case_id: int
    number: str
    item: str
    division: str
    department: str | None
    state: str
    due: date | None
    provisional: bool
    remaining: int | None
    card: str  # red / overrun (特别程序超时) / lapsed (补正逾期) / yellow


@dataclass(frozen=True)
class CardPage:
    """One page of the card list and the counts per card over ALL carded cases in scope."""

    rows: list[CardRow]
    counts: dict[str, int]
    page: int
    page_size: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _pairs(session: Session, statement) -> dict:
    """``{first: second}`` of a two-column query."""
    return {key: value for key, value in session.execute(statement)}


def cards(session: Session, scope: Scope, *, settings: Mapping[str, Any], today: date, limit: int = 50,
          offset: int = 0) -> list[CardRow]:
    """Carded cases in scope, earliest deadline first (the most overdue red cards first, then yellow ones).

    The same rows as the 临期/超期 queue (:mod:`govkit.cases.cards`), in SQL with the ``gk_working_day``
    ordinal form, one statement per page.
    """
    due_day = running_deadline()
    query = card_select(select(Case.id, Case.number, Implementation.name, Division.name, Department.name, Case.state,
                               due_day, Case.due_provisional, Case.intake_due_provisional,
                               Case.supplement_due_provisional), scope, today, settings)
    query = (query.join(Implementation, Implementation.id == Case.implementation_id)
             .join(Division, Division.id == Case.current_division_id)
             .outerjoin(Department, Department.id == Case.current_department_id))
    query = query.order_by(*card_order()).limit(limit).offset(offset)
    with walk_in_due_order(session, scope):
        rows = session.execute(query).all()
    return [CardRow(r[0], r[1], r[2], r[3], r[4], STATE_LABELS.get(r[5], r[5]), r[6], bool(r[7] or r[8] or r[9]),
                    r.remaining, r.card) for r in rows]


def card_page(session: Session, scope: Scope, *, settings: Mapping[str, Any], today: date, page: int = 1,
              page_size: int = 50, cache: CountCache | None = None) -> CardPage:
    """Counts over all rows (:func:`govkit.cases.cards.card_counts`, as the home page and the menu badge — from
    their ``cache`` entry when given) and one page of rows (at most two statements)."""
    counts = card_counts(session, scope, today, settings, cache)
    pages = max(1, -(-sum(counts.values()) // page_size))
    page = min(max(page, 1), pages)
    rows = cards(session, scope, settings=settings, today=today, limit=page_size, offset=(page - 1) * page_size)
    return CardPage(rows, counts, page, page_size)


@dataclass(frozen=True)
class RateRow(CompletionRate):
    """Completion rates of one division, department or item (按时办结率/提前办结率), with its name."""

    label: str = ""


def rates(session: Session, scope: Scope, by: str, *, since: date | None = None, until: date | None = None,
          cache: CountCache | None = None) -> list[RateRow]:
    """Rates grouped by ``division`` (implementing division), ``department`` or ``item``: one indexed
    ``GROUP BY`` over every completed case in scope and one name lookup.

    With ``cache`` (the per-worker :class:`~govkit.cases.cards.CountCache` of the card counts, the app's
    ``BADGE_CACHE_SECONDS``) the rows come from its entry for (scope, grouping, period) — no statement —
    until a case in the scope changes in this worker (a transition, a completion) or the entry expires.
    """
    if cache is not None:
        return cache.get_or_build(scope, ("rates", by, since, until),
                                  lambda: rates(session, scope, by, since=since, until=until))
    grouping = {"division": "implementing_division", "department": "department", "item": "item"}[by]
    rows = completion_rates(session, grouping, scope=scope, since=since, until=until)
    keys = [r.key for r in rows if r.key is not None]
    if by == "division":
        names = _pairs(session, (select(Division.code, Division.name).where(Division.code.in_(keys))))
    elif by == "department":
        names = _pairs(session, (select(Department.id, Department.name).where(Department.id.in_(keys))))
    else:
        names = _pairs(session, (select(ServiceItem.id, ServiceItem.name).where(ServiceItem.id.in_(keys))))
    return [RateRow(r.key, r.completed, r.on_time, r.early,
                    label=names.get(r.key, "（未指定）" if r.key is None else str(r.key))) for r in rows]


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


def division_names(session: Session, codes) -> dict[str, str]:
    """``{code: name}`` of the given division codes (screens show names, never raw codes)."""
    codes = sorted({c for c in codes if c})
    return _pairs(session, select(Division.code, Division.name).where(Division.code.in_(codes))) if codes else {}


def complaint_summary(session: Session, scope: Scope) -> dict[str, int]:
    counts = _pairs(session, (select(Complaint.state, func.count()).where(scope.clause(Complaint.supervising_code))
                                  .group_by(Complaint.state)))
    return {state: counts.get(state, 0) for state in STATES}

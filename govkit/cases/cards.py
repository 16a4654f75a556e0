"""Deadline cards (黄牌/红牌) of a scope in SQL: one source for the home page, the menu badge, the
临期/超期 queue and the supervision card page (plain SQLAlchemy, no Flask).

A case is on a card while its clock runs and its card (:func:`govkit.cases.deadlines.status_columns`,
the ``gk_working_day`` ordinal form — working days, no loop over the calendar) is one of
:data:`CARDS`: red (红牌, past the promised date or the §32 intake clock, 行政许可法第三十二条/第四十二条),
yellow (黄牌), overrun (特别程序超时, 第四十五条) or lapsed (补正逾期). Counts are taken over every
matching row with one ``GROUP BY`` — never from a first page of rows.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
import time
from collections import OrderedDict, deque
from datetime import date
from itertools import chain
from typing import Any, Callable, Hashable, Mapping

from sqlalchemy import column, func, or_, select, table
from sqlalchemy import inspect as sa_inspect

from govkit.cases import states as S
from govkit.cases.deadlines import with_status
from govkit.cases.models import Case
from govkit.hierarchy.scope import Scope
from govkit.listeners import Listeners
from govkit.state import get_state

#: The cards a case can be listed under, in page order (most urgent first).
CARDS = ("red", "overrun", "lapsed", "yellow")
#: States whose clock runs (the promised deadline; before acceptance the §32 intake clock or 补正 period —
#: an online application's §32 clock runs from submission, 行政许可法第三十二条).
RUNNING = tuple(sorted(S.CLOCK_STATES | {S.SUSPENDED, S.SUPPLEMENT, S.REGISTERED, S.ONLINE, S.ONLINE_SUPPLEMENT}))


def case_scope_clause(scope: Scope) -> Any:
    """SQL: the case's accepting, current or implementing division is in ``scope`` (three index range scans)."""
    return or_(scope.clause(Case.accepting_division_code), scope.clause(Case.current_division_code),
               scope.clause(Case.implementing_division_code))


def running_clause() -> Any:
    """SQL: the case's clock runs (not completed, in a state with a deadline)."""
    return Case.state.in_(RUNNING) & Case.completed_date.is_(None)


def card_select(query: Any, scope: Scope, today: date, settings: Mapping[str, Any]) -> Any:
    """``query`` (a ``select(Case, …)``) with ``remaining``/``card`` columns, limited to carded cases in scope."""
    query = with_status(query, today, settings).where(running_clause(), case_scope_clause(scope))
    return query.where(query.selected_columns.card.in_(CARDS))


def card_counts(session: Any, scope: Scope, today: date, settings: Mapping[str, Any],
                cache: "CountCache | None" = None) -> dict[str, int]:
    """``{card: number of cases}`` for every card of :data:`CARDS` over ALL rows in scope (one statement; none
    from ``cache`` while nothing in the scope changed — the badge, home page and card page share the entry)."""
    if cache is not None:
        return cache.get_or_build(scope, ("cards", today), lambda: card_counts(session, scope, today, settings))
    inner = card_select(select(Case.id), scope, today, settings).subquery()
    counts = dict(session.execute(select(inner.c.card, func.count()).group_by(inner.c.card)).all())
    return {card: int(counts.get(card, 0)) for card in CARDS}


def running_deadline() -> Any:
    """The day a running clock ends: the promised date, else the 补正 period's, else the §32 intake clock's."""
    return func.coalesce(Case.due_date, Case.supplement_due_date, Case.intake_due_date)


#: Planner settings for one statement: (name, value while walking the index).
_WALK = (("enable_hashjoin", "off"), ("enable_bitmapscan", "off"), ("enable_sort", "off"),
         ("max_parallel_workers_per_gather", "0"), ("jit", "off"), ("plan_cache_mode", "force_generic_plan"))


@contextmanager
def walk_in_due_order(session: Any, scope: Scope):
    """Run a page query ordered by due date along ``ix_gk_case_open_due`` on PostgreSQL, for wide scopes.

    For a county or township the planner prefers hashing every open case with the two ``gk_working_day`` rows
    and sorting them all (0.14 s at 100k cases, 1.4 s at 1M) — it cannot tell that the first index rows
    already pass the card filter. Switching hash joins, bitmap scans, sorts, parallel workers and JIT (which
    the disabled plans' high costs would trigger: 110 ms of compiling) off for the one statement
    (``set_config(…, true)``: this transaction only, reset after) makes it walk the index and stop after the
    page (0.4 ms at 1M cases). The plan is the same whatever the day and the scope, so the statement — prepared
    by psycopg after its fifth use on a connection — keeps one generic plan (``plan_cache_mode``) instead of
    being planned again on every page (``EXPLAIN``: 2.5 ms of planning for the county's 临期/超期 page at 1M
    cases; in-process the page went 12.2 → 11.5 ms, bench/README.md). A village's few open cases are found
    faster through the partial indexes of open cases by division (``ix_gk_case_open_accepting`` /
    ``_current`` / ``_implementing``): left alone.
    """
    wide = scope.prefix is None or len(scope.prefix) <= 9
    postgres = session.get_bind().dialect.name == "postgresql"
    if not (wide and postgres):
        yield
        return
    session.execute(select(*(func.set_config(name, value, True) for name, value in _WALK)))
    try:
        yield
    finally:
        settings = table("pg_settings", column("name"), column("reset_val"))
        session.execute(select(func.set_config(settings.c.name, settings.c.reset_val, True))
                        .where(settings.c.name.in_([name for name, _ in _WALK])))


def card_order() -> tuple[Any, ...]:
    """Page order: accepted cases by promised date — the most overdue red cards first, then the yellow ones (a
    red card's date is past, a yellow one's is not) — then the cases before acceptance (§32 intake clock,
    补正逾期) by id. It follows the partial index ``ix_gk_case_open_due``: a page walks the index and stops,
    with no sort of all carded rows (an order by the running deadline would sort 100k rows at 1M cases)."""
    return Case.due_date.asc().nulls_last(), Case.id


# -- short cache of counts (menu badges on every page) ------------------------------------------------------
#: Changes to cases flushed by this process: (generation, division codes the changed cases touch), newest last.
_changes: deque[tuple[int, frozenset[str]]] = deque(maxlen=512)
_generation = [0]
_changes_lock = threading.Lock()


def _codes(case: Any) -> set[str]:
    """The division codes a case touches now and touched before this flush (a forward changes the current one)."""
    codes = set()
    state = sa_inspect(case)
    for name in ("accepting_division_code", "current_division_code", "implementing_division_code"):
        history = state.attrs[name].history
        codes.update(c for c in (*history.added, *history.unchanged, *history.deleted) if c)
    return codes


def note_change(codes: set[str] | frozenset[str]) -> None:
    """Mark counts covering any of ``codes`` stale (an empty set: every count)."""
    with _changes_lock:
        _generation[0] += 1
        _changes.append((_generation[0], frozenset(codes)))


_TOUCHED = "govkit_cards_touched"


def touched(session: Any, case: Any) -> None:
    """Remember that ``session`` changes ``case``: at commit the counts of its scopes go stale."""
    session.info.setdefault(_TOUCHED, set()).update(_codes(case) or {""})


def _before_flush(session: Any, flush_context: Any, instances: Any) -> None:
    # Before the flush: attribute histories still show the codes a case moves away from.
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Case):
            touched(session, obj)


def _after_commit(session: Any) -> None:
    codes = session.info.pop(_TOUCHED, None)
    if codes is not None:
        note_change(set() if "" in codes else codes)


def _after_rollback(session: Any) -> None:
    session.info.pop(_TOUCHED, None)


def _after_bulk(context: Any) -> None:
    if getattr(context.mapper, "class_", None) is Case:
        context.session.info.setdefault(_TOUCHED, set()).add("")


#: On govkit's session factory (govkit.db.listen, via govkit.app): a committed transition invalidates the counts
#: of every scope it touches (a village clerk's badges survive a change in another village).
SESSION_LISTENERS = Listeners(("before_flush", _before_flush), ("after_commit", _after_commit),
                              ("after_rollback", _after_rollback), ("after_bulk_update", _after_bulk),
                              ("after_bulk_delete", _after_bulk))


def _stale(scope: Scope, since: int) -> bool:
    """Whether a case in ``scope`` changed in this process after generation ``since``."""
    if _generation[0] == since:
        return False
    changes = list(_changes)
    if not changes or changes[0][0] > since + 1:
        return True  # older than the remembered changes
    return any(gen > since and (not codes or any(scope.covers(c) for c in codes)) for gen, codes in changes)


class CountCache:
    """Counts per (scope, key) for ``ttl`` seconds, dropped when this process changes a case in the scope.

    Other workers' changes show within ``ttl`` (``BADGE_CACHE_SECONDS``); ``ttl <= 0`` disables it.
    """

    def __init__(self, ttl: float, max_entries: int = 4096) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._data: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, scope: Scope, key: Hashable, build: Callable[[], Any]) -> Any:
        if self.ttl <= 0:
            return build()
        entry = self._data.get((scope, key))
        if entry is not None and time.monotonic() < entry[0] and not _stale(scope, entry[1]):
            return entry[2]
        gen = _generation[0]  # read before building: a change flushed meanwhile makes the entry stale
        value = build()
        with self._lock:
            self._data[(scope, key)] = (time.monotonic() + self.ttl, gen, value)
            self._data.move_to_end((scope, key))
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return value


def app_count_cache(app: Any) -> CountCache:
    """The app's per-worker :class:`CountCache` (``BADGE_CACHE_SECONDS``), shared by badges and screens."""
    state = get_state(app)
    cache = state.cache.get("badge_counts")
    if cache is None:
        cache = state.cache.setdefault("badge_counts", CountCache(float(state.settings.get("BADGE_CACHE_SECONDS", 20))))
    return cache

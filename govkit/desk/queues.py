"""Work queues (待办): which cases wait for which user. Plain Python (SQLAlchemy, no Flask).

Each queue is a SQL condition on :class:`Case` for one actor, built from the case's
denormalised division codes, so a count is one indexed query. The queues only
*find* cases; what may be done with them is decided by the workflow engine
(:meth:`govkit.cases.workflow.Workflow.allowed_actions`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Mapping

from sqlalchemy import and_, case as sql_case, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from govkit.cases import states as S
from govkit.cases.cards import (CARDS, CountCache, card_counts, card_select, case_scope_clause, running_clause,
                                walk_in_due_order)
from govkit.cases.deadlines import with_status
from govkit.cases.models import Case
from govkit.cases.workflow import Actor

INTAKE, AGENT, HANDLER, DISPATCH, SUPERVISOR, ORGAN_HEAD = ("受理员", "代办员", "办理员", "指挥中心", "监察",
                                                           "机关负责人")


def _here(actor: Actor, column: Any):
    """The column equals the actor's own division (every division for an unrestricted user)."""
    if actor.scope.is_unrestricted:
        return true()
    if actor.division_code is None:
        return false()
    return column == actor.division_code


def _intake(actor: Actor):
    return and_(Case.state.in_((S.REGISTERED, S.SUPPLEMENT, S.ONLINE, S.ONLINE_SUPPLEMENT)),
                _here(actor, Case.accepting_division_code))


def _forward(actor: Actor):
    return and_(
        Case.state.in_((S.ACCEPTED, S.SIGNED, S.RETURNED)),
        _here(actor, Case.current_division_code),
        Case.current_division_code != Case.implementing_division_code,
    )


def _sign(actor: Actor):
    return and_(Case.state == S.FORWARDED, _here(actor, Case.current_division_code))


def _assign(actor: Actor):
    return and_(
        Case.state.in_((S.ACCEPTED, S.SIGNED)),
        _here(actor, Case.current_division_code),
        Case.current_division_code == Case.implementing_division_code,
    )


def _review(actor: Actor):
    # Every handler of the department the case is assigned to sees it (routing without dead ends),
    # and the named 承办人 too.
    mine = or_(Case.handler_id == actor.user_id,
               and_(Case.current_department_id.is_not(None), Case.current_department_id == actor.department_id))
    if actor.scope.is_unrestricted:
        mine = true()
    return and_(Case.state.in_((S.ASSIGNED, S.IN_REVIEW, S.SUSPENDED, S.APPROVED, S.DENIED)),
                _here(actor, Case.current_division_code), mine)


def _returned(actor: Actor):
    return and_(Case.state == S.RETURNED, _here(actor, Case.current_division_code))


def _extension(actor: Actor):
    # 行政许可法第四十二条: the implementing organ's head approves requested extensions.
    return and_(Case.state.in_((S.ASSIGNED, S.IN_REVIEW, S.SUSPENDED)), Case.extension_requested_days.is_not(None),
                _here(actor, Case.implementing_division_code))


def _deliver(actor: Actor):
    return and_(Case.state == S.COMPLETED, _here(actor, Case.accepting_division_code))


def _due(actor: Actor):
    # Every case with a running clock in scope — the promised deadline, or before acceptance the §32
    # intake clock and the applicant's 补正 period; the card filter is added in SQL (govkit.cases.cards).
    return running_clause()


@dataclass(frozen=True)
class Queue:
    """A named work queue: label, the roles it is shown to, and its SQL condition."""

    name: str
    label: str
    roles: tuple[str, ...]
    condition: Callable[[Actor], Any]
    cards: tuple[str, ...] = ()  # restrict to these deadline cards (due soon / overdue)
    hint: str = ""
    #: Collections of the page's cases its action buttons read, loaded for the whole page in one statement each
    #: (the 补正 guard reads the pauses; approving an extension, the events: not by its requester).
    loads: tuple[str, ...] = ("pauses",)


QUEUES: dict[str, Queue] = {q.name: q for q in (
    Queue("intake", "待受理", (INTAKE, AGENT), _intake, hint="已登记或待补正、尚未作出受理决定的办件"),
    Queue("forward", "待上报", (INTAKE, AGENT, HANDLER, DISPATCH), _forward,
          hint="本单位已受理或已签收、须上报上级的办件"),
    Queue("sign", "待签收", (INTAKE, HANDLER, DISPATCH), _sign, hint="下级上报到本单位、等待签收的办件"),
    Queue("assign", "待分派", (DISPATCH,), _assign, hint="已到实施机关、等待分派窗口的办件"),
    Queue("review", "待审查", (HANDLER,), _review, hint="分派给我或我所在窗口的办件"),
    Queue("extension", "待批准延期", (ORGAN_HEAD,), _extension, hint="承办人申请延期、等待本机关负责人批准的办件",
          loads=("pauses", "events")),
    Queue("returned", "被退回", (INTAKE, AGENT, HANDLER, DISPATCH), _returned, hint="上级退回本单位、需补充情况的办件"),
    Queue("deliver", "待送达", (INTAKE, AGENT, HANDLER), _deliver, hint="已办结、等待送达申请人的办件"),
    Queue("due", "临期/超期", (INTAKE, AGENT, HANDLER, DISPATCH, ORGAN_HEAD, SUPERVISOR), _due, CARDS,
          hint="黄牌（临近期限）、红牌（已超期）和特别程序超时的办件，含五个工作日受理审查期将满或已过、补正逾期的办件"),
)}


def queues_for(actor: Actor) -> list[Queue]:
    """The queues shown to ``actor`` (by role; Admin sees all)."""
    return [q for q in QUEUES.values() if actor.has_role(*q.roles)]


def queue_select(actor: Actor, queue: Queue, today: date, settings: Mapping[str, Any], query: Any = None):
    """``select(Case, remaining, card)`` of the queue, in scope, not yet ordered."""
    query = select(Case) if query is None else query
    if queue.cards:  # the 临期/超期 queue: the cards of govkit.cases.cards, the same rows the card page lists
        return card_select(query, actor.scope, today, settings).where(queue.condition(actor))
    return with_status(query, today, settings).where(queue.condition(actor), case_scope_clause(actor.scope))


#: Orders a queue page offers; "due" walks the partial index ix_gk_case_open_due (open cases by due date).
SORTS = {
    "due": (Case.due_date.asc().nulls_last(), Case.id),
    "-due": (Case.due_date.desc().nulls_first(), Case.id.desc()),
    "new": (Case.registered_at.desc(), Case.id.desc()),
    "old": (Case.registered_at, Case.id),
}


def queue_page(session: Session, actor: Actor, name: str, today: date, settings: Mapping[str, Any], *,
               sort: str = "due", limit: int = 50, offset: int = 0) -> list[tuple[Case, int | None, str]]:
    """One page of a queue: ``(case, remaining working days, card)``, by due date by default.

    The case's item (``implementation``) comes in the same statement, and what the rows' action buttons read
    (:attr:`Queue.loads`: the pauses for the 补正 guard, which was one query per case before acceptance) in one
    more each: the page costs the same statements whatever its size.
    """
    queue = QUEUES[name]
    query = queue_select(actor, queue, today, settings).options(
        joinedload(Case.implementation), *(selectinload(getattr(Case, load)) for load in queue.loads))
    query = query.order_by(*SORTS.get(sort, SORTS["due"])).limit(limit).offset(offset)
    if sort in ("due", "-due"):
        with walk_in_due_order(session, actor.scope):
            return [(row[0], row[1], row[2]) for row in session.execute(query)]
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def _count_all(session: Session, actor: Actor, queues: list[Queue], today: date,
               settings: Mapping[str, Any], cache: CountCache | None = None) -> dict[str, int]:
    """Every queue's count in at most two statements: one ``count(*) FILTER`` row for the plain queues, and
    :func:`govkit.cases.cards.card_counts` (one GROUP BY over all rows) for the 临期/超期 queue."""
    counts: dict[str, int] = {}
    plain = [q for q in queues if not q.cards]
    if plain:
        columns = [func.coalesce(func.sum(sql_case((q.condition(actor), 1), else_=0)), 0) for q in plain]
        row = session.execute(select(*columns).select_from(Case).where(
            or_(*(q.condition(actor) for q in plain)), case_scope_clause(actor.scope))).one()
        counts.update({q.name: int(n) for q, n in zip(plain, row)})
    for queue in queues:
        if queue.cards:
            counts[queue.name] = sum(card_counts(session, actor.scope, today, settings, cache).values())
    return {q.name: counts[q.name] for q in queues}


def queue_counts(session: Session, actor: Actor, today: date, settings: Mapping[str, Any],
                 cache: CountCache | None = None) -> dict[str, int]:
    """Number of cases in each of the actor's queues (at most two statements; with ``cache``, none while
    nothing in the actor's scope changed and the entry is younger than its TTL)."""
    queues = queues_for(actor)
    if cache is None:
        return _count_all(session, actor, queues, today, settings)
    key = ("queues", actor.user_id, actor.division_code, actor.department_id, tuple(q.name for q in queues), today)
    return cache.get_or_build(actor.scope, key, lambda: _count_all(session, actor, queues, today, settings, cache))

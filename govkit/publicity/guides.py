"""Public catalog queries: division picker, items at a level, search, service guide (办事指南)
and the 六公开 board of a service centre. Only published, currently effective
implementations are public. Plain Python: no Flask imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from govkit.catalog.models import Implementation, ImplementationStatus, ServiceItem
from govkit.hierarchy.models import Department, Division, ServiceCentre, Staff
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date

PUBLISHED = ImplementationStatus.PUBLISHED.value


def _effective(today: date):
    return and_(
        Implementation.status == PUBLISHED,
        or_(Implementation.effective_from.is_(None), Implementation.effective_from <= today),
        or_(Implementation.effective_to.is_(None), Implementation.effective_to >= today),
    )


def _latest_only(rows: list[Implementation]) -> list[Implementation]:
    """Keep the highest published version per implementation code."""
    best: dict[str, Implementation] = {}
    for row in rows:
        if row.code not in best or row.version > best[row.code].version:
            best[row.code] = row
    return sorted(best.values(), key=lambda r: (r.item.basic_code if r.item else "", r.code))


def division_by_code(session: Session, code: str | None) -> Division | None:
    return session.scalar(select(Division).where(Division.code == code)) if code else None


def children(session: Session, division: Division) -> list[Division]:
    """Active direct children of ``division`` (townships of a county, villages of a township)."""
    return list(session.scalars(
        select(Division).where(Division.parent_id == division.id, Division.active.is_(True)).order_by(Division.code)
    ))


def ancestors(division: Division, stop_level: int = 3) -> list[Division]:
    """``division`` and its parents up to ``stop_level`` (the county), county first."""
    chain = []
    node: Division | None = division
    while node is not None:
        chain.append(node)
        if node.level <= stop_level:
            break
        node = node.parent
    return list(reversed(chain))


def items_at(session: Session, division: Division, today: date | None = None) -> list[Implementation]:
    """Implementations offered at exactly this division (its own level)."""
    rows = session.scalars(
        select(Implementation).options(selectinload(Implementation.item))
        .where(Implementation.division_id == division.id, _effective(today or local_date()))
    )
    return _latest_only(list(rows))


def search(session: Session, words: str, within: Division | None = None, today: date | None = None,
           limit: int = 100) -> list[Implementation]:
    """Implementations whose name, pinyin initials (最低生活保障 → zdshbz) or item synonyms (低保) contain ``words``."""
    words = (words or "").strip()[:50]
    if not words:
        return []
    query = (select(Implementation).join(ServiceItem, ServiceItem.id == Implementation.item_id)
             .options(selectinload(Implementation.item))
             .where(_effective(today or local_date()),
                    or_(ServiceItem.name.contains(words, autoescape=True),
                        ServiceItem.synonyms.contains(words, autoescape=True),
                        Implementation.name.contains(words, autoescape=True),
                        func.lower(ServiceItem.pinyin_initials).contains(words.lower(), autoescape=True),
                        func.lower(Implementation.pinyin_initials).contains(words.lower(), autoescape=True))))
    if within is not None:
        query = query.join(Division, Division.id == Implementation.division_id).where(
            Scope.for_division(within.code).clause(Division.code))
    return _latest_only(list(session.scalars(query.limit(limit * 3))))[:limit]


def public_guide(session: Session, implementation_id: int, today: date | None = None) -> Implementation | None:
    """One published implementation with everything its guide shows, or None."""
    row = session.scalar(
        select(Implementation)
        .options(selectinload(Implementation.item).selectinload(ServiceItem.legal_bases),
                 selectinload(Implementation.materials), selectinload(Implementation.steps),
                 selectinload(Implementation.fees), selectinload(Implementation.special_procedures))
        .where(Implementation.id == implementation_id, _effective(today or local_date()))
    )
    return row


@dataclass(frozen=True)
class StaffLine:
    """A staff member as the board shows them: name, duty, window and public contact only."""

    name: str
    duty: str
    window: str | None
    contact: str | None


@dataclass(frozen=True)
class Board:
    """The 六公开 board of one service centre."""

    centre: ServiceCentre
    division: Division
    implementations: list[Implementation]
    staff: list[StaffLine]


def centres_of(session: Session, division: Division) -> list[ServiceCentre]:
    return list(session.scalars(select(ServiceCentre).where(ServiceCentre.division_id == division.id)
                                .order_by(ServiceCentre.id)))


def board(session: Session, centre_id: int, today: date | None = None) -> Board | None:
    """Items, procedures, materials, time limits, fees and staff on duty of a centre."""
    centre = session.get(ServiceCentre, centre_id)
    if centre is None:
        return None
    rows = session.scalars(
        select(Implementation)
        .options(selectinload(Implementation.item), selectinload(Implementation.materials),
                 selectinload(Implementation.steps), selectinload(Implementation.fees))
        .where(Implementation.division_id == centre.division_id, _effective(today or local_date()))
    )
    people = session.execute(
        select(Staff.name, Staff.duty, Department.name, Department.window_no, Staff.public_contact)
        .outerjoin(Department, Department.id == Staff.department_id)
        .where(Staff.division_id == centre.division_id, Staff.on_duty.is_(True),
               or_(Department.centre_id.is_(None), Department.centre_id == centre.id))
        .order_by(Department.window_no, Staff.name)
    )
    staff = [StaffLine(name, duty, " ".join(p for p in (dept, f"{window}号窗口" if window else None) if p) or None,
                       contact) for name, duty, dept, window, contact in people]
    return Board(centre, centre.division, _latest_only(list(rows)), staff)

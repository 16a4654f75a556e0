"""Who issues a case's documents (出具文书的实施机关) and who received the application on its behalf.

A village service point receives applications; it does not decide.  行政许可法 §32 (受理),
§38 (决定) and §44 (送达) are acts of the organ that implements the item, so every
document names that organ (:class:`~govkit.hierarchy.models.Organ`: the implementation's
division + department) as issuer, uses its seal, and names the receiving point only as
such (``柳湾村便民服务站代收``).  An organ that lacks a field a document needs is refused at
issue time with :class:`~govkit.errors.OrganIncomplete` naming the organ and the field.

Plain Python, no Flask: :func:`organ_for_case` takes any object with ``implementation``
(``division_id``, ``department_id``, ``division``, ``department``, ``implementing_body``),
``accepting_division_id`` and ``accepting_division`` — a :class:`~govkit.cases.models.Case`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.errors import OrganIncomplete
from govkit.hierarchy.models import ORGAN_REQUIRED_FIELDS, Department, Division, Organ, ServiceCentre

__all__ = ["IssuingOrgan", "REQUIRED_FIELDS", "missing_fields", "organ_for_case", "organ_row", "organ_label",
           "incomplete_organs", "ensure_organs", "centre_name"]

#: What each issued document needs of its organ (field → Chinese name).
REQUIRED_FIELDS = ORGAN_REQUIRED_FIELDS


@dataclass(frozen=True)
class IssuingOrgan:
    """The organ a document is issued in the name of, as the document needs it."""

    organ_id: int
    name: str  # 全称，如“示范县民政局”
    division_code: str
    seal_p12_path: str
    seal_passphrase_env: str
    seal_image_path: str
    review_body: str
    court: str
    phone: str
    #: The receiving point (受理点), e.g. 柳湾村便民服务站; "" when the organ received it itself.
    receiving_point: str = ""

    @property
    def received_on_behalf(self) -> str:
        """``柳湾村便民服务站代收`` when another unit received the application, else ""."""
        return f"{self.receiving_point}代收" if self.receiving_point else ""


def missing_fields(organ: Organ | None) -> list[str]:
    """Chinese names of the :data:`REQUIRED_FIELDS` ``organ`` lacks (all of them when there is no row)."""
    return list(REQUIRED_FIELDS.values()) if organ is None else organ.missing


def organ_label(division: Division, department: Department | None) -> str:
    """How an organ is named in messages before it has a full name: ``示范县 · 民政局``."""
    return f"{division.name} · {department.name}" if department is not None else f"{division.name}人民政府"


def organ_row(session: Session, division_id: int, department_id: int | None) -> Organ | None:
    """The organ row of a division (+ department), or None when none was configured."""
    query = select(Organ).where(Organ.division_id == division_id)
    query = query.where(Organ.department_id.is_(None) if department_id is None
                        else Organ.department_id == department_id)
    return session.scalars(query.limit(1)).first()


def centre_name(division_id: Any) -> Any:
    """The name of the first service centre of division ``division_id`` (a value or a column), as a scalar subquery."""
    return (select(ServiceCentre.name).where(ServiceCentre.division_id == division_id)
            .order_by(ServiceCentre.id).limit(1).scalar_subquery())


def _receiving_point(session: Session, case: Any, implementing_division_id: int, centre: Any) -> str:
    if case.accepting_division_id == implementing_division_id:
        return ""
    if centre is _UNKNOWN:
        centre = session.scalar(select(centre_name(case.accepting_division_id)))
    return centre or case.accepting_division.name


_UNKNOWN: Any = object()


def organ_for_case(session: Session, case: Any, *, row: Organ | None = _UNKNOWN, centre: str | None = _UNKNOWN
                   ) -> IssuingOrgan:
    """The implementing organ of ``case``'s item with what documents need.

    ``row`` (the organ row, or None) and ``centre`` (:func:`centre_name` of the receiving division,
    or None) when the caller loaded them already (the issue path loads them with the case's
    implementation in one statement); otherwise one query each.
    Raises :class:`~govkit.errors.OrganIncomplete` naming the organ and every missing field.
    """
    impl = case.implementation
    if row is _UNKNOWN:
        row = organ_row(session, impl.division_id, impl.department_id)
    missing = missing_fields(row)
    if missing:
        name = (row.full_name if row is not None and row.full_name else None) or impl.implementing_body \
            or organ_label(impl.division, impl.department)
        raise OrganIncomplete(
            f"实施机关“{name}”的文书信息不完整，缺少：{'、'.join(missing)}。"
            "请系统管理员在“层级管理 → 实施机关”中补全后再出具文书。",
            organ=name, missing=missing,
        )
    return IssuingOrgan(
        organ_id=row.id, name=row.full_name.strip(), division_code=impl.division.code,
        seal_p12_path=row.seal_p12_path or "", seal_passphrase_env=row.seal_passphrase_env or "",
        seal_image_path=row.seal_image_path or "", review_body=row.review_body.strip(), court=row.court.strip(),
        phone=row.phone.strip(), receiving_point=_receiving_point(session, case, impl.division_id, centre),
    )


def incomplete_organs(session: Session, pairs: list[tuple[int, int | None]]) -> list[tuple[str, list[str]]]:
    """``(organ label, missing fields)`` for each (division id, department id) pair that is incomplete."""
    out = []
    for division_id, department_id in sorted(set(pairs), key=lambda p: (p[0], p[1] or 0)):
        row = organ_row(session, division_id, department_id)
        missing = missing_fields(row)
        if missing:
            if row is not None and row.full_name:
                label = row.full_name
            else:
                division = session.get(Division, division_id)
                label = organ_label(division, session.get(Department, department_id) if department_id else None)
            out.append((label, missing))
    return out


def ensure_organs(session: Session, pairs: list[tuple[int, int | None]]) -> int:
    """Add an empty organ row for each (division id, department id) that has none, so the admin
    list shows it as incomplete; returns how many were added.  The caller commits."""
    added = 0
    for division_id, department_id in sorted(set(pairs), key=lambda p: (p[0], p[1] or 0)):
        if organ_row(session, division_id, department_id) is None:
            session.add(Organ(division_id=division_id, department_id=department_id))
            session.flush()
            added += 1
    return added

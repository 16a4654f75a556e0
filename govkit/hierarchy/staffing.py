"""无人可办: departments, windows and divisions with nobody who can act on their queue.

Routing without dead ends (DESIGN §2.3): a case assigned to a department (窗口) waits in the
待审查 queue of that department's on-duty 办理员; a case forwarded to a division waits for its
指挥中心 to sign for and assign it; a service centre's cases wait for its 受理员. The admin
screens show a warning for every unit in scope where that queue has nobody. Plain Python, no Flask.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.hierarchy.models import Department, Division, Duty, ServiceCentre, Staff
from govkit.hierarchy.scope import Scope


def _staffed(session: Session, duty: Duty, column) -> set[int]:
    return set(session.scalars(select(column).where(Staff.duty == duty.value, Staff.on_duty.is_(True))))


def unstaffed_warnings(session: Session, scope: Scope, limit: int = 50) -> list[str]:
    """One message per department, window or division in ``scope`` whose queue nobody can work (无人可办)."""
    messages: list[str] = []
    handled = _staffed(session, Duty.HANDLER, Staff.department_id)
    dispatched = _staffed(session, Duty.DISPATCH, Staff.division_id)
    received = _staffed(session, Duty.INTAKE, Staff.division_id)
    departments = session.execute(
        select(Department.name, Department.window_no, Department.id, Division.name, Division.id)
        .join(Division, Division.id == Department.division_id).where(scope.clause(Division.code))
        .order_by(Division.code, Department.name)).all()
    for name, window, department_id, division, _ in departments:
        if department_id not in handled:
            label = f"{name}（{window}）" if window else name
            messages.append(f"无人可办：{division}的部门（窗口）“{label}”没有在岗的办理员，分派到这里的办件无人审查。")
    for division, division_id in sorted({(row[3], row[4]) for row in departments}):
        if division_id not in dispatched:
            messages.append(f"无人可办：{division}设有部门（窗口）但没有在岗的指挥中心人员，上报到这里的办件无人签收、分派。")
    centres = session.execute(
        select(Division.name, Division.id).join(ServiceCentre, ServiceCentre.division_id == Division.id)
        .where(scope.clause(Division.code)).distinct().order_by(Division.name)).all()
    for division, division_id in centres:
        if division_id not in received:
            messages.append(f"无人可办：{division}设有服务中心（站）但没有在岗的受理员，申请无人受理。")
    return messages[:limit]

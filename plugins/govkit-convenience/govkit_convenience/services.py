"""Plain-Python rules of the registrations (no Flask): complete, cancel, summarise."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.toolkit import Division, InvalidTransition, Scope, utcnow

from govkit_convenience.models import MODELS


def complete(record, when: datetime | None = None) -> None:
    """Mark a registration done (已完成): bill paid, parcel picked up, produce delivered."""
    if record.status != "已登记":
        raise InvalidTransition(f"这条登记的状态是“{record.status}”，只有“已登记”的才能标记为已完成。")
    record.status = "已完成"
    record.completed_at = when or utcnow()


def cancel(record) -> None:
    """Cancel a registration that is not done yet (已取消)."""
    if record.status != "已登记":
        raise InvalidTransition(f"这条登记的状态是“{record.status}”，只有“已登记”的才能取消。")
    record.status = "已取消"


def summary(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """Count of registrations per kind and status inside ``scope`` (for the overview page)."""
    result: dict[str, dict[str, int]] = {}
    for model in MODELS:
        rows = session.execute(
            select(model.status, func.count()).join(Division, Division.id == model.division_id)
            .where(scope.clause(Division.code)).group_by(model.status)
        ).all()
        result[model.__doc__.split(":")[0].strip()] = {status: count for status, count in rows}
    return result


def complete_all(records: Iterable) -> int:
    """Complete every still-open record; returns how many changed."""
    changed = 0
    for record in records:
        if record.status == "已登记":
            complete(record)
            changed += 1
    return changed

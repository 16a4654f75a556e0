"""Paper transfer batches (纸质资料交接): bundle originals, send hop by hop, sign for each hop.

A batch starts at the clerk's division (``origin``) and travels up, one level per
hop, to its destination (the township or county that decides the cases). Every
hop is sent by the holder and signed for by the receiving division; the transfer
list (交接单) prints the cases and the hops. Plain Python, no Flask.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.models import Case
from govkit.orm import utcnow
from govkit.desk.attachments import case_in_scope
from govkit.desk.models import TransferBatch, TransferHop, TransferItem, TransferStatus
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.codes import parent_code
from govkit.hierarchy.scope import Scope


def batch_scope_clause(scope: Scope):
    """SQL condition: the batch starts, ends or is currently headed inside the scope."""
    return or_(
        scope.clause(TransferBatch.origin_division_code),
        scope.clause(TransferBatch.destination_division_code),
        scope.clause(TransferBatch.current_to_code),
    )


def _is_ancestor(ancestor: str, code: str) -> bool:
    parent = parent_code(code)
    while parent:
        if parent == ancestor:
            return True
        parent = parent_code(parent)
    return False


def get_batch(session: Session, scope: Scope, batch_id: int) -> TransferBatch:
    """The batch when it touches the scope, else :class:`OutOfScope` (404)."""
    batch = session.get(TransferBatch, batch_id)
    if batch is None or not any(
        scope.covers(c) for c in (batch.origin_division_code, batch.destination_division_code, batch.current_to_code)
    ):
        raise OutOfScope("交接批次不存在或不在您的管辖范围内。")
    return batch


def create_batch(
    session: Session,
    scope: Scope,
    *,
    destination_code: str,
    case_ids: Iterable[int],
    user_id: int | None,
    sheets: dict[int, int] | None = None,
    note: str | None = None,
) -> TransferBatch:
    """Bundle the originals of ``case_ids`` into a draft batch from the user's division."""
    origin = scope.division_code
    if origin is None:
        raise PermissionDenied("只有归属某个区划的工作人员才能发起纸质资料交接。")
    if not _is_ancestor(destination_code, origin):
        raise ValidationError("接收单位必须是本单位的上级（乡镇或县级），请重新选择。")
    ids = sorted(set(case_ids))
    if not ids:
        raise ValidationError("请至少勾选一个办件再生成交接批次。")
    batch = TransferBatch(
        number=f"tmp-{origin}-{utcnow().timestamp()}",
        status=TransferStatus.DRAFT,
        origin_division_code=origin,
        destination_division_code=destination_code,
        created_by_id=user_id,
        note=note,
    )
    session.add(batch)
    for case_id in ids:
        add_case(session, scope, batch, case_id, sheets=(sheets or {}).get(case_id, 1))
    session.flush()
    batch.number = f"JJ{origin}{batch.id:06d}"
    return batch


def add_case(session: Session, scope: Scope, batch: TransferBatch, case_id: int, sheets: int = 1) -> TransferItem:
    """Add one case to a draft batch (a case travels in one open batch at a time)."""
    if batch.status != TransferStatus.DRAFT:
        raise InvalidTransition("批次已发出，不能再添加办件。请另建一个交接批次。")
    case = session.get(Case, case_id)
    if case is None or not case_in_scope(scope, case):
        raise OutOfScope("办件不存在或不在您的管辖范围内。")
    if sheets < 1:
        raise ValidationError(f"办件 {case.number} 的页数应至少为 1。")
    busy = session.scalar(
        select(TransferBatch.number)
        .join(TransferItem, TransferItem.batch_id == TransferBatch.id)
        .where(TransferItem.case_id == case_id, TransferBatch.status.in_(TransferStatus.OPEN),
               TransferBatch.id != batch.id)
        .limit(1)
    )
    if busy:
        raise ValidationError(f"办件 {case.number} 的纸质材料已在交接批次 {busy} 中，不能重复交接。")
    item = TransferItem(case_id=case.id, sheets=sheets)
    batch.items.append(item)
    return item


def send(
    session: Session,
    scope: Scope,
    batch: TransferBatch,
    *,
    user_id: int | None,
    user_name: str,
    today: date,
    carrier: str | None = None,
) -> TransferHop:
    """Send the batch one level up from its holder (草稿/待转交 → 在途)."""
    holder = batch.origin_division_code if batch.status == TransferStatus.DRAFT else batch.current_to_code
    if batch.status not in (TransferStatus.DRAFT, TransferStatus.AWAITING):
        raise InvalidTransition(f"批次 {batch.number} 当前状态为“{batch.status}”，不能发出。")
    if not (scope.is_unrestricted or scope.division_code == holder):
        raise PermissionDenied("只有当前持有这批纸质材料的单位才能发出。")
    if not batch.items:
        raise ValidationError("批次中没有办件，不能发出。")
    to_code = parent_code(holder)
    hop = TransferHop(
        seq=len(batch.hops) + 1, from_code=holder, to_code=to_code, sent_on=today,
        sent_by_id=user_id, sent_by_name=user_name, carrier=carrier,
    )
    batch.hops.append(hop)
    batch.status = TransferStatus.IN_TRANSIT
    batch.current_from_code, batch.current_to_code, batch.last_moved_on = holder, to_code, today
    session.flush()
    return hop


def sign_for(
    session: Session,
    scope: Scope,
    batch: TransferBatch,
    *,
    user_id: int | None,
    user_name: str,
    today: date,
    note: str | None = None,
) -> TransferHop:
    """The receiving division signs for the hop under way (签收)."""
    if batch.status != TransferStatus.IN_TRANSIT or not batch.hops:
        raise InvalidTransition(f"批次 {batch.number} 当前状态为“{batch.status}”，没有待签收的交接。")
    hop = batch.hops[-1]
    if not (scope.is_unrestricted or scope.division_code == hop.to_code):
        raise PermissionDenied("只有接收单位的工作人员才能签收这批纸质材料。")
    hop.received_at, hop.received_by_id, hop.received_by_name, hop.note = utcnow(), user_id, user_name, note
    batch.status = (
        TransferStatus.RECEIVED if hop.to_code == batch.destination_division_code else TransferStatus.AWAITING
    )
    batch.last_moved_on = today
    session.flush()
    return hop


def overdue_cutoff(calendar: WorkingCalendar, today: date, days: int) -> date:
    """Latest date of a last movement that is more than ``days`` working days before ``today``."""
    day, counted = today, 0
    while True:
        counted += calendar.is_working_day(day)
        day -= timedelta(days=1)
        if counted > days:
            return day


def overdue_batches(
    session: Session, scope: Scope, calendar: WorkingCalendar, today: date, days: int
) -> list[TransferBatch]:
    """Batches on the way (在途/待转交) whose last movement is more than ``days`` working days old."""
    cutoff = overdue_cutoff(calendar, today, days)
    return list(
        session.scalars(
            select(TransferBatch)
            .where(
                TransferBatch.status.in_((TransferStatus.IN_TRANSIT, TransferStatus.AWAITING)),
                TransferBatch.last_moved_on <= cutoff,
                batch_scope_clause(scope),
            )
            .order_by(TransferBatch.last_moved_on, TransferBatch.id)
        )
    )


def batches_to_sign(session: Session, scope: Scope) -> list[TransferBatch]:
    """Batches headed to the user's own division and not yet signed for."""
    if scope.division_code is None and not scope.is_unrestricted:
        return []
    query = select(TransferBatch).where(TransferBatch.status == TransferStatus.IN_TRANSIT)
    if not scope.is_unrestricted:
        query = query.where(TransferBatch.current_to_code == scope.division_code)
    return list(session.scalars(query.order_by(TransferBatch.last_moved_on, TransferBatch.id)))


def list_batches(session: Session, scope: Scope, status: str | None = None, limit: int = 200) -> list[TransferBatch]:
    query = select(TransferBatch).where(batch_scope_clause(scope))
    if status:
        query = query.where(TransferBatch.status == status)
    return list(session.scalars(query.order_by(TransferBatch.id.desc()).limit(limit)))

"""Complaints and suggestions (投诉/意见) from the public.

A complaint is routed to the supervising unit of the division it concerns (a village's
township, a township's county, a county itself); the complainant gets a number and a
lookup code (shown once, stored only as a hash) to read the reply. States: 已受理 → 办理中
→ 已答复 → 已关闭. Plain Python: no Flask imports.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.orm import utcnow
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date
from govkit.publicity.models import Complaint

RECEIVED, HANDLING, REPLIED, CLOSED = "已受理", "办理中", "已答复", "已关闭"
STATES = (RECEIVED, HANDLING, REPLIED, CLOSED)
KINDS = ("投诉", "意见")
HANDLER_ROLE = "监察"
MAX_CONTENT = 2000


def supervising_code(division: Division) -> str:
    """The unit that supervises ``division``: its parent for townships and villages, else itself."""
    if division.level >= 4 and division.parent is not None:
        return division.parent.code
    return division.code


def _hash(number: str, code: str) -> str:
    return hmac.new(number.encode(), code.encode(), hashlib.sha256).hexdigest()


def file_complaint(session: Session, *, kind: str, division_code: str, subject: str, content: str,
                   contact: str | None = None, case_number: str | None = None,
                   today: date | None = None) -> tuple[Complaint, str]:
    """Register a complaint; return it and its lookup code (the only time the code is known)."""
    if kind not in KINDS:
        raise ValidationError("请选择类型：投诉或意见。")
    division = session.scalar(select(Division).where(Division.code == (division_code or "")))
    if division is None:
        raise ValidationError("请选择所涉及的乡镇或村（社区）。")
    subject, content = (subject or "").strip(), (content or "").strip()
    if not subject or not content:
        raise ValidationError("请填写标题和具体内容。")
    if len(subject) > 200 or len(content) > MAX_CONTENT:
        raise ValidationError(f"标题最多 200 字，内容最多 {MAX_CONTENT} 字，请精简后再提交。")
    day = (today or local_date()).strftime("%Y%m%d")  # dated in Beijing, whatever the server's zone
    prefix = "TS" if kind == "投诉" else "YJ"
    while True:
        number = f"{prefix}{day}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(Complaint.id).where(Complaint.number == number)) is None:
            break
    code = f"{secrets.randbelow(10**6):06d}"
    complaint = Complaint(number=number, lookup_hash=_hash(number, code), kind=kind, division_code=division.code,
                          supervising_code=supervising_code(division), subject=subject, content=content,
                          contact=(contact or "").strip()[:100] or None,
                          case_number=(case_number or "").strip()[:32] or None, state=RECEIVED)
    session.add(complaint)
    session.flush()
    return complaint, code


_DUMMY_HASH = _hash("TS00000000000000", "000000")


def lookup(session: Session, number: str, code: str) -> Complaint | None:
    """The complaint with ``number`` if ``code`` matches, else None (same work either way)."""
    number, code = (number or "").strip().upper()[:32], (code or "").strip()[:16]
    complaint = session.scalar(select(Complaint).where(Complaint.number == number)) if number else None
    expected = complaint.lookup_hash if complaint is not None else _DUMMY_HASH
    ok = hmac.compare_digest(expected, _hash(number, code))
    return complaint if (complaint is not None and ok) else None


def _check_handler(scope: Scope, complaint: Complaint) -> None:
    scope.check(complaint.supervising_code)
    if not scope.has_role(HANDLER_ROLE):
        raise PermissionDenied("只有监察人员可以办理投诉和意见。")


def start_handling(session: Session, scope: Scope, complaint: Complaint) -> Complaint:
    """已受理 → 办理中."""
    _check_handler(scope, complaint)
    if complaint.state != RECEIVED:
        raise InvalidTransition(f"当前状态为“{complaint.state}”，只有“已受理”的件可以开始办理。")
    complaint.state = HANDLING
    session.flush()
    return complaint


def reply(session: Session, scope: Scope, complaint: Complaint, *, text: str, actor: str) -> Complaint:
    """Write the reply the complainant will read (已受理/办理中 → 已答复)."""
    _check_handler(scope, complaint)
    if complaint.state not in (RECEIVED, HANDLING):
        raise InvalidTransition(f"当前状态为“{complaint.state}”，不能再答复。")
    if not (text or "").strip():
        raise ValidationError("请填写答复内容。")
    complaint.state, complaint.reply, complaint.replied_by, complaint.replied_at = (
        REPLIED, text.strip(), actor, utcnow())
    session.flush()
    return complaint


def close(session: Session, scope: Scope, complaint: Complaint) -> Complaint:
    """已答复 → 已关闭."""
    _check_handler(scope, complaint)
    if complaint.state != REPLIED:
        raise InvalidTransition("答复后才能关闭。")
    complaint.state = CLOSED
    session.flush()
    return complaint

"""Applicant accounts as staff see them (申请人账号管理): a scoped list, search, lock and unlock. No Flask.

Scope: an Admin sees every account; a 受理员 sees the accounts that have a case in their scope (accepted,
held or implemented there — the same rule as the case lists), so a township clerk cannot browse the county's
citizens. Lists never show an ID number or a phone in full (masked as on every desk list, 个人信息保护法
第五十一条 asks for such measures). Locking (停用) ends the account's sessions (``session_epoch``) and keeps it
from logging in until unlocked; the screen writes the audit entry (govkit.audit).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from govkit.cases.cards import case_scope_clause
from govkit.cases.models import Case
from govkit.errors import InvalidTransition, OutOfScope, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.online.models import Applicant

#: Rows on one page of the list.
PAGE_SIZE = 50
REASON_MAX = 200


def scope_clause(scope: Scope) -> Any:
    """SQL: the accounts ``scope`` may see (all when unrestricted; else those with a case in scope)."""
    if scope.is_unrestricted:
        return Applicant.id.is_not(None)
    owned = (Case.applicant_account_id == Applicant.id) | (Case.applicant_id_number == Applicant.id_number)
    return exists(select(Case.id).where(owned, case_scope_clause(scope)))


def search(session: Session, scope: Scope, text: str = "", *, page: int = 1) -> tuple[list[Applicant], bool]:
    """Accounts in scope whose name contains ``text`` or whose phone starts with it; (rows, more pages?)."""
    query = select(Applicant).where(scope_clause(scope))
    text = text.strip()[:50]
    if text:
        digits = text.replace(" ", "")
        query = query.where(or_(Applicant.name.contains(text, autoescape=True),
                                Applicant.phone.startswith(digits, autoescape=True)))
    page = max(1, page)
    rows = list(session.scalars(query.order_by(Applicant.id.desc()).offset((page - 1) * PAGE_SIZE)
                                .limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get(session: Session, scope: Scope, account_id: int) -> Applicant:
    """The account if ``scope`` may see it, else OutOfScope (answered 404)."""
    account = session.scalar(select(Applicant).where(Applicant.id == account_id, scope_clause(scope)))
    if account is None:
        raise OutOfScope("申请人账号不存在或不在您的管辖范围内。")
    return account


def set_locked(account: Applicant, locked: bool, reason: str = "") -> dict[str, Any]:
    """停用 (lock) or 启用 (unlock) an account; returns the audit entry's ``after``. Locking needs a reason
    and ends every session of the account."""
    reason = reason.strip()
    if locked and not reason:
        raise ValidationError("请填写停用原因（将记入审计日志）。", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"原因最多 {REASON_MAX} 字。", field="reason")
    if account.active != locked:
        raise InvalidTransition("该账号已停用。" if locked else "该账号未停用，无需启用。")
    account.active = not locked
    if locked:
        account.session_epoch += 1
    return {"active": account.active, "reason": reason or None}

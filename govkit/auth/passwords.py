"""The password policy (密码策略) for local accounts: length, not the name, not a common password.

Checked wherever a person sets a password on a screen (own change, an admin's reset). The list of
common passwords is the ``passwords`` frequency list shipped by the ``zxcvbn`` package from PyPI
(https://github.com/dwolfhub/zxcvbn-python, MIT licence; the 30,000 most frequent passwords of Mark
Burnett's "10 million passwords" set, as in Dropbox's zxcvbn), so an intranet deployment needs no download.
Plain Python: no Flask.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import delete
from sqlalchemy.orm import Session
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from govkit.auth.models import PasswordChangeRequired

MIN_LENGTH = 10
#: Where the list comes from (shown in docs/security.md and checked by the tests).
COMMON_PASSWORDS_SOURCE = "zxcvbn (PyPI, MIT): frequency list \"passwords\""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of common passwords, case-folded."""
    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def password_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with ``password`` for account ``username``, in Chinese; empty when acceptable."""
    problems = []
    text = password or ""
    if len(text) < MIN_LENGTH:
        problems.append(f"密码至少需要 {MIN_LENGTH} 个字符。")
    folded = text.strip().casefold()
    name = (username or "").strip().casefold()
    if name and (folded == name or name in folded and len(folded) - len(name) <= 4):
        problems.append("密码不能是用户名，也不能只在用户名前后加几个字符。")
    if folded in common_passwords():
        problems.append("这是一个常见密码，很容易被猜中，请换一个。")
    return problems


def require_change(session: Session, user_id: int, reason: str = "reset") -> None:
    """Make the user choose a new password at the next login (after an admin reset, or a seeded account)."""
    if session.get(PasswordChangeRequired, user_id) is None:
        session.add(PasswordChangeRequired(user_id=user_id, reason=reason))


def change_done(session: Session, user_id: int) -> None:
    """The user chose a new password: no forced change any more."""
    session.execute(delete(PasswordChangeRequired).where(PasswordChangeRequired.user_id == user_id))


def must_change(session: Session, user_id: int) -> bool:
    return session.get(PasswordChangeRequired, user_id) is not None

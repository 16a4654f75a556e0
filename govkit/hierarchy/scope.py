"""Access scope: which divisions a user may see and act on (plain Python, no Flask).

A user's scope is the subtree of their home division (a village clerk's subtree is
their own village). Every list, show/edit/delete, API, dropdown, export and
download filters rows with :meth:`Scope.clause` (a code range, so an index range
scan on SQLite and PostgreSQL) or checks one object with :meth:`Scope.covers`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from govkit.errors import OutOfScope
from govkit.hierarchy.codes import subtree_prefix
from govkit.hierarchy.models import Division, Staff

ADMIN_ROLE = "Admin"


@dataclass(frozen=True)
class Scope:
    """The division subtree and roles of one user. ``prefix=None`` means unrestricted."""

    user_id: int | None
    roles: frozenset[str]
    division_code: str | None
    prefix: str | None
    empty: bool = False

    @classmethod
    def unrestricted(cls, user_id: int | None = None, roles: frozenset[str] = frozenset({ADMIN_ROLE})) -> "Scope":
        return cls(user_id, roles, None, None)

    @classmethod
    def nothing(cls, user_id: int | None = None, roles: frozenset[str] = frozenset()) -> "Scope":
        return cls(user_id, roles, None, "", empty=True)

    @classmethod
    def for_division(cls, code: str, user_id: int | None = None, roles: frozenset[str] = frozenset()) -> "Scope":
        return cls(user_id, roles, code, subtree_prefix(code))

    @property
    def is_unrestricted(self) -> bool:
        return self.prefix is None and not self.empty

    def has_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names)) or ADMIN_ROLE in self.roles

    def covers(self, code: str | None) -> bool:
        """True when the division ``code`` lies in this scope."""
        if self.empty:
            return False
        if self.prefix is None:
            return True
        return bool(code) and code.startswith(self.prefix)

    @property
    def is_one_division(self) -> bool:
        """True when the scope is one division (a village: its code is the whole prefix)."""
        return not self.empty and self.prefix is not None and len(self.prefix) == 12

    def check(self, code: str | None) -> None:
        """Raise :class:`OutOfScope` (shown as 404) when ``code`` is outside the scope."""
        if not self.covers(code):
            raise OutOfScope("记录不存在或不在您的管辖范围内。")

    def clause(self, code_column: Any) -> ColumnElement[bool]:
        """SQL condition "code_column is in scope", written as a range for the index."""
        if self.empty:
            return false()
        if self.prefix is None:
            return true()
        pad = 12 - len(self.prefix)
        if not pad:  # a village: one code, so an index on (code, id) also yields its rows in id order
            return code_column == self.prefix
        return code_column.between(self.prefix + "0" * pad, self.prefix + "9" * pad)

    def division_id_clause(self, division_id_column: Any) -> ColumnElement[bool]:
        """SQL condition for tables that reference ``gk_division.id`` instead of a code."""
        if self.empty:
            return false()
        if self.prefix is None:
            return true()
        return division_id_column.in_(select(Division.id).where(self.clause(Division.code)))


def scope_for_user(session: Session, user: Any) -> Scope:
    """Build the scope of a FAB user (anonymous or without a staff record → empty scope)."""
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return Scope.nothing()
    roles = frozenset(role.name for role in getattr(user, "roles", []) or [])
    if ADMIN_ROLE in roles:
        return Scope.unrestricted(user.id, roles)
    row = session.execute(
        select(Division.code).join(Staff, Staff.division_id == Division.id).where(Staff.user_id == user.id)
    ).first()
    if row is None:
        return Scope.nothing(user.id, roles)
    return Scope.for_division(row[0], user.id, roles)

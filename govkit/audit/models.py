"""The audit entry table: one row per administrative change, chained by SHA-256 hashes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govkit.orm import Model, UTCDateTime

__all__ = ["AuditEntry"]


class AuditEntry(Model):
    """One administrative change (审计记录): who, when, which row, before/after, chained to the previous one.

    ``hash`` is SHA-256 over ``prev_hash`` and the canonical JSON of the other columns, so editing,
    deleting or reordering a row breaks the chain (``govkit audit verify``). On PostgreSQL the
    application role may only INSERT and SELECT here (``govkit audit lock-down``).
    """

    __tablename__ = "gk_audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    row_key: Mapped[str] = mapped_column(String(100), nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    before: Mapped[Optional[str]] = mapped_column(Text)
    after: Mapped[Optional[str]] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.table_name}:{self.row_key}"

"""The value passed to the ``case_event_committed`` hook after a transition commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CaseEventRecord:
    """A committed case transition, detached from any database session."""

    event_id: int
    case_id: int
    case_number: str
    item_code: str
    action: str
    from_state: str | None
    to_state: str
    actor: str
    role: str | None
    division_code: str | None
    at: datetime
    comment: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

"""Extensions of a case's time limit (延期), bounded by law.

行政许可法第四十二条: a decision is due within 20 working days of acceptance; where it cannot be
made in time, **the head of the administrative organ (本行政机关负责人)** may approve an extension
of **at most 10 working days**, once, and the applicant is told the reason (延期通知书). So:

* each implementation carries ``max_extensions`` and ``max_extension_days`` (None = the defaults
  below, which follow §42 for 行政许可 and are used for the other item types unless the catalog
  sets them — 0 forbids extensions);
* an extension is requested by the case's handler and approved by a 机关负责人 of the implementing
  organ who is not the requester;
* the statutory due date (法定期限) counts the legal days plus approved extensions, never more than
  the bound allows; the promised date (承诺期限) is computed separately from the promised days.

Plain Python over a session; no Flask.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, CaseEvent

#: 行政许可法第四十二条: one extension of at most 10 working days.
DEFAULT_MAX_EXTENSIONS = 1
DEFAULT_MAX_EXTENSION_DAYS = 10


def extension_bounds(implementation: Any) -> tuple[int, int]:
    """``(extensions allowed, working days each at most)`` for an implementation (§42 defaults)."""
    count = implementation.max_extensions
    days = implementation.max_extension_days
    return (DEFAULT_MAX_EXTENSIONS if count is None else max(count, 0),
            DEFAULT_MAX_EXTENSION_DAYS if days is None else max(days, 0))


def legal_extension_days(case: Case) -> int:
    """Extension days the statutory due date may count: approved days, capped by the law's bound."""
    count, days = extension_bounds(case.implementation)
    return min(case.extension_days or 0, count * days)


def approved_count(session: Session, case: Case) -> int:
    """Extensions approved so far (events ``extend``): counted in the loaded events when a page loaded them
    (a queue's action buttons, :attr:`govkit.desk.queues.Queue.loads`), else one COUNT."""
    if case.id is None:
        return 0
    if "events" in case.__dict__:
        return sum(1 for event in case.events if event.action == "extend")
    return session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "extend")) or 0

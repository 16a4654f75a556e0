"""Delivery of case events to the ``case_event_recorded`` and ``case_event_committed`` hooks.

The workflow engine queues a record per CaseEvent in ``session.info``. Two SQLAlchemy session
listeners hand them to the plugins:

* ``before_commit`` — ``case_event_recorded(session, event, settings)``, inside the transaction, once
  the event rows are written (a unit-of-work write is flushed first): a plugin adds rows that must be
  committed with the change or not at all — the online hall's status message to the applicant goes into
  the outbox here, so a process that dies right after the commit loses no message. An error undoes the
  change: the commit raises it (a PluginError naming the plugin) and the caller rolls back.
* ``after_commit`` — ``case_event_committed(event, settings)`` once the transaction is durable. Each
  plugin is called on its own: one that raises is logged with its name (the PluginError message) and
  neither stops the others nor undoes the committed transition.

``after_rollback`` drops the queue (a rolled-back transition is never announced).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy.orm import Session

from govkit.cases.events import CaseEventRecord
from govkit.errors import GovkitError
from govkit.listeners import Listeners

log = logging.getLogger("govkit.cases.events")
_KEY = "govkit_pending_case_events"
#: How many of the queued records ``case_event_recorded`` has been called for (a transaction may commit
#: several times through ``before_commit`` only once each record).
_RECORDED = "govkit_recorded_case_events"


def defer(session: Session, pm: Any, settings: Any, build: Callable[[], CaseEventRecord]) -> None:
    """Queue a record (built lazily after flush, when ids exist) for after the commit."""
    if pm is None:
        return
    SESSION_LISTENERS.ensure(session)
    session.info.setdefault(_KEY, []).append((pm, settings, build))


def fire(pm: Any, settings: Any, record: CaseEventRecord) -> list[str]:
    """Call every ``case_event_committed`` implementation; return the logged error messages."""
    errors = []
    for call in pm.calls("case_event_committed", event=record, settings=settings):  # one by one, in load order
        try:
            call()
        except GovkitError as exc:  # PluginError from the guard names plugin and hook
            log.error("%s（办件 %s，环节 %s；办件变更已保存）", exc, record.case_number, record.action)
            errors.append(str(exc))
    return errors


def resolve(session: Session) -> None:
    """Build the queued records whose events have ids (after a flush or a Core write)."""
    pending = session.info.get(_KEY)
    if not pending:
        return
    for i, (pm, settings, build) in enumerate(pending):
        if callable(build):
            record = build()
            if record.event_id is not None:
                pending[i] = (pm, settings, record)


def _after_flush(session: Session, flush_context: Any) -> None:
    # Build records while the rows are fresh (after commit they are expired and the
    # session may not emit SQL to reload them).
    resolve(session)


def _before_commit(session: Session) -> None:
    pending = session.info.get(_KEY)
    done = session.info.get(_RECORDED, 0)
    if not pending or done >= len(pending):
        return
    if any(callable(entry[2]) for entry in pending[done:]):  # queued events not written yet: write them now
        session.flush()
        resolve(session)
    while done < len(pending):  # (an implementation recording another event extends the list)
        pm, settings, record = pending[done]
        done += 1
        session.info[_RECORDED] = done
        if isinstance(record, CaseEventRecord):
            for call in pm.calls("case_event_recorded", session=session, event=record, settings=settings):
                call()  # guarded: an error names the plugin, and undoes the change


def _after_commit(session: Session) -> None:
    session.info.pop(_RECORDED, None)
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    for pm, settings, record in pending:
        if isinstance(record, CaseEventRecord):
            fire(pm, settings, record)


def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(_RECORDED, None)


#: On govkit's session factory (govkit.db.listen) and on any other session a case event is deferred in.
SESSION_LISTENERS = Listeners(
    ("after_flush_postexec", _after_flush), ("after_commit", _after_commit), ("after_rollback", _after_rollback),
    ("before_commit", _before_commit),
)

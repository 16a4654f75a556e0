"""Status messages to applicants on case events, through the outbox (数据交换发件箱).

The workflow engine hands each event to ``case_event_recorded`` inside the step's transaction, once the event
row is written (:mod:`govkit.cases.dispatch`); the online built-in answers with :func:`queue_case_event`, which
finds the case's applicant account (the case's ``applicant_account_id``, else an account with the case's 证件号码;
one indexed query in the same transaction) and adds the message as an outbox row (``gk_outbox``, topic
:data:`TOPIC`, key = the message key). The message is committed with the step or not at all: a process that dies
right after the commit loses no message, and a step that is rolled back tells nobody. No channel is called inside
the staff's request: the outbox relay (``govkit outbox relay`` / ``drain``) delivers the row through the active
channel (:func:`deliver_row`, the ``register_outbox_handlers`` handler); a failing or slow gateway fails or slows
only the relay, which records the error on the row and retries it. Only the steps an applicant cares about are
sent (受理, 补正, 不予受理, 决定, 办结, 送达 …), not each internal hand-over.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any, Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, OutboxMessage
from govkit.online import messages
from govkit.online.models import Applicant

#: The outbox topic of applicant messages (delivered by the relay through the message channel, never sent to
#: the data-exchange receiver: they carry a phone number).
TOPIC = "applicant.message"

#: The states an applicant is told about.
NOTIFIED_STATES = frozenset({"registered", "online", "accepted", "supplement", "online_supplement", "refused",
                             "suspended",
                             "approved", "denied", "completed", "delivered", "withdrawn"})


#: The id of the active account with a verified phone and this 证件号码 (built once: a statement built per step
#: cost more CPU than running it).
_ACCOUNT_BY_ID_NUMBER = select(Applicant.id).where(
    Applicant.id_number == bindparam("id_number"), Applicant.active.is_(True), Applicant.phone_verified_at.is_not(None))


def tellable(applicant: Applicant | None) -> Applicant | None:
    """``applicant`` when it may be told (active, phone verified), else None."""
    return applicant if applicant is not None and applicant.active and applicant.phone_verified_at else None


def messaged_applicant(session: Session, case_id: int) -> Applicant | None:
    """The account told about case ``case_id`` — its ``applicant_account_id``, else the account with its 证件号码 —
    when that account is active with a verified phone; else None. The case is the one the step holds (no query);
    a case without an account costs one indexed query of one column."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    if case.applicant_account_id is not None:
        return tellable(session.get(Applicant, case.applicant_account_id))
    if not case.applicant_id_number:
        return None
    found = session.scalar(_ACCOUNT_BY_ID_NUMBER, {"id_number": case.applicant_id_number})
    return session.get(Applicant, found) if found is not None else None


def notified(event: Any) -> bool:
    """Is the applicant told about this step at all (a change of state the applicant follows)?"""
    return event.to_state in NOTIFIED_STATES and event.from_state != event.to_state


def queue_message(session: Session, message: messages.ApplicantMessage, *, queued: frozenset[str] | None = None
                  ) -> bool:
    """Add ``message`` to the outbox (topic :data:`TOPIC`, key = its key) unless a row with its key exists —
    looked up here, or in ``queued`` (the keys a batch looked up at once); True when a row was added."""
    if queued is None:
        queued = frozenset(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key == message.key)))
    if message.key in queued:
        return False
    session.add(OutboxMessage(topic=TOPIC, key=message.key, payload=asdict(message)))
    return True


def queue_case_event(session: Session, event: Any) -> bool:
    """``case_event_recorded``: queue the status message of ``event`` (a CaseEventRecord of this transaction)
    for the relay; True when a row was added. The event is new, so its message key is too: no look-up of it."""
    if not notified(event):
        return False
    applicant = messaged_applicant(session, event.case_id)
    if applicant is None:
        return False
    case = session.get(Case, event.case_id)
    message = messages.case_event_message(
        case_number=case.number, item_name=case.implementation.item.name if case.implementation else "",
        to_state=event.to_state, phone=applicant.phone, event_id=event.event_id, applicant_id=applicant.id)
    return queue_message(session, message, queued=frozenset())


def deliver_row(session: Session, pm: Any, settings: Mapping[str, Any], row: Any) -> None:
    """The relay's handler of :data:`TOPIC`: send the queued message through the active channel (or raise)."""
    messages.send(session, pm, settings, messages.ApplicantMessage(**row.payload))

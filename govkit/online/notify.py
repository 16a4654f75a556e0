"""Status messages to applicants on committed case events, through the outbox (数据交换发件箱).

The workflow engine hands each committed event to ``case_event_committed`` after the commit
(:mod:`govkit.cases.dispatch`); the online built-in answers with :func:`queue_case_event`, which finds the
case's applicant account (the case's ``applicant_account_id``, else an account with the case's 证件号码) and
writes the message as an outbox row (``gk_outbox``, topic :data:`TOPIC`, key = the message key, so a re-delivered
event is queued once) in a short transaction of its own — no channel is called inside the staff's request. The
outbox relay (``govkit outbox relay`` / ``drain``) delivers the row through the active channel
(:func:`deliver_row`, the ``register_outbox_handlers`` handler); a failing or slow gateway fails or slows only
the relay, which records the error on the row and retries it. Only the steps an applicant cares about are sent
(受理, 补正, 不予受理, 决定, 办结, 送达 …), not each internal hand-over.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Mapping

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case, OutboxMessage
from govkit.online import messages
from govkit.online.models import Applicant

log = logging.getLogger("govkit.online.notify")
#: The outbox topic of applicant messages (delivered by the relay through the message channel, never sent to
#: the data-exchange receiver: they carry a phone number).
TOPIC = "applicant.message"

#: The states an applicant is told about.
NOTIFIED_STATES = frozenset({"registered", "online", "accepted", "supplement", "online_supplement", "refused",
                             "suspended",
                             "approved", "denied", "completed", "delivered", "withdrawn"})


def case_applicant(session: Session, case: Case) -> Applicant | None:
    """The account a case belongs to: its ``applicant_account_id``, else the account with its 证件号码."""
    if case.applicant_account_id is not None:
        return session.get(Applicant, case.applicant_account_id)
    return session.scalar(select(Applicant).where(Applicant.id_number == case.applicant_id_number))


def _messaged(*columns: Any, case_id: int) -> Any:
    """SELECT ``columns`` of the account told about case ``case_id``: its ``applicant_account_id``, else the account
    with its 证件号码 — when that account is active with a verified phone. One indexed query."""
    return (select(*columns)
            .join(Case, or_(Applicant.id == Case.applicant_account_id,
                            and_(Case.applicant_account_id.is_(None),
                                 Applicant.id_number == Case.applicant_id_number)))
            .where(Case.id == case_id, Applicant.active.is_(True), Applicant.phone_verified_at.is_not(None)))


def messaged_applicant(session: Session, case_id: int) -> Applicant | None:
    """The account told about case ``case_id`` (see :func:`_messaged`), or None."""
    return session.scalar(_messaged(Applicant, case_id=case_id))


def notified(event: Any) -> bool:
    """Is the applicant told about this step at all (a change of state the applicant follows)?"""
    return event.to_state in NOTIFIED_STATES and event.from_state != event.to_state


def has_messaged_applicant(connection: Any, case_id: int) -> bool:
    """Whether case ``case_id`` has an account to tell, read on ``connection`` (a plain connection will do)."""
    return connection.scalar(_messaged(Applicant.id, case_id=case_id)) is not None


def queue_case_event(session: Session, event: Any) -> bool:
    """Queue the status message of ``event`` (a CaseEventRecord) for the relay; True when a row was added."""
    if not notified(event):
        return False
    applicant = messaged_applicant(session, event.case_id)
    if applicant is None:
        return False
    case = session.get(Case, event.case_id)
    message = messages.case_event_message(
        case_number=case.number, item_name=case.implementation.item.name if case.implementation else "",
        to_state=event.to_state, phone=applicant.phone, event_id=event.event_id, applicant_id=applicant.id)
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == message.key)) is not None:
        return False  # already queued (the event was delivered again)
    session.add(OutboxMessage(topic=TOPIC, key=message.key, payload=asdict(message)))
    session.flush()
    return True


def deliver_row(session: Session, pm: Any, settings: Mapping[str, Any], row: Any) -> None:
    """The relay's handler of :data:`TOPIC`: send the queued message through the active channel (or raise)."""
    messages.send(session, pm, settings, messages.ApplicantMessage(**row.payload))

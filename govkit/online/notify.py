"""Status messages to applicants on committed case events (the ``case_event_committed`` path).

The workflow engine hands each committed event to ``case_event_committed`` after the commit
(:mod:`govkit.cases.dispatch`); the online built-in answers with :func:`deliver_case_event`, which finds the
case's applicant account (the case's ``applicant_account_id``, else an account with the case's 证件号码) and
sends the message through the active channel in its own short transaction. Only the steps an applicant cares
about are sent (受理, 补正, 不予受理, 决定, 办结, 送达 …), not each internal hand-over. A failure is logged and
never undoes the case change.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.models import Case
from govkit.online import messages
from govkit.online.models import Applicant

log = logging.getLogger("govkit.online.notify")

#: The states an applicant is told about.
NOTIFIED_STATES = frozenset({"registered", "online", "accepted", "supplement", "online_supplement", "refused",
                             "suspended",
                             "approved", "denied", "completed", "delivered", "withdrawn"})


def case_applicant(session: Session, case: Case) -> Applicant | None:
    """The account a case belongs to: its ``applicant_account_id``, else the account with its 证件号码."""
    if case.applicant_account_id is not None:
        return session.get(Applicant, case.applicant_account_id)
    return session.scalar(select(Applicant).where(Applicant.id_number == case.applicant_id_number))


def deliver_case_event(session: Session, pm: Any, settings: Mapping[str, Any], event: Any) -> bool:
    """Send the status message of ``event`` (a CaseEventRecord) to the case's applicant; True when sent."""
    if event.to_state not in NOTIFIED_STATES or event.from_state == event.to_state:
        return False
    case = session.get(Case, event.case_id)
    if case is None:
        return False
    applicant = case_applicant(session, case)
    if applicant is None or not applicant.active or applicant.phone_verified_at is None:
        return False
    message = messages.case_event_message(
        case_number=case.number, item_name=case.implementation.item.name if case.implementation else "",
        to_state=event.to_state, phone=applicant.phone, event_id=event.event_id, applicant_id=applicant.id)
    messages.send(session, pm, settings, message)
    return True

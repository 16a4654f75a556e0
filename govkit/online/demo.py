"""Demo applicant accounts of the online hall (网上办事大厅) and what the demo's /demo/ page lists.

:func:`seed_demo_applicants` makes accounts for a few applicants of the seeded counter cases (so 我的办件 shows
cases in several states at once: 待补正, 已受理, 不予受理, 已办结, 已送达) and one company, then sends each the
status message of their latest case through the active channel (the development channel stores them).
:func:`demo_listing` gives the accounts with their phones and the development channel's latest messages — the
one-time codes a demo visitor asks for on /online/login appear there. Plain Python over a Session.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govkit.cases.models import Case
from govkit.catalog.codes import uscc_check_char
from govkit.online import messages
from govkit.online.models import COMPANY, PERSON, Applicant, DevMessage
from govkit.online.services import applicant_cases_clause
from govkit.orm import utcnow

#: The states a demo applicant's cases cover, one account per state.
DEMO_STATES = ("supplement", "accepted", "refused", "completed", "delivered")
#: The demo company (法人): a fictional 农民专业合作社 with a check-digit-valid USCC.
COMPANY_NAME = "示范县清河镇绿源蔬菜种植农民专业合作社"
COMPANY_PHONE = "13990000001"


@dataclass(frozen=True)
class DemoApplicant:
    """One row of the /demo/ page: the account, how many cases it sees and its latest development message."""

    name: str
    kind: str
    phone: str
    cases: int
    last_message: str | None


def company_uscc() -> str:
    first17 = "93629901MA0000001"  # 9 = 工商, 3 = 农民专业合作社, 629901 = the demo county
    return first17 + uscc_check_char(first17)


def seed_demo_applicants(session: Session, pm: Any, settings: Mapping[str, Any]) -> list[Applicant]:
    """Accounts for one counter applicant per state in :data:`DEMO_STATES` and the demo company; the caller
    commits. Each person gets the status message of their latest case (development channel)."""
    made: list[Applicant] = []
    taken = set(session.scalars(select(Applicant.phone)))
    for state in DEMO_STATES:
        case = session.scalar(select(Case).where(
            Case.state == state, Case.applicant_id_type == "居民身份证", Case.applicant_phone.is_not(None),
            ~Case.applicant_id_number.in_(select(Applicant.id_number))).order_by(Case.id).limit(1))
        if case is None or case.applicant_phone in taken:
            continue
        applicant = Applicant(kind=PERSON, name=case.applicant_name, id_number=case.applicant_id_number,
                              phone=case.applicant_phone, phone_verified_at=utcnow())
        session.add(applicant)
        session.flush()
        taken.add(applicant.phone)
        made.append(applicant)
        event = case.events[-1] if case.events else None
        if event is not None:
            messages.send(session, pm, settings, messages.case_event_message(
                case_number=case.number, item_name=case.implementation.name, to_state=case.state,
                phone=applicant.phone, event_id=event.id, applicant_id=applicant.id))
    if COMPANY_PHONE not in taken:
        company = Applicant(kind=COMPANY, name=COMPANY_NAME, id_number=company_uscc(), contact_name="王建国",
                            phone=COMPANY_PHONE, phone_verified_at=utcnow())
        session.add(company)
        made.append(company)
    session.flush()
    return made


def demo_listing(session: Session, limit: int = 50) -> tuple[list[DemoApplicant], list[DevMessage]]:
    """The demo's applicant accounts (with their latest development message) and the channel's latest messages."""
    rows = []
    for applicant in session.scalars(select(Applicant).order_by(Applicant.id).limit(limit)):
        count = session.scalar(select(func.count()).select_from(Case).where(applicant_cases_clause(applicant)))
        last = session.scalar(select(DevMessage.text).where(DevMessage.phone == applicant.phone)
                              .order_by(DevMessage.id.desc()).limit(1))
        rows.append(DemoApplicant(applicant.name, applicant.kind_label, applicant.phone, count, last))
    latest = list(session.scalars(select(DevMessage).order_by(DevMessage.id.desc()).limit(20)))
    return rows, latest

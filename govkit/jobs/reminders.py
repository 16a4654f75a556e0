"""补正提醒 (reminders): applicants whose 补正 period ends soon are told again, through the message channel.

行政许可法第三十二条第一款第四项 has the organ tell the applicant at once everything to add (一次性告知), and the
case waits (its clock paused) until the applicant brings it or the period set for it ends — after which a clerk
may treat the application as withdrawn (视为撤回). An applicant who forgot loses the application; the daily
``remind`` job therefore reminds every applicant whose case is in 补正 (counter or online) and whose 补正 period
ends within ``REMINDER_WORKING_DAYS`` working days (govkit's working-day calendar), once per case and period:

* the message (kind 补正通知, the case number, the item and the last day — no other personal data) goes into the
  outbox as an ``applicant.message`` row (key ``reminder|<case id>|<last day>``, so a second run the same day or
  on another node adds nothing), and the outbox relay delivers it through the active message channel
  (``MESSAGE_CHANNEL``; the development channel stores it in ``gk_dev_message``) like every status message;
* the phone is the applicant account's verified phone (我的办件), else the phone given at the window.

Cases whose handling deadline is near are not messaged: the supervision dashboards' yellow cards and the
escalation sweep cover them; the job's summary counts them for ``govkit jobs status``. Plain Python over a Session;
a run costs the same few statements whatever the number of cases (cases with their items, their accounts by id
and by 证件号码, the keys already queued, the count), not a handful per case.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from govkit.cases import states as S
from govkit.cases.calendar import WorkingCalendar, format_chinese_date
from govkit.cases.models import Case, OutboxMessage
from govkit.catalog.models import Implementation
from govkit.online.messages import ApplicantMessage, message_key
from govkit.online.models import Applicant
from govkit.online.notify import queue_message, tellable


def reminder_text(case: Case, item_name: str) -> str:
    return (f"【网上办事大厅】提醒：您的办件 {case.number}（{item_name}）需要补正材料，补正期限至"
            f"{format_chinese_date(case.supplement_due_date)}。逾期未补正的，申请可能被视为撤回。"
            "请登录“我的办件”查看需要补正的材料，或到受理窗口办理。")


def remind(session: Session, calendar: WorkingCalendar, today: date, working_days: int) -> tuple[int, int, int]:
    """Queue the 补正 reminders due ``today``; (reminders queued, cases without a phone, cases near their
    handling deadline). The caller commits."""
    last_day = calendar.add_working_days(today, working_days).due if working_days else today
    cases = session.scalars(select(Case).where(
        Case.state.in_(tuple(S.SUPPLEMENT_STATES)), Case.supplement_due_date >= today,
        Case.supplement_due_date <= last_day).order_by(Case.id)
        .options(selectinload(Case.implementation).selectinload(Implementation.item))).all()
    by_id = {a.id: a for a in session.scalars(select(Applicant).where(
        Applicant.id.in_({c.applicant_account_id for c in cases if c.applicant_account_id is not None})))}
    by_number = {a.id_number: a for a in session.scalars(select(Applicant).where(
        Applicant.id_number.in_({c.applicant_id_number for c in cases
                                 if c.applicant_account_id is None and c.applicant_id_number})))}
    keys = {case.id: message_key("reminder", case.id, case.supplement_due_date.isoformat()) for case in cases}
    done = frozenset(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(set(keys.values())))))
    queued = phoneless = 0
    for case in cases:  # its account: applicant_account_id, else the one with its 证件号码
        account = by_id.get(case.applicant_account_id) if case.applicant_account_id is not None else \
            by_number.get(case.applicant_id_number)
        phone = account.phone if tellable(account) else case.applicant_phone
        if not phone:
            phoneless += 1
            continue
        item = case.implementation.item.name if case.implementation is not None else ""
        message = ApplicantMessage(phone=phone, kind="supplement", text=reminder_text(case, item),
                                   key=keys[case.id], applicant_id=account.id if account is not None else None,
                                   case_number=case.number)
        queued += queue_message(session, message, queued=done)  # reminded already for this period: no row
    near = session.scalar(select(func.count(Case.id)).where(
        Case.state.in_(tuple(S.CLOCK_STATES)), Case.due_date >= today, Case.due_date <= last_day))
    return queued, phoneless, near or 0

"""网上咨询 services: ask a question about an item, answer it within N working days, publish it to the
item's FAQ (anonymised), and the yellow/red cards of unanswered questions. Plain Python, no Flask.

A question is routed to the implementing unit of the item's implementation (its division and
department); it is due ``CONSULT_ANSWER_DAYS`` working days after the day it was asked (the
working-day calendar of :mod:`govkit.cases.calendar`). The asker gets a number and a lookup code
(shown once, stored only as a hash) and a stored message when the answer is written.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.idnumber import validate_id_number
from govkit.catalog.models import Implementation
from govkit.consult.models import AskerMessage, Question
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.models import Division
from govkit.hierarchy.scope import Scope
from govkit.clock import local_date
from govkit.orm import utcnow

OPEN, ANSWERED = "待答复", "已答复"
STATES = (OPEN, ANSWERED)
#: Roles of the implementing unit that answer questions.
ANSWER_ROLES = ("办理员", "受理员")
TOPIC = "网上咨询"
MAX_CONTENT = 1000
_PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hash(number: str, code: str) -> str:
    return hmac.new(number.encode(), code.encode(), hashlib.sha256).hexdigest()


def clean_contact(*, name: str, phone: str | None, email: str | None, address: str | None,
                  id_number: str | None, max_name: int = 50) -> dict[str, str | None]:
    """The asker's name and contact, checked (a phone, an email or an address is required), or ValidationError."""
    name = (name or "").strip()
    phone, email, address = ((phone or "").strip(), (email or "").strip(), (address or "").strip())
    if not name or len(name) > max_name:
        raise ValidationError(f"请填写姓名或名称（最多 {max_name} 字）。")
    if not (phone or email or address):
        raise ValidationError("请至少留下一种联系方式：手机号码、电子邮箱或通信地址。")
    if phone and not _PHONE.match(phone):
        raise ValidationError("手机号码应为 11 位数字（座机请按“区号-号码”填写），请核对。")
    if email and (len(email) > 100 or not _EMAIL.match(email)):
        raise ValidationError("电子邮箱格式不正确，请核对（如 zhang@example.com）。")
    if len(address) > 200:
        raise ValidationError("通信地址最多 200 字。")
    number = validate_id_number(id_number) if (id_number or "").strip() else None
    return {"name": name, "phone": phone or None, "email": email or None, "address": address or None,
            "id_number": number}


def notify(session: Session, *, topic: str, reference: str, recipient: str | None, text: str) -> AskerMessage | None:
    """Store a message to ``recipient`` (the asker's phone, email or address); None without a recipient."""
    if not recipient:
        return None
    message = AskerMessage(topic=topic, reference=reference, recipient=recipient[:200], text=text)
    session.add(message)
    return message


def owned(session: Session, model: Any, applicant_id: int, *, number: str | None = None,
          limit: int = 200) -> Any:
    """What the applicant account filed: its rows of ``model`` (Question or InfoRequest), newest first; with
    ``number``, that one row if the account filed it, else None — never another account's (no IDOR)."""
    query = select(model).where(model.applicant_id == applicant_id)
    if number is not None:
        return session.scalar(query.where(model.number == (number or "").strip().upper()[:32]))
    return list(session.scalars(query.order_by(model.id.desc()).limit(limit)))


def messages_for(session: Session, reference: str) -> list[AskerMessage]:
    """The messages stored for the question or request ``reference``, oldest first."""
    return list(session.scalars(select(AskerMessage).where(AskerMessage.reference == reference)
                                .order_by(AskerMessage.id)))


def new_number(session: Session, prefix: str, model: Any, today: date) -> str:
    """A fresh ``<prefix><yyyymmdd><6 digits>`` not yet used in ``model.number``."""
    while True:
        number = f"{prefix}{today:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if session.scalar(select(model.id).where(model.number == number)) is None:
            return number


def ask(session: Session, implementation: Implementation, *, name: str, subject: str, content: str,
        calendar: WorkingCalendar, days: int, phone: str | None = None, email: str | None = None,
        address: str | None = None, id_number: str | None = None, applicant_id: int | None = None,
        today: date | None = None) -> tuple[Question, str]:
    """Register a question about ``implementation``; return it and its lookup code (known only now).

    ``applicant_id`` links it to the signed-in applicant account (网上办事大厅), which then lists it.
    """
    if implementation is None:
        raise ValidationError("请选择要咨询的事项。")
    contact = clean_contact(name=name, phone=phone, email=email, address=address, id_number=id_number)
    subject, content = (subject or "").strip(), (content or "").strip()
    if not subject or not content:
        raise ValidationError("请填写咨询标题和咨询内容。")
    if len(subject) > 100 or len(content) > MAX_CONTENT:
        raise ValidationError(f"标题最多 100 字，内容最多 {MAX_CONTENT} 字，请精简后再提交。")
    day = today or local_date()
    deadline = calendar.add_working_days(day, days)
    number = new_number(session, "ZX", Question, day)
    code = f"{secrets.randbelow(10**6):06d}"
    question = Question(number=number, lookup_hash=_hash(number, code), implementation_id=implementation.id,
                        division_code=implementation.division.code, department_id=implementation.department_id,
                        asker_name=contact["name"], phone=contact["phone"], email=contact["email"],
                        address=contact["address"], id_number=contact["id_number"], subject=subject,
                        content=content, state=OPEN, asked_on=day, due_date=deadline.due,
                        due_provisional=deadline.provisional, applicant_id=applicant_id)
    session.add(question)
    session.flush()
    return question, code


_DUMMY_HASH = _hash("ZX00000000000000", "000000")


def lookup(session: Session, number: str, code: str) -> Question | None:
    """The question with ``number`` when ``code`` matches, else None (same work either way)."""
    number, code = (number or "").strip().upper()[:32], (code or "").strip()[:16]
    question = session.scalar(select(Question).where(Question.number == number)) if number else None
    ok = hmac.compare_digest(question.lookup_hash if question is not None else _DUMMY_HASH, _hash(number, code))
    return question if (question is not None and ok) else None


def _check(scope: Scope, question: Question) -> None:
    scope.check(question.division_code)
    if not scope.has_role(*ANSWER_ROLES):
        raise PermissionDenied("只有事项实施单位的办理员或受理员可以答复咨询。")


def answer(session: Session, scope: Scope, question: Question, *, text: str, actor: str,
           today: date | None = None) -> Question:
    """Write the answer (待答复 → 已答复) and store the message to the asker."""
    _check(scope, question)
    if question.state != OPEN:
        raise InvalidTransition("该咨询已答复。如需更正，请在常见问题中修改公开的答复。")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写答复内容。")
    if len(text) > 2000:
        raise ValidationError("答复最多 2000 字。")
    question.state, question.answer, question.answered_by = ANSWERED, text, actor[:100]
    question.answered_on = today or local_date()
    notify(session, topic=TOPIC, reference=question.number, recipient=question.phone or question.email,
           text=f"您的咨询（编号 {question.number}）已答复：{text[:200]}")
    session.flush()
    return question


def answer_message(question: Question) -> str:
    """The message to the applicant account that asked ``question`` once it is answered (no answer text:
    the account reads it in 我的咨询)."""
    return (f"【网上办事大厅】您的咨询 {question.number}（{question.subject[:30]}）已答复，"
            "请登录“我的办件”→“我的咨询”查看。")


_ID_LIKE = re.compile(r"\d{17}[\dXx]|\d{15}")
_PHONE_LIKE = re.compile(r"(?<!\d)1\d{10}(?!\d)|0\d{2,3}-?\d{7,8}")
_EMAIL_LIKE = re.compile(r"[^@\s，。]+@[^@\s，。]+\.[A-Za-z]{2,}")


def anonymise(text: str, question: Question | None = None) -> str:
    """``text`` without ID numbers, phone numbers, e-mail addresses and the asker's own name and address."""
    text = _ID_LIKE.sub("[证件号已隐去]", text or "")
    text = _EMAIL_LIKE.sub("[邮箱已隐去]", text)
    text = _PHONE_LIKE.sub("[电话已隐去]", text)
    if question is not None:
        for private in (question.asker_name, question.address):
            if private and len(private) >= 2:
                text = text.replace(private, "**")
    return text


def publish(session: Session, scope: Scope, question: Question, *, faq_question: str | None = None,
            faq_answer: str | None = None) -> Question:
    """Publish an answered question to the item's 常见问题 (anonymised again whatever staff typed)."""
    _check(scope, question)
    if question.state != ANSWERED:
        raise InvalidTransition("答复后才能公开到常见问题。")
    asked = anonymise((faq_question or "").strip() or question.content, question)
    answered = anonymise((faq_answer or "").strip() or question.answer or "", question)
    question.faq_question, question.faq_answer = asked[:MAX_CONTENT], answered[:2000]
    question.published, question.published_at = True, utcnow()
    session.flush()
    return question


def unpublish(session: Session, scope: Scope, question: Question) -> Question:
    _check(scope, question)
    question.published = False
    session.flush()
    return question


@dataclass(frozen=True)
class FaqEntry:
    """A published question as the public guide shows it: no name, contact or number."""

    subject: str
    question: str
    answer: str
    answered_on: date | None


def faq(session: Session, implementation_id: int, limit: int = 20) -> list[FaqEntry]:
    """The published questions of an implementation, newest first."""
    rows = session.execute(select(Question.subject, Question.faq_question, Question.faq_answer, Question.answered_on)
                           .where(Question.implementation_id == implementation_id, Question.published.is_(True))
                           .order_by(Question.answered_on.desc(), Question.id.desc()).limit(limit))
    return [FaqEntry(anonymise(s), q or "", a or "", on) for s, q, a, on in rows]


# -- deadline cards ----------------------------------------------------------------------


def deadline_card(calendar: WorkingCalendar, start: date, due: date, today: date,
                  settings: Mapping[str, Any]) -> tuple[str, int]:
    """``(card, working days left)`` of a clock from ``start`` to ``due`` on ``today``.

    The cases rule (:mod:`govkit.cases.deadlines`): red (红牌) past the due date; yellow (黄牌) when at
    most ``YELLOW_CARD_DAYS`` remain or the share used reaches ``YELLOW_CARD_RATIO``; else green.
    """
    remaining = calendar.working_days_between(today, due)
    if today > due:
        return "red", remaining
    limit = max(calendar.working_days_between(start, due), 1)
    if remaining <= int(settings["YELLOW_CARD_DAYS"]) or (limit - remaining) / limit >= float(
            settings["YELLOW_CARD_RATIO"]):
        return "yellow", remaining
    return "green", remaining


@dataclass(frozen=True)
class QuestionCard:
    """An unanswered question with a yellow or red card (no asker data: supervisors need none)."""

    question_id: int
    number: str
    item: str
    division: str  # the implementing division's name
    asked_on: date
    due: date
    provisional: bool
    remaining: int
    card: str


def cards(session: Session, scope: Scope, *, calendar: WorkingCalendar, settings: Mapping[str, Any],
          today: date, limit: int = 1000) -> list[QuestionCard]:
    """Unanswered questions in ``scope`` with a yellow or red card, red (most overdue) first."""
    rows = session.execute(
        select(Question.id, Question.number, Implementation.name, Division.name, Question.asked_on,
               Question.due_date, Question.due_provisional)
        .join(Implementation, Implementation.id == Question.implementation_id)
        .join(Division, Division.id == Implementation.division_id)
        .where(scope.clause(Question.division_code), Question.state == OPEN)
        .order_by(Question.due_date).limit(limit))
    out = []
    for qid, number, item, code, asked, due, provisional in rows:
        card, remaining = deadline_card(calendar, asked, due, today, settings)
        if card in ("yellow", "red"):
            out.append(QuestionCard(qid, number, item, code, asked, due, provisional, remaining, card))
    out.sort(key=lambda r: (r.card != "red", r.remaining))
    return out

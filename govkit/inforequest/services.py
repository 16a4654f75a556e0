"""依申请公开 services (政府信息公开条例 2019 第二十七条至第四十五条). Plain Python over a session, no Flask.

* :func:`submit` — a request with the 政府信息公开申请表 fields (第二十九条), routed to one organ;
  received the day it is submitted online (第三十一条第（三）项: 以双方确认之日为收到申请之日 — the
  confirmation is the number shown at once).
* the clock (第三十三条): the reply is due 20 working days after receipt; the organ's head
  (机关负责人) may extend it once by at most 20 working days (第三十三条第二款, with a 告知书).
* 补正 (第三十条): an unclear request is sent back once with what to make clear; the clock stops
  and the 20 days count again from the day the corrected request arrives; a requester who does not
  correct it in time without good reason is deemed to give up the request (视为放弃申请).
* replies (第三十六条、第三十七条): 予以公开 / 部分公开 / 不予公开 (with its legal reason) / 信息不存在 /
  非本机关 (naming the competent organ) / 重复申请 — each a 答复书 issued through
  :func:`govkit.desk.issuing.issue_organ_document`.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.catalog.codes import validate_uscc
from govkit.consult.services import clean_contact, deadline_card, new_number, notify
from govkit.errors import InvalidTransition, PermissionDenied, ValidationError
from govkit.hierarchy.models import Organ
from govkit.hierarchy.scope import Scope
from govkit.inforequest.models import InfoRequest
from govkit.clock import local_date

OPEN, SUPPLEMENT, REPLIED, LAPSED = "办理中", "待补正", "已答复", "视为放弃"
STATES = (OPEN, SUPPLEMENT, REPLIED, LAPSED)
PERSON, ORGANISATION = "自然人", "法人或其他组织"
APPLICANT_TYPES = (PERSON, ORGANISATION)
DELIVERIES = ("电子邮件", "邮寄", "自行领取", "当场阅读、抄录")
MEDIA = ("电子", "纸质")
#: 第三十三条: 20 working days, once extended by at most 20.
REPLY_DAYS = 20
MAX_EXTENSION_DAYS = 20
TOPIC = "依申请公开"
#: Roles that handle requests at the organ; the head alone approves an extension.
HANDLER_ROLES = ("办理员", "公开审核")
HEAD_ROLE = "机关负责人"

#: Reply types: (document kind, the article it rests on).
REPLY_TYPES: dict[str, str] = {
    "予以公开": "foi_reply_open", "部分公开": "foi_reply_partial", "不予公开": "foi_reply_withheld",
    "信息不存在": "foi_reply_nonexistent", "非本机关": "foi_reply_not_ours", "重复申请": "foi_reply_repeat",
}
#: Legal reasons for 不予公开 (and for the withheld part of 部分公开): 条例第十四条至第十六条.
WITHHOLD_REASONS: tuple[str, ...] = (
    "属于国家秘密（第十四条）",
    "法律、行政法规禁止公开（第十四条）",
    "公开后可能危及国家安全、公共安全、经济安全、社会稳定（第十四条）",
    "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害（第十五条）",
    "属于人事管理、后勤管理、内部工作流程等内部事务信息（第十六条第一款）",
    "属于讨论记录、过程稿、磋商信函、请示报告等过程性信息（第十六条第二款）",
    "属于行政执法案卷信息（第十六条第二款）",
)
_OPENINGS = "你（单位）于{}提出的政府信息公开申请（申请编号：{}）收悉。你（单位）申请公开的信息为：“{}”。"


def _hash(number: str, code: str) -> str:
    return hmac.new(number.encode(), code.encode(), hashlib.sha256).hexdigest()


def choose(value: str | None, options: tuple[str, ...], what: str) -> str:
    if value not in options:
        raise ValidationError(f"请选择{what}：{'、'.join(options)}。")
    return value


def submit(session: Session, organ: Organ | None, *, applicant_type: str, name: str, id_number: str | None,
           description: str, delivery: str, calendar: WorkingCalendar, medium: str = "电子",
           phone: str | None = None, email: str | None = None, address: str | None = None,
           postcode: str | None = None, legal_representative: str | None = None, contact_person: str | None = None,
           document_ref: str | None = None, purpose: str | None = None, applicant_id: int | None = None,
           today: date | None = None) -> tuple[InfoRequest, str]:
    """Register a request to ``organ``; return it and its lookup code (known only now).

    ``applicant_id`` links it to the signed-in applicant account (网上办事大厅), which then lists it.
    """
    if organ is None or not (organ.full_name or "").strip():
        raise ValidationError("请选择受理申请的行政机关。")
    applicant_type = choose(applicant_type, APPLICANT_TYPES, "申请人类型")
    if applicant_type == PERSON:
        contact = clean_contact(name=name, phone=phone, email=email, address=address, id_number=id_number)
        if not contact["id_number"]:
            raise ValidationError("请填写申请人的公民身份号码（第二十九条：申请人的身份证明）。")
        ident = contact["id_number"]
    else:
        if not (id_number or "").strip():
            raise ValidationError("请填写法人或其他组织的统一社会信用代码。")
        ident = validate_uscc(id_number)
        contact = clean_contact(name=name, phone=phone, email=email, address=address, id_number=None, max_name=100)
    delivery = choose(delivery, DELIVERIES, "获取信息的方式")
    medium = choose(medium, MEDIA, "信息的载体形式")
    if delivery == "电子邮件" and not contact["email"]:
        raise ValidationError("选择以电子邮件获取信息时，请填写电子邮箱。")
    if delivery == "邮寄" and not contact["address"]:
        raise ValidationError("选择邮寄时，请填写通信地址。")
    postcode = (postcode or "").strip()
    if postcode and not (len(postcode) == 6 and postcode.isdigit()):
        raise ValidationError("邮政编码应为 6 位数字。")
    description = (description or "").strip()
    if not description:
        raise ValidationError("请描述所需政府信息的名称、文号或者便于查询的其他特征（第二十九条）。")
    if len(description) > 2000 or len(purpose or "") > 500 or len(document_ref or "") > 200:
        raise ValidationError("内容描述最多 2000 字，用途最多 500 字，文件名称或文号最多 200 字。")
    day = today or local_date()
    deadline = calendar.add_working_days(day, REPLY_DAYS)
    number = new_number(session, "YSQ", InfoRequest, day)
    code = f"{secrets.randbelow(10**6):06d}"
    request = InfoRequest(
        number=number, lookup_hash=_hash(number, code), organ_id=organ.id, division_code=organ.division.code,
        applicant_type=applicant_type, name=contact["name"], id_number=ident,
        legal_representative=(legal_representative or "").strip()[:50] or None,
        contact_person=(contact_person or "").strip()[:50] or None, phone=contact["phone"], email=contact["email"],
        address=contact["address"], postcode=postcode or None, description=description,
        document_ref=(document_ref or "").strip() or None, purpose=(purpose or "").strip() or None,
        delivery=delivery, medium=medium, state=OPEN, received_on=day, clock_start=day, due_date=deadline.due,
        due_provisional=deadline.provisional, applicant_id=applicant_id)
    session.add(request)
    session.flush()
    return request, code


_DUMMY_HASH = _hash("YSQ00000000000000", "000000")


def lookup(session: Session, number: str, code: str) -> InfoRequest | None:
    """The request with ``number`` when ``code`` matches, else None (same work either way)."""
    number, code = (number or "").strip().upper()[:32], (code or "").strip()[:16]
    found = session.scalar(select(InfoRequest).where(InfoRequest.number == number)) if number else None
    ok = hmac.compare_digest(found.lookup_hash if found is not None else _DUMMY_HASH, _hash(number, code))
    return found if (found is not None and ok) else None


def _check(scope: Scope, request: InfoRequest, *roles: str) -> None:
    scope.check(request.division_code)
    if not scope.has_role(*roles):
        raise PermissionDenied("您的岗位不能办理此操作。" if roles != (HEAD_ROLE,)
                               else "延长答复期限须经本机关负责人同意（政府信息公开条例第三十三条）。")


def due_date(calendar: WorkingCalendar, request: InfoRequest):
    """The reply deadline: 20 working days (+ the extension) after the clock's start (第三十三条)."""
    return calendar.add_working_days(request.clock_start, REPLY_DAYS + (request.extension_days or 0))


def _recompute(calendar: WorkingCalendar, request: InfoRequest) -> None:
    deadline = due_date(calendar, request)
    request.due_date, request.due_provisional = deadline.due, deadline.provisional


@dataclass(frozen=True)
class Issued:
    """What a step issued: the document row and its PDF bytes (for the screens to offer)."""

    document: Any
    pdf: bytes


class LetterIssuer:
    """How services issue a letter: ``issue(request, kind_name, paragraphs, rights, actor, today)``.

    The screens build one around :func:`govkit.desk.issuing.issue_organ_document` with the app's templates,
    file store and settings (see :mod:`govkit.inforequest.letters`).
    """

    def issue(self, session: Session, request: InfoRequest, kind: str, paragraphs: list[str], *, rights: bool,
              actor: Any, today: date) -> Issued:  # pragma: no cover - interface
        raise NotImplementedError


def ask_supplement(session: Session, scope: Scope, request: InfoRequest, *, text: str, days: int, actor: Any,
                   issuer: LetterIssuer, calendar: WorkingCalendar, today: date | None = None) -> InfoRequest:
    """Ask once for a 补正 (第三十条): the clock stops until the corrected request arrives."""
    _check(scope, request, *HANDLER_ROLES)
    day = today or local_date()
    if request.state != OPEN:
        raise InvalidTransition(f"当前状态为“{request.state}”，只有办理中的申请可以要求补正。")
    if request.supplement_asked_on is not None:
        raise InvalidTransition("补正应当一次性告知（第三十条），本申请已要求过补正。")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请写明需要补正的事项和具体要求（第三十条）。")
    if day > request.due_date:
        raise InvalidTransition("补正应当自收到申请之日起 7 个工作日内一次性告知（第三十条），本申请已超过答复期限。")
    if calendar.working_days_between(request.received_on, day) > 7:
        raise InvalidTransition("补正应当自收到申请之日起 7 个工作日内一次性告知（第三十条），已超过 7 个工作日。")
    request.state, request.supplement_text, request.supplement_asked_on = SUPPLEMENT, text, day
    request.supplement_due = calendar.add_working_days(day, days).due
    paragraphs = [
        _OPENINGS.format(_cn(request.received_on), request.number, request.description),
        f"经审查，你（单位）的申请内容不明确。根据《中华人民共和国政府信息公开条例》第三十条的规定，请你（单位）对以下事项作出补正：{text}",
        f"请于{_cn(request.supplement_due)}前补正。答复期限自本机关收到补正的申请之日起计算；无正当理由逾期不补正的，"
        "视为放弃申请，本机关不再处理该政府信息公开申请。",
    ]
    issued = issuer.issue(session, request, "foi_supplement_notice", paragraphs, rights=False, actor=actor, today=day)
    request.supplement_document_id = issued.document.id
    _tell(session, request, f"您的政府信息公开申请（{request.number}）需要补正：{text[:150]}。"
                            f"请于{_cn(request.supplement_due)}前补正。")
    session.flush()
    return request


def record_correction(session: Session, scope: Scope, request: InfoRequest, *, text: str,
                      calendar: WorkingCalendar, today: date | None = None) -> InfoRequest:
    """The corrected request arrived: the 20 working days count from today (第三十条)."""
    _check(scope, request, *HANDLER_ROLES)
    if request.state != SUPPLEMENT:
        raise InvalidTransition("只有待补正的申请可以登记补正。")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请录入申请人补正的内容。")
    day = today or local_date()
    request.state, request.corrected_on, request.clock_start = OPEN, day, day
    request.description = f"{request.description}\n【补正 {day.isoformat()}】{text}"[:4000]
    _recompute(calendar, request)
    session.flush()
    return request


def lapse(session: Session, scope: Scope, request: InfoRequest, *, today: date | None = None) -> InfoRequest:
    """No correction by the date given: the request is deemed given up (第三十条, 视为放弃申请)."""
    _check(scope, request, *HANDLER_ROLES)
    day = today or local_date()
    if request.state != SUPPLEMENT or request.supplement_due is None or day <= request.supplement_due:
        raise InvalidTransition("只有补正期限届满仍未补正的申请才能按视为放弃申请处理。")
    request.state, request.replied_on = LAPSED, day
    session.flush()
    return request


def extend(session: Session, scope: Scope, request: InfoRequest, *, days: int, reason: str, actor: Any,
           issuer: LetterIssuer, calendar: WorkingCalendar, today: date | None = None) -> InfoRequest:
    """Extend the reply deadline once by at most 20 working days with the head's approval (第三十三条第二款)."""
    _check(scope, request, HEAD_ROLE)
    day = today or local_date()
    if request.state != OPEN:
        raise InvalidTransition(f"当前状态为“{request.state}”，只有办理中的申请可以延期。")
    if request.extension_days:
        raise InvalidTransition("答复期限只能延长一次（第三十三条第二款）。")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError(f"延长的期限应为 1 至 {MAX_EXTENSION_DAYS} 个工作日（第三十三条第二款）。")
    if day > request.due_date:
        raise InvalidTransition("答复期限已届满，不能再延长；请尽快答复。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写延期理由。")
    request.extension_days, request.extension_reason, request.extended_on = days, reason, day
    request.extended_by = (getattr(actor, "name", "") or "")[:100]
    _recompute(calendar, request)
    paragraphs = [
        _OPENINGS.format(_cn(request.received_on), request.number, request.description),
        f"因{reason}，本机关不能在规定期限内作出答复。根据《中华人民共和国政府信息公开条例》第三十三条第二款的规定，"
        f"经本机关负责人同意，答复期限延长 {days} 个工作日，最迟于{_cn(request.due_date)}前作出答复。",
    ]
    issued = issuer.issue(session, request, "foi_extension_notice", paragraphs, rights=False, actor=actor, today=day)
    request.extension_document_id = issued.document.id
    _tell(session, request, f"您的政府信息公开申请（{request.number}）答复期限延长至{_cn(request.due_date)}。")
    session.flush()
    return request


def _tell(session: Session, request: InfoRequest, text: str) -> None:
    """Store the message to the requester (phone, else e-mail, else postal address)."""
    notify(session, topic=TOPIC, reference=request.number,
           recipient=request.phone or request.email or request.address, text=text)


def _cn(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "—"


def _reply_paragraphs(request: InfoRequest, reply_type: str, text: str, reason: str, competent: str) -> list[str]:
    opening = _OPENINGS.format(_cn(request.received_on), request.number, request.description)
    law = "根据《中华人民共和国政府信息公开条例》"
    body = {
        "予以公开": f"经审查，你（单位）申请公开的信息属于可以公开的政府信息。{law}第三十六条第（二）项的规定，"
                    f"本机关予以公开，通过{request.delivery}方式向你（单位）提供。",
        "部分公开": f"经审查，你（单位）申请公开的信息中含有不应当公开的内容，但能够作区分处理。{law}第三十七条的规定，"
                    f"本机关向你（单位）提供可以公开的内容；不予公开的部分，理由为：{reason}。",
        "不予公开": f"经审查，你（单位）申请公开的信息{reason}。{law}第三十六条第（三）项的规定，本机关决定不予公开。",
        "信息不存在": f"经检索，本机关没有你（单位）所申请公开的信息。{law}第三十六条第（四）项的规定，告知你（单位）"
                      "该政府信息不存在。",
        "非本机关": f"经审查，你（单位）所申请公开的信息不属于本机关负责公开。{law}第三十六条第（五）项的规定，"
                    f"负责公开该政府信息的行政机关为{competent}，请向其提出申请。",
        "重复申请": f"本机关已就你（单位）申请公开的相同政府信息作出答复。{law}第三十六条第（六）项的规定，"
                    "本机关不予重复处理。",
    }[reply_type]
    return [opening, body] + ([text] if text else [])


def reply(session: Session, scope: Scope, request: InfoRequest, *, reply_type: str, actor: Any,
          issuer: LetterIssuer, text: str = "", reason: str = "", competent_organ: str = "",
          fee: str | Decimal | None = None, today: date | None = None) -> InfoRequest:
    """Reply (第三十六条、第三十七条) with the 答复书 of ``reply_type``; the request is 已答复."""
    _check(scope, request, *HANDLER_ROLES)
    if request.state != OPEN:
        raise InvalidTransition(f"当前状态为“{request.state}”，只有办理中的申请可以答复。")
    reply_type = choose(reply_type, tuple(REPLY_TYPES), "答复类型")
    reason, competent, text = (reason or "").strip(), (competent_organ or "").strip(), (text or "").strip()
    if reply_type in ("不予公开", "部分公开") and reason not in WITHHOLD_REASONS:
        raise ValidationError("不予公开（含部分公开中不予公开的部分）须选择法定理由"
                              "（政府信息公开条例第十四条至第十六条）。")
    if reply_type == "非本机关" and not competent:
        raise ValidationError("请填写负责公开该信息的行政机关名称和联系方式（第三十六条第（五）项）；"
                              "不能确定的，请写明“无法确定”。")
    if len(text) > 2000:
        raise ValidationError("补充说明最多 2000 字。")
    try:
        amount = Decimal(str(fee or "0").strip() or "0")
    except InvalidOperation as exc:
        raise ValidationError("信息处理费应为金额数字，如 0 或 50.00。") from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("100000"):
        raise ValidationError("信息处理费应为 0 至 99999.99 元。")
    day = today or local_date()
    paragraphs = _reply_paragraphs(request, reply_type, text, reason, competent)
    issued = issuer.issue(session, request, REPLY_TYPES[reply_type], paragraphs, rights=True, actor=actor, today=day)
    request.state, request.reply_type, request.replied_on = REPLIED, reply_type, day
    request.reply_reason, request.competent_organ = reason or None, competent or None
    request.reply_text, request.fee = text or None, amount
    request.replied_by = (getattr(actor, "name", "") or "")[:100]
    request.reply_document_id = issued.document.id
    _tell(session, request, f"您的政府信息公开申请（{request.number}）已答复：{reply_type}，"
                            f"答复书文号 {issued.document.document_number}。")
    session.flush()
    return request


# -- deadline cards ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestCard:
    """An open request with a yellow or red card (no requester data)."""

    request_id: int
    number: str
    organ: str
    division_code: str
    received_on: date
    due: date
    provisional: bool
    remaining: int
    extended: bool
    card: str


#: What the applicant account that filed a request is told after a staff action (message kind, text).
_ACCOUNT_MESSAGES = {
    "reply": ("reply", "已答复（{reply_type}），请登录“我的办件”→“我的申请”查看答复书。"),
    "supplement": ("supplement", "需要补正（第三十条），请登录“我的办件”→“我的申请”查看补正告知书。"),
    "extend": ("reply", "经机关负责人同意延长答复期限（第三十三条），请登录“我的办件”→“我的申请”查看告知书。"),
}


def account_message(request: InfoRequest, action: str) -> tuple[str, str] | None:
    """(kind, text) of the message to the requester's applicant account after ``action``, or None."""
    if action not in _ACCOUNT_MESSAGES:
        return None
    kind, text = _ACCOUNT_MESSAGES[action]
    return kind, f"【网上办事大厅】您的政府信息公开申请 {request.number}" + text.format(reply_type=request.reply_type)


def cards(session: Session, scope: Scope, *, calendar: WorkingCalendar, settings: Mapping[str, Any],
          today: date, limit: int = 1000) -> list[RequestCard]:
    """Requests being handled in ``scope`` with a yellow or red card, red (most overdue) first.

    A request waiting for 补正 has no card: its clock stands still (第三十条).
    """
    rows = session.execute(
        select(InfoRequest.id, InfoRequest.number, Organ.full_name, InfoRequest.division_code,
               InfoRequest.received_on, InfoRequest.clock_start, InfoRequest.due_date, InfoRequest.due_provisional,
               InfoRequest.extension_days)
        .join(Organ, Organ.id == InfoRequest.organ_id)
        .where(scope.clause(InfoRequest.division_code), InfoRequest.state == OPEN)
        .order_by(InfoRequest.due_date).limit(limit))
    out = []
    for rid, number, organ, code, received, start, due, provisional, ext in rows:
        card, remaining = deadline_card(calendar, start, due, today, settings)
        if card in ("yellow", "red"):
            out.append(RequestCard(rid, number, organ or "", code, received, due, provisional, remaining,
                                   bool(ext), card))
    out.sort(key=lambda r: (r.card != "red", r.remaining))
    return out

"""Public case progress lookup (办件进度查询) by case number + a verification factor.

The factor is the last 4 digits of the applicant's phone or the token printed in the
notice's QR code. A wrong factor and an unknown number give the same answer (None)
after the same work, so the page cannot be used to probe which numbers exist. The
result (:class:`Progress`) carries no personal data at all: no name, ID number, phone,
address, and no staff names. Plain Python: no Flask imports.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import format_chinese_date
from govkit.cases.models import Case
from govkit.catalog.wording import wording_for
from govkit.clock import local_date
from govkit.hierarchy.models import Division
from govkit.publicity.ratings import is_rateable

try:  # the cases engineer's labels when present
    from govkit.cases.states import STATE_LABELS as _CASE_LABELS
except ImportError:  # pragma: no cover - depends on build order
    _CASE_LABELS = {}

STATE_LABELS: dict[str, str] = {
    "registered": "已登记", "supplement": "待补正", "refused": "不予受理", "accepted": "已受理",
    "forwarded": "已上报待签收", "signed": "已签收", "assigned": "已分派", "in_review": "审查中",
    "returned": "已退回", "suspended": "特别程序中", "approved": "准予许可", "denied": "不予许可",
    "completed": "已办结", "delivered": "已送达", "withdrawn": "已撤回", "online": "网上申报（待预审）",
    "online_supplement": "网上补正中", **_CASE_LABELS,
}

#: What the applicant must do next, by state (shown under the state).
NEXT_STEPS: dict[str, str] = {
    "registered": "材料已登记，请等待受理；如有疑问请联系受理点。",
    "supplement": "请按《一次性告知书》列明的材料一次补齐，送交原受理点；补正期间办理时限暂停计算。",
    "refused": "申请未予受理，具体理由见《不予受理通知书》。如有异议，可依法申请行政复议或提起行政诉讼。",
    "accepted": "已受理，正在办理中，无需您再做什么。",
    "forwarded": "已报送上级办理机关，无需您再做什么。",
    "signed": "上级办理机关已签收，无需您再做什么。",
    "assigned": "已分派到办理窗口，无需您再做什么。",
    "in_review": "正在审查，无需您再做什么；如需补充情况，工作人员会联系您。",
    "returned": "办理机关需要补充情况，受理点工作人员会与您联系。",
    "suspended": "正在进行听证、检验或专家评审等特别程序，所需时间不计入办理时限。",
    "approved": "已作出{grant}决定，等待办结送达。",
    "denied": "已作出{deny}决定，理由见《{deny_title}》。如有异议，可依法申请行政复议或提起行政诉讼。",
    "completed": "已办结，请留意领取通知，或由村代办员送达；欢迎对本次服务进行评价。",
    "delivered": "结果已送达，欢迎对本次服务进行评价。",
    "withdrawn": "申请已撤回。",
    "online": "网上申报已提交，受理单位正在预审；预审结果会通知您。",
    "online_supplement": "请在网上办事大厅按一次性告知的材料逐项上传补正；补正期间办理时限暂停计算。",
}


@dataclass(frozen=True)
class Step:
    """One public step of a case: date, what happened, where (unit name only)."""

    day: str
    label: str
    place: str | None


@dataclass(frozen=True)
class Progress:
    """What the public progress page shows. Never holds personal data."""

    case_id: int
    number: str
    item_name: str
    state: str
    state_label: str
    next_step: str
    received: str | None
    promised: str | None
    promised_provisional: bool
    completed: str | None
    rateable: bool
    rated: bool
    steps: list[Step] = field(default_factory=list)


#: China Standard Time (no DST): a step at 23:30 UTC happened the next day locally.


def _digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def _matches(phone: str | None, expected_token: str, *, phone_last4: str | None, token: str | None) -> bool:
    phone_tail = _digits(phone)[-4:]
    token_ok = hmac.compare_digest((token or "").encode()[:64], expected_token.encode()) if token else False
    given = _digits(phone_last4)
    phone_ok = hmac.compare_digest(given.encode(), phone_tail.encode()) and len(given) == 4
    return token_ok or phone_ok


#: Compared against when the number does not exist, so both failures do the same work.
_DUMMY = (None, "x" * 16, "x" * 16)


def verify(case: Case | None, *, phone_last4: str | None = None, token: str | None = None) -> bool:
    """True when the factor matches ``case``; does the same comparison work when ``case`` is None."""
    if case is None:
        _matches(_DUMMY[1], _DUMMY[2], phone_last4=phone_last4, token=token)
        return False
    return _matches(case.applicant_phone, case.progress_token, phone_last4=phone_last4, token=token)


def find_verified(session: Session, number: str, *, phone_last4: str | None = None,
                  token: str | None = None) -> Case | None:
    """The case ``number`` when the factor matches, else None (unknown and wrong look alike).

    Both failures run the same one-row indexed query for three short columns and the same
    constant-time comparisons; the full case is loaded only after a match.
    """
    number = (number or "").strip()[:32]
    row = session.execute(select(Case.id, Case.applicant_phone, Case.progress_token)
                          .where(Case.number == number)).first() if number else None
    case_id, phone, expected = row if row is not None else _DUMMY
    ok = _matches(phone, expected, phone_last4=phone_last4, token=token)
    return session.get(Case, case_id) if (row is not None and ok) else None


def progress_of(session: Session, case: Case, *, rated: bool) -> Progress:
    """Build the public view of a verified case."""
    codes = {e.division_code for e in case.events if e.division_code}
    names: dict[str, str] = {}
    if codes:
        names = {code: name for code, name in session.execute(
            select(Division.code, Division.name).where(Division.code.in_(codes)))}
    implementation = case.implementation
    # Decisions are worded by item type (a 低保 is 给付, not 准予许可): govkit.catalog.wording.
    wording = wording_for(implementation.effective_item_type if implementation is not None else None)
    labels = {**STATE_LABELS, **wording.state_labels()}
    steps = [
        Step(format_chinese_date(local_date(e.at)), labels.get(e.to_state, e.to_state),
             names.get(e.division_code))
        for e in case.events if e.action != "document_issued"  # issuing a notice is no step of the case
    ]
    next_step = NEXT_STEPS.get(case.state, "如有疑问请联系受理点。").format(
        grant=wording.grant, deny=wording.deny, deny_title=wording.deny_title)
    return Progress(
        case_id=case.id,
        number=case.number,
        item_name=implementation.name if implementation is not None else "",
        state=case.state,
        state_label=labels.get(case.state, case.state),
        next_step=next_step,
        received=format_chinese_date(case.received_date) if case.received_date else None,
        promised=format_chinese_date(case.due_date) if case.due_date else None,
        promised_provisional=bool(case.due_provisional),
        completed=format_chinese_date(case.completed_date) if case.completed_date else None,
        rateable=is_rateable(case) and not rated,
        rated=rated,
        steps=steps,
    )

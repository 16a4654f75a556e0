"""Deadlines (办结期限) and deadline status: remaining working days, yellow and red cards.

The same rule is computed two ways that must agree (``tests/cases/test_deadlines.py``):

* in Python for one case (:func:`deadline_status`), from the app's :class:`WorkingCalendar`;
* in SQL for lists (:func:`status_columns`), from the ``gk_working_day`` table whose
  ``ordinal`` counts working days, so "working days after a up to b" is
  ``ordinal(b) - ordinal(a)`` — two primary-key lookups, no loops.

Rules: remaining = working days after *reference* up to the due date, where the
reference is today, or the day the clock stopped while paused (补正/特别程序);
red (红牌) when the reference is after the due date; yellow (黄牌) when at most
``YELLOW_CARD_DAYS`` remain or the share used ``(limit - remaining) / limit`` reaches
``YELLOW_CARD_RATIO``; otherwise green.

Before acceptance the card is the §32 intake clock (行政许可法第三十二条, five working days from
receipt, ``Case.intake_due_date``) of a registered case: red past it, yellow when at most
``INTAKE_YELLOW_DAYS`` (1) remain, else green; a case waiting for 补正 past the applicant's period
(``Case.supplement_due_date``) shows ``lapsed`` (补正逾期). Plain Python and SQLAlchemy Core, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import and_, case as sql_case, func, literal, select
from sqlalchemy.orm import aliased

from govkit.cases.calendar import Deadline, WorkingCalendar, format_chinese_date
from govkit.cases.models import Case, CasePause, WorkingDay

#: Pause reasons that stop the clock (a special procedure counted in the limit does not).
CLOCK_PAUSES = ("supplement", "special")

CARD_LABELS = {
    "none": "未计时", "green": "正常", "yellow": "黄牌", "red": "红牌", "paused": "暂停计时", "overrun": "特别程序超时",
    "on_time": "按时办结", "late": "超期办结", "lapsed": "补正逾期",
}
#: Working days left on the §32 intake clock at or below which it turns yellow.
INTAKE_YELLOW_DAYS = 1


def closed_pauses(pauses: Iterable[CasePause]) -> list[tuple[date, date]]:
    """Closed clock pauses as inclusive ``(first, last)`` day intervals."""
    result = []
    for pause in pauses:
        if pause.reason in CLOCK_PAUSES and pause.end is not None and pause.end >= pause.start:
            result.append((pause.start, pause.end))
    return result


#: How the case page names a pause: (what, the word for its first day, the word for its last day).
_PAUSE_WORDS = {"supplement": ("补正", "一次性告知", "补正"), "special": ("特别程序", "开始", "结束"),
                "special_counted": ("特别程序", "开始", "结束")}


def pause_period(pause: CasePause) -> str:
    """The case page's line for a pause: ``补正：2026年12月5日一次性告知，2026年12月9日补正（…不计入期限）``.

    A pause asked for on day S stops the clock from S+1 (``pause.start``) and a resumption on day
    R closes it at R (``pause.end``), so one resumed the day it was asked is stored as (S+1, S):
    no day stopped. Shown by the day it was asked and the day it ended — never "S+1 至 S".
    """
    what, began, ended = _PAUSE_WORDS.get(pause.reason, (pause.reason, "开始", "结束"))
    asked = pause.start - timedelta(days=1)
    text = f"{what}：{format_chinese_date(asked)}{began}"
    stops = pause.reason in CLOCK_PAUSES
    if pause.end is None:
        text += f"，尚未{ended}（{'自' + format_chinese_date(pause.start) + '起暂停计时' if stops else '计入期限'}）"
    elif pause.end < pause.start:
        text += f"，当日{ended}（未暂停计时）"
    else:
        text += f"，{format_chinese_date(pause.end)}{ended}"
        span = format_chinese_date(pause.start) + ("" if pause.end == pause.start else
                                                   "至" + format_chinese_date(pause.end))
        text += f"（{span}不计入期限）" if stops else "（计入期限）"
    if pause.allowance_days:
        text += f"，允许 {pause.allowance_days} 个工作日"
    return text


def compute_due(calendar: WorkingCalendar, start: date, days: int,
                pauses: Sequence[tuple[date, date]] = ()) -> Deadline:
    """``days`` working days after ``start`` skipping paused intervals (start day not counted)."""
    return calendar.add_working_days(start, max(days, 0), paused=pauses)


def case_deadline(calendar: WorkingCalendar, case: Case) -> Deadline | None:
    """The promised due date of an accepted case from its own fields (None before acceptance)."""
    if case.accepted_date is None:
        return None
    return compute_due(calendar, case.accepted_date, case.time_limit_days + case.extension_days,
                       closed_pauses(case.pauses))


@dataclass(frozen=True)
class DeadlineStatus:
    """Deadline status of one case as the desk and supervision screens show it."""

    card: str  # none / green / yellow / red / overrun / paused / on_time / late
    remaining: int | None
    due: date | None
    provisional: bool

    @property
    def label(self) -> str:
        return CARD_LABELS[self.card]


def deadline_status(case: Any, calendar: WorkingCalendar, settings: Mapping[str, Any],
                    today: date) -> DeadlineStatus:
    """Python form of the rule (one case). ``case`` needs the columns, not relationships."""
    due = case.due_date
    if due is None:
        return _before_acceptance(case, calendar, today)
    provisional = bool(case.due_provisional)
    if case.completed_date is not None:
        card = "on_time" if case.completed_date <= due else "late"
        return DeadlineStatus(card, None, due, provisional)
    reference = case.paused_since or today
    remaining = calendar.working_days_between(reference, due)
    if case.special_due is not None and today > case.special_due:
        card = "overrun"  # 行政许可法第四十五条: the procedure runs past the time the applicant was told
    elif case.paused_since is not None:
        card = "paused"
    elif reference > due:
        card = "red"
    else:
        limit = (case.time_limit_days or 0) + (case.extension_days or 0)
        used = limit - remaining
        if remaining <= settings["YELLOW_CARD_DAYS"] or (limit > 0 and used >= settings["YELLOW_CARD_RATIO"] * limit):
            card = "yellow"
        else:
            card = "green"
    return DeadlineStatus(card, remaining, due, provisional)


def _before_acceptance(case: Any, calendar: WorkingCalendar, today: date) -> DeadlineStatus:
    """The intake card of a case not accepted yet (§32 clock, or 补正逾期)."""
    supplement_due = getattr(case, "supplement_due_date", None)
    if case.state in ("supplement", "online_supplement") and supplement_due is not None and today > supplement_due:
        return DeadlineStatus("lapsed", None, supplement_due, bool(case.supplement_due_provisional))
    intake_due = getattr(case, "intake_due_date", None)
    if case.state not in ("registered", "online") or intake_due is None:
        return DeadlineStatus("none", None, None, False)
    remaining = calendar.working_days_between(today, intake_due)
    card = "red" if today > intake_due else "yellow" if remaining <= INTAKE_YELLOW_DAYS else "green"
    return DeadlineStatus(card, remaining, intake_due, bool(case.intake_due_provisional))


def status_columns(today: date, settings: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    """SQL form of the rule: ``(remaining, card, due_day_alias, ref_day_alias)``.

    Use with :func:`with_status` or add ``outerjoin``s yourself: the remaining
    expression needs the two aliased ``gk_working_day`` rows joined on the due date
    and on the reference day.
    """
    due_day = aliased(WorkingDay, name="wd_due")
    ref_day = aliased(WorkingDay, name="wd_ref")
    remaining = due_day.ordinal - ref_day.ordinal
    limit = Case.time_limit_days + Case.extension_days
    ratio = float(settings["YELLOW_CARD_RATIO"])
    intake = and_(Case.due_date.is_(None), Case.state.in_(("registered", "online")), Case.intake_due_date.is_not(None))
    card = sql_case(
        (and_(Case.due_date.is_(None), Case.state.in_(("supplement", "online_supplement")),
              Case.supplement_due_date < today),
         literal("lapsed")),
        (and_(intake, Case.intake_due_date < today), literal("red")),
        (and_(intake, remaining <= INTAKE_YELLOW_DAYS), literal("yellow")),
        (intake, literal("green")),
        (Case.due_date.is_(None), literal("none")),
        (and_(Case.completed_date.is_not(None), Case.completed_date <= Case.due_date), literal("on_time")),
        (Case.completed_date.is_not(None), literal("late")),
        (and_(Case.special_due.is_not(None), Case.special_due < today), literal("overrun")),
        (Case.paused_since.is_not(None), literal("paused")),
        (Case.due_date < today, literal("red")),
        (remaining <= int(settings["YELLOW_CARD_DAYS"]), literal("yellow")),
        (and_(limit > 0, (limit - remaining) >= limit * ratio), literal("yellow")),
        else_=literal("green"),
    )
    remaining_or_null = sql_case(
        (and_(Case.due_date.is_not(None), Case.completed_date.is_(None)), remaining),
        (intake, remaining), else_=None
    )
    return remaining_or_null, card, due_day, ref_day


def with_status(query: Any, today: date, settings: Mapping[str, Any]) -> Any:
    """Add ``remaining`` and ``card`` columns to a ``select(Case, ...)`` query."""
    remaining, card, due_day, ref_day = status_columns(today, settings)
    return (
        query.add_columns(remaining.label("remaining"), card.label("card"))
        # Before acceptance the intake clock's last day stands in for the due date.
        .outerjoin(due_day, due_day.day == func.coalesce(Case.due_date, Case.intake_due_date))
        .outerjoin(ref_day, ref_day.day == func.coalesce(Case.paused_since, today))
    )


def statuses_sql(session: Any, case_ids: Iterable[int], today: date,
                 settings: Mapping[str, Any]) -> dict[int, tuple[int | None, str]]:
    """``{case_id: (remaining, card)}`` computed in SQL for the given cases."""
    query = with_status(select(Case.id), today, settings).where(Case.id.in_(list(case_ids)))
    return {row[0]: (row[1], row[2]) for row in session.execute(query)}

"""Intake rules (受理环节): the materials checklist, the §32 intake clock and the 补正 period.

行政许可法第三十二条: 申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的
全部内容，逾期不告知的，自收到申请材料之日起即为受理。So:

* every checklist row is decided by the clerk — 已收 / 缺 / 不适用 (不适用 only on 情形必需 rows);
  nothing is pre-decided; :func:`missing_rows` is the complete list the 一次性告知书 must carry;
* a registered case carries an intake clock of ``SUPPLEMENT_NOTICE_DAYS`` (5) working days from receipt
  (:func:`intake_due`); past it, with neither acceptance, refusal nor a 补正 notice, the case is deemed
  accepted from the day of receipt (视为受理, the ``deem_accepted`` step);
* the 一次性告知书 gives the applicant the implementation's 补正 period (``supplement_days``, default
  ``SUPPLEMENT_PERIOD_DAYS``); past it the case is flagged and may be closed as 视为撤回 by an
  explicit step (``withdraw_deemed``), never silently.

Plain Python, no Flask.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from govkit.cases import states
from govkit.cases.calendar import Deadline, WorkingCalendar
from govkit.cases.models import (MATERIAL_MISSING, MATERIAL_NOT_APPLICABLE, MATERIAL_RECEIVED, Case,
                                 CaseMaterial)
from govkit.errors import ValidationError

MATERIAL_STATES = (MATERIAL_RECEIVED, MATERIAL_MISSING, MATERIAL_NOT_APPLICABLE)
#: 情形必需: required only in some situations — the only necessity 不适用 may be set on.
CONDITIONAL = "情形必需"
#: Working days left at or below which the intake clock turns yellow.
INTAKE_YELLOW_DAYS = 1


def set_status(row: CaseMaterial, status: str | None) -> None:
    """Decide one checklist row; 不适用 only on a 情形必需 row."""
    if status in (None, ""):
        row.status = None
        return
    if status not in MATERIAL_STATES:
        raise ValidationError(f"材料“{row.material.name}”的状态应为 已收、缺 或 不适用。")
    if status == MATERIAL_NOT_APPLICABLE and row.material.necessity != CONDITIONAL:
        raise ValidationError(
            f"材料“{row.material.name}”为{row.material.necessity}材料，不能标为“不适用”；"
            "只有情形必需的材料可以标为不适用。")
    row.status = status


def apply_statuses(rows: Iterable[CaseMaterial], statuses: Mapping[Any, str | None]) -> None:
    """Set the rows named in ``statuses`` (material id → status); other rows keep theirs."""
    wanted = {int(k): v for k, v in statuses.items()}
    by_id = {row.material_id: row for row in rows}
    unknown = [k for k in wanted if k not in by_id]
    if unknown:
        raise ValidationError(f"材料编号 {'、'.join(map(str, unknown))} 不属于本办件的材料清单。")
    for key, status in wanted.items():
        set_status(by_id[key], status)


def all_required_received(rows: Iterable[CaseMaterial]) -> None:
    """The one-click "必需材料均已收取": every 必需 row becomes 已收 (other rows stay as decided)."""
    for row in rows:
        if row.material.necessity == "必需":
            row.status = MATERIAL_RECEIVED


def undecided(rows: Iterable[CaseMaterial]) -> list[CaseMaterial]:
    return [row for row in rows if row.status is None]


def missing_rows(rows: Iterable[CaseMaterial]) -> list[CaseMaterial]:
    """The complete list of missing materials (缺): the 一次性告知书 carries every one."""
    return sorted((row for row in rows if row.status == MATERIAL_MISSING),
                  key=lambda r: (r.material.position or 0, r.material_id))


def require_decided(rows: Iterable[CaseMaterial], what: str) -> None:
    """Refuse ``what`` while any checklist row is undecided (naming the rows)."""
    left = undecided(rows)
    if left:
        raise ValidationError(
            f"材料清单中尚有 {len(left)} 项未确认（{'、'.join(r.material.name for r in left)}），"
            f"请逐项选择 已收、缺 或 不适用 后再{what}。", undecided=[r.material_id for r in left])


def intake_due(calendar: WorkingCalendar, received: date, settings: Mapping[str, Any]) -> Deadline:
    """Last day of the §32 intake clock: ``SUPPLEMENT_NOTICE_DAYS`` working days after receipt."""
    return calendar.add_working_days(received, int(settings["SUPPLEMENT_NOTICE_DAYS"]))


def start_intake_clock(case: Case, calendar: WorkingCalendar, settings: Mapping[str, Any], start: date) -> None:
    deadline = intake_due(calendar, start, settings)
    case.intake_due_date = deadline.due
    case.intake_due_provisional = deadline.provisional


def stop_intake_clock(case: Case) -> None:
    case.intake_due_date = None
    case.intake_due_provisional = False


def intake_overdue(case: Case, today: date) -> bool:
    """The §32 clock ran out: registered (or submitted online, 网上申报 — the clock runs from submission,
    行政许可法 §29/§32), never told to supplement, past the intake due date."""
    return (case.state in states.INTAKE_STATES and case.intake_due_date is not None
            and today > case.intake_due_date
            and case.supplement_due_date is None)


def supplement_days(implementation: Any, settings: Mapping[str, Any]) -> int:
    """The implementation's 补正 period (working days), or the ``SUPPLEMENT_PERIOD_DAYS`` default."""
    days = getattr(implementation, "supplement_days", None)
    return int(days) if days else int(settings["SUPPLEMENT_PERIOD_DAYS"])


def supplement_lapsed(case: Case, today: date) -> bool:
    """The applicant's 补正 period passed without 补正 (the case waits in 待补正)."""
    return (case.state in states.SUPPLEMENT_STATES and case.supplement_due_date is not None
            and today > case.supplement_due_date)

"""Demo data for supervision: 督办单 in every state, escalated cases and 过错责任追究 records (the demo county).

Plain Python over a session: a township supervisor orders units of the township (a red case, a
complaint, a rectification, a village); the unit answers some, the supervisor closes one; an
order issued three weeks ago and never answered, and a few cases red for long, are escalated to
the county by the same run ``govkit supervision escalate`` does; the county's own order on a county
unit, never answered, is escalated to the city the same way.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.calendar import WorkingCalendar
from govkit.cases.cards import running_clause
from govkit.cases.models import Case
from govkit.hierarchy.models import Division, Staff
from govkit.hierarchy.scope import Scope
from govkit.publicity.models import Complaint, Rectification
from govkit.supervision import accountability, orders
from govkit.supervision.escalation import run_escalation
from govkit.supervision.models import AccountabilityFinding, SupervisionOrder


def _findings(session: Session, boss: Scope, township: Division, cases: list[Case], by: orders.Actor) -> None:
    """Two 过错责任追究 records on the township's staff: one decided, one appealed and revoked."""
    staff = list(session.scalars(select(Staff).where(Staff.division_id == township.id).order_by(Staff.id).limit(2)))
    if not staff or not cases:
        return
    accountability.record_finding(session, boss, kind="case", ref=cases[0].number, staff_id=staff[0].id,
                                  fault="办件临近期限未主动告知申请人办理进度，群众多次来电催办。", decision="批评教育",
                                  actor=by)
    appealed = accountability.record_finding(session, boss, kind="case", ref=cases[-1].number,
                                             staff_id=staff[-1].id, fault="未一次性告知需补正的全部材料。",
                                             decision="通报批评", actor=by)
    accountability.appeal(session, appealed, reason="申请人补交的材料系新增情形，首次告知时已全部列明。",
                          actor=orders.Actor(staff[-1].name, staff[-1].user_id))
    accountability.decide_appeal(session, boss, appealed, uphold=False,
                                 comment="经调阅一次性告知书，申诉理由成立，撤销原决定。", actor=orders.Actor("孙监察"))


def _report(session: Session, app: Any, county: Division, calendar: WorkingCalendar, settings: Mapping[str, Any],
            today: date) -> None:
    """The county's 电子监察月报 of the previous month, issued through the documents path."""
    from govkit.cases.runtime import workflow_for  # deferred: the app's workflow (Flask side) only for the demo
    from govkit.desk.issuing import issuer_for  # deferred: as above
    from govkit.desk.storage import FileStore  # deferred: as above
    from govkit.state import get_state  # deferred: as above
    from govkit.supervision import report  # deferred: the report loads the print templates

    state = get_state(app)
    store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(settings["UPLOAD_MAX_BYTES"]))
    figures = report.gather(session, county, month=None, calendar=calendar, settings=settings, today=today)
    report.issue_report(session, county, figures, None, issuer_for(state, workflow=workflow_for(app), store=store),
                        today=today)


def seed_demo(session: Session, *, township_code: str, calendar: WorkingCalendar, settings: Mapping[str, Any],
              today: date, supervisor: str = "冯监察", clerk: str = "王清河", red_cases: int = 6,
              app: Any = None, county_supervisor: str = "孙监察") -> dict[str, int]:
    """Seed once (nothing when orders exist); return the orders per state. The caller commits.

    With ``app``, the county's (the township's parent's) monthly report for the previous month is issued too.
    """
    if session.scalar(select(SupervisionOrder.id).limit(1)) is not None:
        return {}
    township = session.scalar(select(Division).where(Division.code == township_code))
    if township is None:
        return {}
    boss = Scope.for_division(township.code, roles=frozenset({orders.SUPERVISOR_ROLE}))
    unit = Scope.for_division(township.code, roles=frozenset({"办理员"}))
    by, staff = orders.Actor(supervisor), orders.Actor(clerk)
    in_town = boss.clause(Case.current_division_code)
    open_cases = list(session.scalars(select(Case).where(in_town, running_clause(), Case.due_date.is_not(None))
                                      .order_by(Case.due_date).limit(4)))
    made: list[SupervisionOrder] = []

    def issue(kind: str, ref: str, reason: str, days: int = 5, on: date = today) -> SupervisionOrder:
        order = orders.issue_order(session, boss, kind=kind, ref=ref, reason=reason, days=days, calendar=calendar,
                                   actor=by, today=on)
        made.append(order)
        return order

    if open_cases:
        issue("case", open_cases[0].number, "该件临近承诺办结期限，请说明办理进度并按期办结。")
    if len(open_cases) > 1:
        answered = issue("case", open_cases[1].number, "申请人多次来电催办，请加快办理。", days=3)
        orders.respond(session, unit, answered, text="已联系申请人补充材料，预计本周内办结。", actor=staff)
    if len(open_cases) > 2:
        done = issue("case", open_cases[2].number, "请核实办理进度。", days=3)
        orders.respond(session, unit, done, text="已于当日办结并送达。", actor=staff)
        orders.close(session, boss, done, comment="回复属实，予以办结。", actor=by)
    complaint = session.scalar(select(Complaint).where(boss.clause(Complaint.division_code)).order_by(Complaint.id))
    if complaint is not None:
        issue("complaint", complaint.number, "群众投诉反映的问题请调查核实，并书面答复投诉人。")
    task = session.scalar(select(Rectification).where(boss.clause(Rectification.division_code),
                                                      Rectification.state == "待整改").order_by(Rectification.id))
    if task is not None:
        issue("rectification", str(task.id), "差评整改逾期未完成，请立即整改并回访评价人。")
    village = session.scalar(select(Division).where(Division.parent_id == township.id).order_by(Division.code))
    if village is not None:
        # Issued three weeks ago with 3 working days and never answered: the run below escalates it.
        issue("unit", village.code, "群众反映便民服务站工作时间无人值守，请整改并报告。", days=3,
              on=date.fromordinal(today.toordinal() - 21))
    county = township.parent
    if county is not None:
        # The county's own order on a county unit, three weeks old and never answered: escalated to the city
        # (the city's supervisors see the county's escalations in their list).
        county_case = session.scalar(select(Case).where(Case.current_division_code == county.code, running_clause(),
                                                        Case.due_date.is_not(None)).order_by(Case.due_date))
        ref = ("case", county_case.number) if county_case is not None else ("unit", county.code)
        made.append(orders.issue_order(
            session, Scope.for_division(county.code, roles=frozenset({orders.SUPERVISOR_ROLE})), kind=ref[0],
            ref=ref[1], reason="该件办理进度滞后，请县实施部门说明原因并限期办结。", days=3, calendar=calendar,
            actor=orders.Actor(county_supervisor), today=date.fromordinal(today.toordinal() - 21)))
    run_escalation(session, calendar=calendar, settings=settings, today=today, case_limit=red_cases)
    _findings(session, boss, township, open_cases, by)
    session.flush()
    counts: dict[str, int] = {}
    for order in session.scalars(select(SupervisionOrder)):
        counts[order.state] = counts.get(order.state, 0) + 1
    counts["过错责任追究"] = session.query(AccountabilityFinding).count()
    if app is not None and township.parent is not None:
        _report(session, app, township.parent, calendar, settings, today)
        counts["电子监察月报"] = 1
    return counts

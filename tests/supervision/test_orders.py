"""督办单 and automatic escalation on the working-day calendar, complaint and 差评 deadline cards."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from govkit.cases import cards
from govkit.cases.calendar import DayOverride, WorkingCalendar
from govkit.cases.states import STATE_LABELS
from govkit.consult import services as consult
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope
from govkit.publicity import complaints, ratings
from govkit.publicity.models import Callback, Rectification
from govkit.supervision import deadlines, escalation, orders
from govkit.supervision.models import ANSWERED, CLOSED, ESCALATED, PENDING, SupervisionOrder
from tests.publicity.world import make_case, make_world

pytestmark = pytest.mark.both_backends

CITY = "621000000000"
MON = date(2027, 3, 1)  # a Monday; 2027-03-03 (Wednesday) is made a local holiday below
HOLIDAY = date(2027, 3, 3)
CALENDAR = WorkingCalendar(overrides=[DayOverride(HOLIDAY, False, "停电闭馆")])
SETTINGS = {"YELLOW_CARD_RATIO": 0.8, "YELLOW_CARD_DAYS": 2, "ESCALATE_CASE_RED_DAYS": 3,
            "ESCALATE_CASE_RED_DAYS_BY_ITEM": {}, "COMPLAINT_HANDLING_DAYS": 5, "SUPERVISION_ORDER_DAYS": 2,
            "RATING_VERIFY_DAYS": 3, "CALLBACK_DAYS": 5, "RECTIFICATION_DAYS": 10}
SUPERVISOR, STAFF = orders.Actor("李监察", None), orders.Actor("王办理", None)


def _scope(code, role="监察"):
    return Scope.for_division(code, roles=frozenset({role}))


def test_order_issued_answered_closed_and_escalated_past_its_deadline(app, db):
    world = make_world(db.session)
    case = make_case(db.session, world, number="DB-CASE-1", state="in_review", accepted=MON - timedelta(days=10),
                     due=MON + timedelta(days=20))  # not red: only the orders escalate below
    town = _scope(world.town.code)
    # Issued on Monday with 2 working days: Tuesday counts, Wednesday is the holiday → due Thursday.
    order = orders.issue_order(db.session, town, kind="case", ref="DB-CASE-1", reason="群众反映久拖未办，请说明原因",
                               days=2, calendar=CALENDAR, actor=SUPERVISOR, today=MON)
    assert (order.state, order.due_date, order.issuer_division_code, order.target_division_code) == \
        (PENDING, date(2027, 3, 4), world.town.code, world.town.code)
    assert (order.subject_kind, order.subject_id, order.issuer_level) == ("case", case.id, 4)
    # Scope and role: another township's supervisor, a clerk, bad input.
    with pytest.raises(OutOfScope):
        orders.issue_order(db.session, _scope(world.other_town.code), kind="case", ref="DB-CASE-1", reason="x",
                           days=2, calendar=CALENDAR, actor=SUPERVISOR, today=MON)
    with pytest.raises(PermissionDenied):
        orders.issue_order(db.session, _scope(world.town.code, "受理员"), kind="case", ref="DB-CASE-1", reason="x",
                           days=2, calendar=CALENDAR, actor=SUPERVISOR, today=MON)
    for kind, ref, days, message in (("case", "NO-SUCH", 2, "不存在"), ("case", "DB-CASE-1", 0, "1 至 60"),
                                     ("case", "DB-CASE-1", "三", "整数"), ("thing", "x", 2, "督办对象"),
                                     ("rectification", "9" * 30, 2, "不存在")):  # beyond BIGINT: no DB error
        with pytest.raises(ValidationError, match=message):
            orders.issue_order(db.session, town, kind=kind, ref=ref, reason="r", days=days, calendar=CALENDAR,
                               actor=SUPERVISOR, today=MON)
    with pytest.raises(PermissionDenied):  # the supervisor does not answer their own order
        orders.respond(db.session, town, order, text="已办", actor=SUPERVISOR)
    with pytest.raises(InvalidTransition):  # nothing to close before the answer
        orders.close(db.session, town, order, comment="", actor=SUPERVISOR)
    orders.respond(db.session, _scope(world.town.code, "办理员"), order, text="已补齐材料，明日办结", actor=STAFF)
    assert order.state == ANSWERED and order.responded_by == "王办理"
    orders.close(db.session, town, order, comment="同意", actor=SUPERVISOR)
    assert order.state == CLOSED
    assert [e.action for e in order.events] == ["issue", "respond", "close"]
    assert [(e.from_state, e.to_state) for e in order.events][1:] == [(PENDING, ANSWERED), (ANSWERED, CLOSED)]

    # A second order, not answered: past its deadline the run escalates it to the county, then to the city.
    second = orders.issue_order(db.session, town, kind="unit", ref=world.village.code, reason="群众反映窗口无人",
                                days=2, calendar=CALENDAR, actor=SUPERVISOR, today=MON)
    assert second.target_division_code == world.village.code and second.due_date == date(2027, 3, 4)
    on_due_day = escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS, today=date(2027, 3, 4))
    assert on_due_day.orders == [] and second.state == PENDING
    report = escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS, today=date(2027, 3, 5))
    [county_order] = report.orders
    assert second.state == ESCALATED and county_order.escalated_from_id == second.id and county_order.automatic
    assert (county_order.issuer_division_code, county_order.issuer_level, county_order.target_division_code) == \
        (world.county.code, 3, world.village.code)
    assert county_order.due_date == date(2027, 3, 9)  # Friday + 2 working days over the weekend
    assert [e.action for e in second.events] == ["issue", "auto_escalate"]
    # Idempotent: a second run the same day does nothing.
    assert escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS,
                                     today=date(2027, 3, 5)).total == 0
    # The township cannot decide the county's order; the county's supervisors see it in their queue.
    with pytest.raises(PermissionDenied):
        orders.close(db.session, town, county_order, comment="", actor=SUPERVISOR)
    county = _scope(world.county.code)
    assert county_order in orders.supervisor_queue(db.session, county)
    assert county_order not in orders.supervisor_queue(db.session, town)
    assert county_order in orders.unit_queue(db.session, _scope(world.village.code, "受理员"))
    city = escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS, today=date(2027, 3, 10))
    assert [o.issuer_division_code for o in city.orders] == [CITY]
    assert [o.id for o in orders.chain(db.session, county_order)] == [second.id, county_order.id, city.orders[0].id]
    # A manual escalation of the closed order is refused.
    with pytest.raises(InvalidTransition):
        orders.escalate(db.session, order, reason="再督办", actor=SUPERVISOR, calendar=CALENDAR, days=2,
                        today=MON, scope=town)


def test_red_case_escalates_after_n_working_days_with_a_holiday_between(app, db):
    world = make_world(db.session)
    case = make_case(db.session, world, number="RED-HOLIDAY", state="in_review", accepted=MON - timedelta(days=30),
                     due=MON)
    make_case(db.session, world, number="GREEN-1", state="in_review", accepted=MON, due=MON + timedelta(days=20))

    def run(day, settings=SETTINGS):
        return escalation.run_escalation(db.session, calendar=CALENDAR, settings=settings, today=day)

    # Red since Tuesday; working days after the due date: Tue 1, (Wed holiday), Thu 2, Fri 3.
    assert run(date(2027, 3, 4)).cases == []
    [order] = run(date(2027, 3, 5)).cases
    assert (order.subject_kind, order.subject_id, order.subject_label) == ("case", case.id, "RED-HOLIDAY")
    assert (order.issuer_division_code, order.target_division_code, order.automatic) == \
        (world.county.code, world.town.code, True)
    assert "3 个工作日" in order.reason
    assert run(date(2027, 3, 8)).cases == []  # idempotent
    assert db.session.query(SupervisionOrder).count() == 1
    # Per item: the county sets 1 working day for this item.
    other = make_case(db.session, world, number="RED-ITEM", state="in_review", accepted=MON, due=date(2027, 3, 8))
    per_item = {**SETTINGS, "ESCALATE_CASE_RED_DAYS_BY_ITEM": {world.item.basic_code: 1}}
    assert run(date(2027, 3, 8), per_item).cases == []
    assert [o.subject_id for o in run(date(2027, 3, 9), per_item).cases] == [other.id]


def test_escalation_runs_on_the_card_clock_states_only(app, db):
    """One list decides which cases run a clock (govkit.cases.cards.RUNNING, as the cards and the home page):
    a case decided (准予/不予许可) but not yet 办结 is off the cards and is not escalated either."""
    world = make_world(db.session)
    made = {state: make_case(db.session, world, number=f"ST-{state}", state=state, accepted=MON - timedelta(days=40),
                             due=MON - timedelta(days=14), completed=None if state != "completed" else MON)
            for state in STATE_LABELS}
    report = escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS, today=MON)
    escalated = {o.subject_id for o in report.cases}
    assert escalated == {made[s].id for s in cards.RUNNING}
    assert made["approved"].id not in escalated and made["denied"].id not in escalated


def test_complaint_escalates_past_its_handling_deadline(app, db):
    world = make_world(db.session)
    complaint, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code,
                                             subject="窗口推诿", content="多次未办")
    complaint.created_at = datetime(2027, 3, 1, 2, tzinfo=timezone.utc)  # Monday, Beijing morning
    db.session.flush()
    # 5 working days from Monday, the holiday skipped: Tue, Thu, Fri, Mon, Tue → due 2027-03-09.
    assert deadlines.complaint_due(complaint, CALENDAR, 5).due == date(2027, 3, 9)
    assert escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS,
                                     today=date(2027, 3, 9)).complaints == []
    [order] = escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS,
                                        today=date(2027, 3, 10)).complaints
    # The village's complaint is supervised by the township; one level up is the county.
    assert complaint.supervising_code == world.town.code
    assert (order.issuer_division_code, order.target_division_code) == (world.county.code, world.village.code)


def test_consultation_escalates_past_its_answer_deadline_with_a_holiday_between(app, client, db, login_as):
    from flask import g

    world = make_world(db.session)
    ask = dict(name="赵先生", phone="13900001111", content="需要带哪些材料？", calendar=CALENDAR, days=3, today=MON)
    late, _ = consult.ask(db.session, world.impl, subject="低保材料", **ask)
    answered, _ = consult.ask(db.session, world.impl, subject="办理时间", **ask)
    # 3 working days from Monday, the holiday skipped: Tue, Thu, Fri → due Friday 2027-03-05.
    assert late.due_date == date(2027, 3, 5) and late.division_code == world.town.code
    consult.answer(db.session, _scope(world.town.code, "办理员"), answered, text="工作日均可办理。", actor="王办理")

    def run(day):
        return escalation.run_escalation(db.session, calendar=CALENDAR, settings=SETTINGS, today=day)

    assert run(date(2027, 3, 5)).questions == []  # on the due day: not late yet
    [order] = run(date(2027, 3, 8)).questions
    # The town's question is watched first by the town's supervisors; one level up is the county.
    assert (order.subject_kind, order.subject_id, order.subject_label, order.automatic) == \
        ("question", late.id, late.number, True)
    assert (order.issuer_division_code, order.issuer_level, order.target_division_code) == \
        (world.county.code, 3, world.town.code)
    assert "2027-03-05" in order.reason and order.due_date == date(2027, 3, 10)
    assert run(date(2027, 3, 9)).total == 0  # idempotent; the answered question never escalates
    county = _scope(world.county.code)
    assert order in orders.supervisor_queue(db.session, county)
    assert order not in orders.supervisor_queue(db.session, _scope(world.town.code))
    assert order in orders.unit_queue(db.session, _scope(world.town.code, "办理员"))
    # A supervisor may also order a consultation by its number; an unknown number is a Chinese message.
    with pytest.raises(ValidationError, match="咨询编号"):
        orders.issue_order(db.session, county, kind="question", ref="ZX0", reason="r", days=2, calendar=CALENDAR,
                           actor=SUPERVISOR, today=MON)
    db.session.commit()
    g.pop("_login_user", None), g.pop("_govkit_scope", None)
    login_as("监察", world.county.code)
    page = client.get("/supervision/orders/").get_data(as_text=True)
    assert late.number in page and "网上咨询" in page
    shown = client.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    assert f"网上咨询 {late.number}" in shown and "赵先生" not in shown and "13900001111" not in shown


def test_complaint_and_callback_deadlines_on_the_cards(app, db):
    world = make_world(db.session)
    today = date(2027, 3, 10)  # Wednesday
    near, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code, subject="a",
                                        content="b")
    near.created_at = datetime(2027, 3, 4, 2, tzinfo=timezone.utc)  # due 5 working days later: 2027-03-11
    far, _ = complaints.file_complaint(db.session, kind="意见", division_code=world.village.code, subject="c",
                                       content="d")
    far.created_at = datetime(2027, 3, 10, 2, tzinfo=timezone.utc)  # due 2027-03-17: green, not on the cards
    bad = make_case(db.session, world, number="BAD-1", state="delivered")
    rating = ratings.submit_rating(db.session, bad, level="不满意", calendar=CALENDAR, rectification_days=10,
                                   today=date(2027, 2, 1))
    rating.created_at = datetime(2027, 2, 1, 2, tzinfo=timezone.utc)
    task = db.session.query(Rectification).filter_by(rating_id=rating.id).one()
    task.state, task.measures = "已整改", "已约谈窗口人员"
    task.completed_at = datetime(2027, 3, 2, 2, tzinfo=timezone.utc)  # 回访 due 5 working days later: 03-10
    open_bad = make_case(db.session, world, number="BAD-2", state="delivered")
    fresh = ratings.submit_rating(db.session, open_bad, level="非常不满意", calendar=CALENDAR, rectification_days=10,
                                  today=date(2027, 3, 8))
    fresh.created_at = datetime(2027, 3, 8, 2, tzinfo=timezone.utc)  # 核实 due 03-11, 整改 due 03-22
    fresh_task = db.session.query(Rectification).filter_by(rating_id=fresh.id).one()
    db.session.flush()
    assert db.session.query(Callback).filter_by(rectification_id=task.id).one().state == "待回访"
    cards = deadlines.deadline_cards(db.session, _scope(world.town.code), calendar=CALENDAR, settings=SETTINGS,
                                     today=today)
    got = {(c.stage, c.label, c.card, c.remaining) for c in cards}
    assert got == {("投诉办理", near.number, "yellow", 1), ("整改回访", f"整改任务 {task.id}", "yellow", 0),
                   ("差评核实", f"整改任务 {fresh_task.id}", "yellow", 1)}
    later = deadlines.deadline_cards(db.session, _scope(world.town.code), calendar=CALENDAR, settings=SETTINGS,
                                     today=date(2027, 3, 12))
    assert {(c.stage, c.card, c.remaining) for c in later if c.card == "red"} == {
        ("投诉办理", "red", -1), ("整改回访", "red", -2), ("差评核实", "red", -1)}
    assert later[0].card == "red" and later[0].stage == "整改回访"  # most overdue first
    assert deadlines.deadline_cards(db.session, _scope(world.other_town.code), calendar=CALENDAR,
                                    settings=SETTINGS, today=today) == []


def test_order_screens_issue_answer_print_and_scope(app, client, db, login_as):
    from flask import g

    from govkit.printing.models import IssuedDocument

    world = make_world(db.session)
    make_case(db.session, world, number="WEB-CASE-1", state="in_review", due=date.today() + timedelta(days=30))
    db.session.commit()

    def fresh_client(role, code):
        g.pop("_login_user", None), g.pop("_govkit_scope", None)  # the app fixture shares g between clients
        c = app.test_client()
        login_as(role, code, test_client=c)
        return c

    supervisor = fresh_client("监察", world.town.code)
    page = supervisor.get("/supervision/orders/").get_data(as_text=True)
    assert "发出督办单" in page and "csrf_token" in page
    bad = supervisor.post("/supervision/orders/new", data={"kind": "case", "ref": "NOPE", "reason": "x", "days": "3"})
    assert bad.status_code == 302 and db.session.query(SupervisionOrder).count() == 0
    assert "不存在" in supervisor.get(bad.headers["Location"]).get_data(as_text=True)
    made = supervisor.post("/supervision/orders/new",
                           data={"kind": "case", "ref": "WEB-CASE-1", "reason": "请加快办理<b>", "days": "3"})
    order = db.session.query(SupervisionOrder).one()
    assert made.headers["Location"].endswith(f"/supervision/orders/{order.id}")
    shown = supervisor.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    assert "请加快办理&lt;b&gt;" in shown and "城关镇" in shown and "升级至上一级督办" in shown
    # The 督办通知书: issued once through the documents path, the same bytes on a reprint.
    first = supervisor.get(f"/supervision/orders/{order.id}/notice.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert supervisor.get(f"/supervision/orders/{order.id}/notice.pdf").data == first.data
    document = db.session.query(IssuedDocument).one()
    assert (document.template_name, document.title, document.case_id, document.division_code) == \
        ("supervision_notice", "督办通知书", None, world.town.code)
    db.session.refresh(order)
    assert order.document_id == document.id and [e.action for e in order.events] == ["issue", "print"]

    other = fresh_client("监察", world.other_town.code)
    assert other.get(f"/supervision/orders/{order.id}").status_code == 404
    assert other.post(f"/supervision/orders/{order.id}/decide", data={"action": "escalate", "comment": "x"}
                      ).status_code == 404
    assert "WEB-CASE-1" not in other.get("/supervision/orders/").get_data(as_text=True)

    clerk = fresh_client("办理员", world.town.code)
    assert clerk.get("/supervision/orders/").status_code in (302, 403)
    inbox = clerk.get("/supervision/inbox/").get_data(as_text=True)
    assert "WEB-CASE-1" in inbox
    assert clerk.post(f"/supervision/orders/{order.id}/respond", data={"response": ""}).status_code == 302
    db.session.refresh(order)
    assert order.state == PENDING  # an empty answer is refused, nothing written
    clerk.post(f"/supervision/orders/{order.id}/respond", data={"response": "已于今日办结"})
    assert clerk.post(f"/supervision/orders/{order.id}/decide", data={"action": "close"}).status_code in (302, 403)
    db.session.refresh(order)
    assert order.state == ANSWERED

    supervisor = fresh_client("监察", world.town.code)
    supervisor.post(f"/supervision/orders/{order.id}/decide", data={"action": "close", "comment": "同意"})
    db.session.refresh(order)
    assert order.state == CLOSED and order.closed_by
    # The 期限预警 cards on the page (the app's calendar, today): a complaint and a 回访 long past their deadlines.
    now = datetime.now(timezone.utc)
    late, _ = complaints.file_complaint(db.session, kind="投诉", division_code=world.village.code, subject="久拖",
                                        content="未答复")
    late.created_at = now - timedelta(days=40)
    rated = make_case(db.session, world, number="WEB-BAD-1", state="delivered")
    rating = ratings.submit_rating(db.session, rated, level="不满意", calendar=CALENDAR, rectification_days=10,
                                   today=date.today() - timedelta(days=60))
    task = db.session.query(Rectification).filter_by(rating_id=rating.id).one()
    task.state, task.measures, task.completed_at = "已整改", "已约谈窗口人员", now - timedelta(days=30)
    db.session.commit()
    page = supervisor.get("/supervision/deadlines").get_data(as_text=True)
    assert "期限预警" in page and late.number in page and f"整改任务 {task.id}" in page
    rows = re.findall(r"<tr><td><span class=\"gk-card (\w+)\">[^<]*</span></td><td>([^<]+)</td>", page)
    assert ("red", "投诉办理") in rows and ("red", "整改回访") in rows, rows
    charts = supervisor.get("/supervision/charts").get_data(as_text=True)
    assert 'id="gk-chart-data"' in charts and "echarts.min.js" in charts and "按时办结率" in charts
    assert supervisor.get("/supervision/static/echarts/LICENSE.txt").status_code == 200


def test_escalate_command_is_idempotent_and_checks_its_date(app, db, monkeypatch):
    from click.testing import CliRunner

    from govkit.supervision import cli

    world = make_world(db.session)
    orders.issue_order(db.session, _scope(world.town.code), kind="unit", ref=world.village.code, reason="久拖不办",
                       days=2, calendar=WorkingCalendar(), actor=SUPERVISOR, today=date(2027, 3, 1))
    db.session.commit()
    monkeypatch.setattr(cli, "make_app", lambda **_: app)  # the test app instead of one from a config file
    first = CliRunner().invoke(cli.supervision, ["escalate", "--today", "2027-03-15"])
    assert first.exit_code == 0, first.output
    assert "逾期督办单 1 件" in first.output
    assert db.session.query(SupervisionOrder).filter_by(issuer_division_code=world.county.code).count() == 1
    again = CliRunner().invoke(cli.supervision, ["escalate", "--today", "2027-03-15"])
    assert again.exit_code == 0 and "逾期督办单 0 件" in again.output
    bad = CliRunner().invoke(cli.supervision, ["escalate", "--today", "2027-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output

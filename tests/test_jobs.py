"""The job queue (govkit.jobs) over a real redis-server on loopback and a real Dramatiq worker thread."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import dramatiq
import pytest
from click.testing import CliRunner

from govkit.cases.calendar import DayOverride, WorkingCalendar
from govkit.cases.models import OutboxMessage
from govkit.online.models import Applicant, DevMessage
from govkit.orm import utcnow
from govkit.errors import SettingsError
from govkit.hierarchy.scope import Scope
from govkit.jobs import cli
from govkit.jobs.queue import period_of, queue_for
from govkit.clock import local_date
from govkit.supervision import orders
from govkit.supervision.models import ESCALATED, SupervisionOrder
from tests.publicity.world import COUNTY, make_case, make_world

#: 2026-12-05 15:30 UTC is 23:30 in Beijing; half an hour later the daily period turns.
NOW = datetime(2026, 12, 5, 15, 30, tzinfo=timezone.utc)
SCHEDULE = {"escalate": "daily", "deem_accepted": "daily", "monthly_report": "off", "outbox_relay": 60,
            "remind": "off", "partitions": "daily"}


def test_periods_follow_beijing_time_and_bad_schedules_are_refused():
    assert period_of("daily", NOW) == ("2026-12-05", 2 * 86400)
    assert period_of("daily", NOW + timedelta(minutes=30))[0] == "2026-12-06"
    assert period_of("monthly", datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc))[0] == "2026-12"
    assert period_of(60, NOW) == (str(int(NOW.timestamp()) // 60), 120)
    assert period_of("off", NOW) is None
    for bad in ("hourly", -5, True):
        with pytest.raises(SettingsError, match="JOBS_SCHEDULE"):
            period_of(bad, NOW)


def test_commands_refuse_without_redis_url(app, monkeypatch):
    monkeypatch.setattr(cli, "make_app", lambda **_: app)
    for args in (["worker"], ["scheduler", "--once"], ["send", "escalate"], ["status"]):
        result = CliRunner().invoke(cli.jobs_group, args)
        assert result.exit_code == 1 and "未设置 REDIS_URL" in result.output and "cron" in result.output, args


@pytest.mark.both_backends  # the worker thread writes through its own connection
def test_two_schedulers_enqueue_once_and_a_worker_escalates(app, db, make_app, redis_url):
    world = make_world(db.session)
    supervisor = orders.Actor("李监察", None)
    order = orders.issue_order(db.session, Scope.for_division(world.town.code, roles=frozenset({"监察"})),
                               kind="unit", ref=world.village.code, reason="久拖不办", days=2,
                               calendar=WorkingCalendar(), actor=supervisor, today=local_date() - timedelta(days=30))
    db.session.commit()
    # Two nodes: two apps, two brokers, two schedulers sharing one Redis.
    one, two = (queue_for(make_app(REDIS_URL=redis_url, JOBS_SCHEDULE=SCHEDULE)) for _ in range(2))
    one.node, two.node = "node-1", "node-2"
    try:
        assert one.tick(NOW) == ["escalate", "deem_accepted", "outbox_relay", "partitions"]
        assert two.tick(NOW) == []  # the same period on the other node: nothing enqueued twice
        assert one.tick(NOW + timedelta(seconds=5)) == []
        assert one.redis.llen("govkit-jobs:govkit") == 4  # Dramatiq's Redis queue holds each job once
        one.send("monthly_report", division="999999999999")  # a mistake to fix: recorded, not retried

        worker = dramatiq.Worker(two.broker, worker_threads=2, worker_timeout=50)
        worker.start()
        try:
            two.broker.join("govkit", timeout=20_000)
            worker.join()
        finally:
            worker.stop()
        runs = two.runs()
        assert {name: count for name, (count, _, _) in runs.items()} == \
            {"escalate": 1, "deem_accepted": 1, "monthly_report": 0, "outbox_relay": 1, "remind": 0,
             "county_export": 0, "partitions": 1}
        assert runs["monthly_report"][1] == 1 and not runs["monthly_report"][2]["ok"]
        assert "区划 999999999999 不存在" in runs["monthly_report"][2]["result"]
        assert runs["escalate"][2]["node"] == "node-2" and "逾期督办单 1 件" in runs["escalate"][2]["result"]
        assert runs["partitions"][2]["ok"] and ("跳过" in runs["partitions"][2]["result"]  # SQLite: no partitions
                                                or "新建分区" in runs["partitions"][2]["result"])
        db.session.expire_all()
        assert db.session.get(SupervisionOrder, order.id).state == ESCALATED
        [county_order] = db.session.query(SupervisionOrder).filter_by(escalated_from_id=order.id).all()
        assert county_order.automatic and county_order.issuer_division_code == world.county.code
        # The next day is a new period: the scheduler enqueues the daily jobs again.
        assert set(two.tick(NOW + timedelta(hours=1))) == {"escalate", "deem_accepted", "outbox_relay", "partitions"}
    finally:
        one.close()
        two.close()


def test_scheduler_command_enqueues_a_period_once_and_status_reports(make_app, redis_url, monkeypatch):
    node = make_app(REDIS_URL=redis_url, JOBS_SCHEDULE={"monthly_report": "off", "outbox_relay": "off",
                                                        "escalate": "daily", "remind": "off",
                                                        "partitions": "off"})
    monkeypatch.setattr(cli, "make_app", lambda **_: node)
    monkeypatch.setattr(cli, "_stop_event", threading.Event)  # keep pytest's own signal handlers
    first = CliRunner().invoke(cli.jobs_group, ["scheduler", "--once"])
    assert first.exit_code == 0, first.output
    assert "已放入队列：escalate" in first.output and "已放入队列：deem_accepted" in first.output
    assert "monthly_report" not in first.output
    again = CliRunner().invoke(cli.jobs_group, ["scheduler", "--once"])  # a second node, the same day
    assert again.exit_code == 0 and "已放入队列" not in again.output
    sent = CliRunner().invoke(cli.jobs_group, ["send", "monthly_report"])
    assert sent.exit_code == 0 and "已放入队列：monthly_report" in sent.output
    status = CliRunner().invoke(cli.jobs_group, ["status"])
    assert status.exit_code == 0 and "escalate（自动升级督办" in status.output and "尚未运行" in status.output
    queue = queue_for(node)
    try:
        assert queue.redis.llen("govkit-jobs:govkit") == 3
    finally:
        queue.close()


def test_workdays_jobs_skip_the_days_the_calendar_says_are_not_working_days(make_app, redis_url):
    """The escalation sweep runs on working days only (as the weekday cron line did); 调休 counts."""
    queue = queue_for(make_app(REDIS_URL=redis_url, JOBS_SCHEDULE={
        "escalate": "workdays", "deem_accepted": "daily", "monthly_report": "off", "outbox_relay": "off",
        "remind": "workdays", "partitions": "off"}))
    saturday, monday = NOW, NOW + timedelta(days=2)  # 2026-12-05 23:30 and 2026-12-07 23:30 in Beijing
    try:
        assert period_of("workdays", saturday) == ("2026-12-05", 2 * 86400)
        assert queue.calendar().is_working_day(date(2026, 12, 5)) is False  # the app's own calendar
        assert queue.tick(saturday) == ["deem_accepted"]
        assert queue.tick(monday) == ["escalate", "deem_accepted", "remind"]
        # a Saturday made a working day (调休) in the county's calendar: the sweep runs that day
        swapped = WorkingCalendar(overrides=[DayOverride(date(2026, 12, 12), True, "调休上班")])
        assert queue.tick(saturday + timedelta(days=7), swapped) == ["escalate", "deem_accepted", "remind"]
        assert queue.tick(saturday + timedelta(days=7), swapped) == []  # once per period, as the others
    finally:
        queue.close()
    bulk = queue_for(make_app(REDIS_URL=redis_url, JOBS_SCHEDULE={"county_export": "daily"}))
    try:
        with pytest.raises(SettingsError, match="county_export 不是定时任务"):
            bulk.tick(monday)
    finally:
        bulk.close()


@pytest.mark.both_backends  # the worker thread writes through its own connection
def test_a_worker_reminds_applicants_and_exports_a_county_with_progress(app, db, make_app, redis_url, tmp_path,
                                                                       monkeypatch):
    world = make_world(db.session)
    calendar = WorkingCalendar()
    today = local_date()
    soon = calendar.add_working_days(today, 1).due
    due = make_case(db.session, world, number="621002100201000001", state="supplement")
    later = make_case(db.session, world, number="621002100201000002", state="supplement")
    due.supplement_due_date, later.supplement_due_date = soon, calendar.add_working_days(today, 6).due
    due.applicant_phone = "13700000001"
    db.session.add(Applicant(kind="person", name="欧阳秀英", id_number="62100219800101002X", phone="13700000002",
                             phone_verified_at=utcnow()))  # the account's verified phone wins over the window's
    sm = app.appbuilder.sm
    sm.add_user("boss", "管理员", "", "boss@example.invalid", sm.find_role("Admin"), password="pw-123456")
    db.session.commit()
    node = make_app(REDIS_URL=redis_url, REMINDER_WORKING_DAYS=2)
    queue = queue_for(node)
    try:
        queue.send("remind")
        queue.send("remind")  # twice the same day (a second node, a retry): one message per case and period
        queue.redis.set(queue.key("done", "run-finished"), 1)  # a message whose job ran, redelivered: not run again
        queue.actors["remind"].send(run_id="run-finished")
        task = queue.start("county_export", division=COUNTY, directory=str(tmp_path / "export"), admin="boss")
        assert queue.task(task)["state"] == "queued"
        worker = dramatiq.Worker(queue.broker, worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            queue.broker.join("govkit", timeout=30_000)
            queue.send("outbox_relay")  # the relay delivers the reminder through the message channel
            queue.broker.join("govkit", timeout=30_000)
            worker.join()
        finally:
            worker.stop()
        runs = queue.runs()
        assert runs["remind"][0] == 2 and "已放入发件箱 0 条" in runs["remind"][2]["result"]
        # each run marked done with its count (one MULTI): 2 reminds, the export, the relay, and the preset one
        assert len(queue.redis.keys(queue.key("done", "*"))) == 5
        db.session.expire_all()
        [row] = db.session.query(OutboxMessage).filter_by(topic="applicant.message").all()
        assert row.sent_at is not None and row.payload["case_number"] == due.number
        [sms] = db.session.query(DevMessage).all()
        assert sms.phone == "13700000002" and sms.kind == "supplement" and "补正期限至" in sms.text
        assert sms.case_number == due.number
        progress = queue.task(task)
        assert progress["state"] == "done" and progress["done"] == progress["total"] != "0"
        assert f"区划 {COUNTY} 的数据已导出" in progress["result"]
        assert (tmp_path / "export" / "manifest.json").is_file()
        monkeypatch.setattr(cli, "make_app", lambda **_: node)
        shown = CliRunner().invoke(cli.jobs_group, ["status", task])
        assert shown.exit_code == 0 and "县级数据导出" in shown.output and "已完成" in shown.output, shown.output
        assert "（100%）" in shown.output
        unknown = CliRunner().invoke(cli.jobs_group, ["status", "nope"])
        assert unknown.exit_code == 1 and "没有编号为 nope 的任务" in unknown.output
    finally:
        queue.close()


@pytest.mark.both_backends
def test_reminders_cost_the_same_statements_for_one_case_or_many(app, db):
    """The remind job reads its cases, their items, their accounts and the keys already queued in a fixed number
    of statements, not a handful per case; a second run the same day queues nothing again."""
    from sqlalchemy import event

    from govkit.jobs.reminders import remind

    world = make_world(db.session)
    calendar, today = WorkingCalendar(), local_date()
    soon = calendar.add_working_days(today, 1).due
    db.session.add(Applicant(kind="person", name="欧阳秀英", id_number="62100219800101002X", phone="13700000002",
                             phone_verified_at=utcnow()))

    def add_cases(count: int, start: int) -> None:
        for n in range(start, start + count):
            case = make_case(db.session, world, number=f"621002100201{n:06d}", state="supplement")
            case.supplement_due_date = soon
    add_cases(1, 1)
    db.session.commit()

    def run() -> tuple[int, int, int]:
        """(reminders queued, statements that read, INSERTs of outbox rows)"""
        db.session.expire_all()
        seen: list[str] = []
        count = lambda *args: seen.append(args[2])  # noqa: E731 (before_cursor_execute: the statement)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            queued, _, _ = remind(db.session, calendar, today, 2)
            db.session.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.commit()
        inserts = sum(s.startswith("INSERT INTO gk_outbox") for s in seen)
        return queued, len(seen) - inserts, inserts

    one = run()
    add_cases(6, 2)
    db.session.commit()
    seven = run()
    assert one[0] == 1 and seven[0] == 6  # the first case was reminded in the first run: only the six new ones now
    assert one[1] == seven[1] == 7, (one, seven)  # cases, implementations, items, accounts ×2, keys, the count
    assert 1 <= seven[2] <= 6
    again, _, _ = run()
    assert again == 0 and db.session.query(OutboxMessage).filter_by(topic="applicant.message").count() == 7

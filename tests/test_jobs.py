"""The job queue (govkit.jobs) over a real redis-server on loopback and a real Dramatiq worker thread."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import dramatiq
import pytest
from click.testing import CliRunner

from govkit.cases.calendar import WorkingCalendar
from govkit.errors import SettingsError
from govkit.hierarchy.scope import Scope
from govkit.jobs import cli
from govkit.jobs.queue import period_of, queue_for
from govkit.labels import local_date
from govkit.supervision import orders
from govkit.supervision.models import ESCALATED, SupervisionOrder
from tests.publicity.world import make_world

#: 2026-12-05 15:30 UTC is 23:30 in Beijing; half an hour later the daily period turns.
NOW = datetime(2026, 12, 5, 15, 30, tzinfo=timezone.utc)
SCHEDULE = {"escalate": "daily", "deem_accepted": "daily", "monthly_report": "off", "outbox_relay": 60,
            "partitions": "daily"}


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
    monkeypatch.setattr(cli, "make_app", lambda: app)
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
            {"escalate": 1, "deem_accepted": 1, "monthly_report": 0, "outbox_relay": 1, "partitions": 1}
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
                                                    "partitions": "off"})
    monkeypatch.setattr(cli, "make_app", lambda: node)
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

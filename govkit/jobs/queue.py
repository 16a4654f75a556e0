"""The job queue: Dramatiq actors over a Redis broker, and the once-per-cluster scheduler.

Jobs (:data:`JOBS`) call the functions their commands call — no second implementation:

* ``escalate`` — :func:`govkit.supervision.cli.escalate_run` (``govkit supervision escalate``): red cases,
  overdue 督办单, complaints and questions escalate one level up; idempotent;
* ``deem_accepted`` — :func:`govkit.cases.cli.deem_accepted_run` (``govkit cases deem-accepted``): cases
  whose five-working-day intake clock ran out are deemed accepted (行政许可法第三十二条); cases past their
  补正 period are only counted — 视为撤回 stays a clerk's step;
* ``monthly_report`` — :func:`govkit.supervision.cli.issue_monthly_report` (``govkit supervision report``):
  last month's report issued through the documents path (numbered once; a rerun returns the same copy);
* ``outbox_relay`` — one :func:`govkit.cases.outbox.drain` to RabbitMQ (``AMQP_URL``) and the plugins' local
  handlers (what ``govkit outbox relay --amqp`` sends in a loop; several relays skip each other's rows);
* ``partitions`` — :func:`govkit.partitions.ensure_partitions` (``govkit db partitions ensure``): on PostgreSQL the
  monthly partitions of the history tables for ``PARTITION_MONTHS_AHEAD`` months ahead, rows moved out of the
  default partition; idempotent, a no-op on SQLite.

Periodic jobs run once per cluster, not once per node: each scheduler tick computes every job's current
period (``daily`` and ``monthly`` in Beijing time, or a number of seconds) and enqueues the job only if
``SET <prefix>:jobs:period:<job>:<period> NX EX …`` succeeds, so schedulers on several nodes enqueue it once.
A worker runs each message inside the app context and records the run (count and last result) in Redis.
"""
from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

import click
import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from flask import Flask

from govkit.cases.cli import deem_accepted_run
from govkit.cases.outbox import amqp_sender, drain, handlers_of
from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.errors import GovkitError, SettingsError
from govkit.labels import LOCAL_TZ, local_date
from govkit.partitions import ensure_partitions, is_postgres
from govkit.state import get_state
from govkit.supervision.cli import escalate_run, issue_monthly_report

log = logging.getLogger(__name__)

#: Failures a person must fix (a missing division, an incomplete organ): not retried, recorded for `status`.
EXPECTED = (GovkitError, click.ClickException)
#: Name recorded on the events a job writes (视为受理 by the queue, not by a command line).
JOB_ACTOR = "系统（任务队列）"
NO_REDIS = ("未设置 REDIS_URL：任务队列（govkit jobs）需要 Redis。单节点部署请继续用 cron 定时运行 "
            "govkit supervision escalate、govkit cases deem-accepted、govkit supervision report 和 "
            "govkit outbox relay（见 docs/deployment.md）。")


def _escalate(app: Flask, today: str | None = None) -> str:
    day = date.fromisoformat(today) if today else local_date()
    report = escalate_run(app, day)
    return (f"{day.isoformat()} 自动升级督办：红牌办件 {len(report.cases)} 件，逾期督办单 {len(report.orders)} 件，"
            f"逾期投诉 {len(report.complaints)} 件，逾期网上咨询 {len(report.questions)} 件")


def _deem_accepted(app: Flask) -> str:
    due, lapsed = deem_accepted_run(app, actor=Actor.system(JOB_ACTOR))
    return f"已视为受理 {len(due)} 件；补正逾期 {len(lapsed)} 件（须受理员逐件确认视为撤回）"


def _monthly_report(app: Flask, month: str | None = None, division: str | None = None) -> str:
    _, _, copy = issue_monthly_report(app, division, month)
    return f"{copy.document.title} 文书编号 {copy.document.document_number}{'（新出具）' if copy.new else '（已出具）'}"


def _outbox_relay(app: Flask) -> str:
    settings = get_state(app).settings
    handlers = handlers_of(get_state(app).pm, settings)
    sender = amqp_sender(settings) if settings.get("AMQP_URL") else None
    if sender is None and not handlers:
        return "未配置 AMQP_URL，也没有插件登记本地处理的主题：跳过"
    try:
        sent, failed = drain(db.session, sender, batch_size=int(settings["OUTBOX_BATCH_SIZE"]), handlers=handlers)
    finally:
        getattr(sender, "close", lambda: None)()
    return f"已发送 {sent} 条，失败 {failed} 条"


def _partitions(app: Flask) -> str:
    connection = db.session.connection()
    if not is_postgres(connection):
        return "SQLite 不分区：跳过"
    report = ensure_partitions(connection, months_ahead=int(get_state(app).settings["PARTITION_MONTHS_AHEAD"]))
    db.session.commit()
    return report.message()


#: job name → (function(app, **options) → a Chinese summary, what it is).
JOBS: dict[str, tuple[Callable[..., str], str]] = {
    "escalate": (_escalate, "自动升级督办（govkit supervision escalate）"),
    "deem_accepted": (_deem_accepted, "视为受理（govkit cases deem-accepted）"),
    "monthly_report": (_monthly_report, "电子监察月报（govkit supervision report）"),
    "outbox_relay": (_outbox_relay, "发件箱发送一批（govkit outbox relay --amqp）"),
    "partitions": (_partitions, "提前创建历史表的月分区（govkit db partitions ensure）"),
}
#: Default of JOBS_SCHEDULE: job → "daily", "monthly", seconds, or "off".
DEFAULT_SCHEDULE: dict[str, Any] = {"escalate": "daily", "deem_accepted": "daily", "monthly_report": "monthly",
                                    "outbox_relay": 60, "partitions": "daily"}


def period_of(spec: Any, now: datetime) -> tuple[str, int] | None:
    """The current period of a schedule ``spec`` at ``now`` and how long its key lives (seconds); None = off.

    ``daily`` and ``monthly`` follow Beijing time (a daily job runs right after local midnight)."""
    local = now.astimezone(LOCAL_TZ)
    if spec == "daily":
        return local.date().isoformat(), 2 * 86400
    if spec == "monthly":
        return f"{local:%Y-%m}", 62 * 86400
    if spec in ("off", None, 0):
        return None
    if isinstance(spec, (int, float)) and not isinstance(spec, bool) and spec > 0:
        return str(int(now.timestamp() // spec)), max(int(2 * spec), 2)
    raise SettingsError(f"JOBS_SCHEDULE 的取值 {spec!r} 无效：应为 \"daily\"、\"monthly\"、\"off\" 或正的秒数。")


@dataclass
class JobQueue:
    """One app's broker and actors (a worker runs them; a scheduler or command enqueues them)."""

    app: Flask
    url: str
    prefix: str
    node: str = field(default_factory=socket.gethostname)

    def __post_init__(self) -> None:
        self.redis = redis.Redis.from_url(self.url)
        self.broker = RedisBroker(url=self.url, namespace=f"{self.prefix}-jobs")
        self.actors = {name: dramatiq.actor(self._runner(name), broker=self.broker, actor_name=f"govkit_{name}",
                                            queue_name="govkit", max_retries=3, time_limit=3_600_000,
                                            throws=EXPECTED)
                       for name in JOBS}

    @property
    def settings(self) -> Mapping[str, Any]:
        return get_state(self.app).settings

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, "jobs", *parts))

    def _runner(self, name: str) -> Callable[..., None]:
        function = JOBS[name][0]

        def run(**options: Any) -> None:
            try:
                with self.app.app_context():
                    try:
                        result = function(self.app, **options)
                    finally:
                        db.session.remove()
            except EXPECTED as exc:  # a setting or a record to fix: recorded, not retried
                log.warning("任务 %s 失败：%s", name, exc)
                self._record(name, f"失败：{exc}", ok=False)
                raise
            except Exception as exc:  # retried by Dramatiq with back-off
                self._record(name, f"失败：{type(exc).__name__}: {exc}"[:500], ok=False)
                raise
            log.info("任务 %s：%s", name, result)
            self._record(name, result, ok=True)

        run.__name__ = name
        return run

    def _record(self, name: str, result: str, *, ok: bool) -> None:
        record = json.dumps({"at": datetime.now(timezone.utc).isoformat(), "node": self.node, "result": result,
                             "ok": ok}, ensure_ascii=False)
        counter = self.key("runs" if ok else "failures")
        self.redis.pipeline().hincrby(counter, name, 1).hset(self.key("last"), name, record).execute()

    def send(self, name: str, **options: Any) -> None:
        if name not in self.actors:
            raise SettingsError(f"没有名为 {name} 的任务；可用：{'、'.join(self.actors)}。")
        self.actors[name].send(**options)

    def schedule(self) -> dict[str, Any]:
        configured = self.settings.get("JOBS_SCHEDULE") or {}
        unknown = sorted(set(configured) - set(JOBS))
        if unknown:
            raise SettingsError(f"JOBS_SCHEDULE 中的任务 {'、'.join(unknown)} 不存在；可用：{'、'.join(JOBS)}。")
        return {**DEFAULT_SCHEDULE, **configured}

    def tick(self, now: datetime | None = None) -> list[str]:
        """Enqueue every periodic job whose current period no scheduler (on any node) has claimed yet."""
        now = now or datetime.now(timezone.utc)
        enqueued = []
        for name, spec in self.schedule().items():
            period = period_of(spec, now)
            if period is None:
                continue
            if self.redis.set(self.key("period", name, period[0]), self.node, nx=True, ex=period[1]):
                self.send(name)
                enqueued.append(name)
        return enqueued

    def runs(self) -> dict[str, tuple[int, int, Mapping[str, Any] | None]]:
        """job → (successful runs, failed runs, the last run's time, node, result and ok)."""
        counts, failures = self.redis.hgetall(self.key("runs")), self.redis.hgetall(self.key("failures"))
        last = self.redis.hgetall(self.key("last"))
        return {name: (int(counts.get(name.encode(), 0)), int(failures.get(name.encode(), 0)),
                       json.loads(last[name.encode()]) if name.encode() in last else None) for name in JOBS}

    def close(self) -> None:
        self.broker.close()
        self.redis.close()


def queue_for(app: Flask) -> JobQueue:
    """The job queue of ``app`` over ``REDIS_URL``; refuses (in Chinese) without it."""
    settings = get_state(app).settings
    if not settings.get("REDIS_URL"):
        raise SettingsError(NO_REDIS)
    return JobQueue(app, settings["REDIS_URL"], settings.get("REDIS_KEY_PREFIX") or "govkit")

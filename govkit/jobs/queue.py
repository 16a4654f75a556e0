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
* ``remind`` — :func:`govkit.jobs.reminders.remind`: 补正 reminders to applicants whose period ends within
  ``REMINDER_WORKING_DAYS`` working days (行政许可法第三十二条), through the outbox and the message channel;
* ``county_export`` — :func:`govkit.jobs.county_export.export_county` (``govkit export county``), a bulk export
  whose progress (rows done of rows to do) is kept in Redis under a task id for ``govkit jobs status <id>``.
* ``partitions`` — :func:`govkit.partitions.ensure_partitions` (``govkit db partitions ensure``): on PostgreSQL the
  monthly partitions of the history tables for ``PARTITION_MONTHS_AHEAD`` months ahead, rows moved out of the
  default partition; idempotent, a no-op on SQLite.

Periodic jobs run once per cluster, not once per node: each scheduler tick computes every job's current
period (``daily``, ``workdays`` and ``monthly`` in Beijing time, or a number of seconds) and enqueues the job only
if ``SET <prefix>:jobs:period:<job>:<period> NX EX …`` succeeds, so schedulers on several nodes enqueue it once.
A ``workdays`` job is daily but skipped on the days govkit's working-day calendar (法定节假日 and 调休 included)
says are not working days — the escalation sweep, like the cron line it replaces, runs on working days only.
A worker runs each message inside the app context and records the run (count and last result) in Redis.
Dramatiq acknowledges a message after its job: a worker killed mid-job (SIGKILL, a lost machine) has its
messages given back to the queue once its heartbeat is ``JOBS_WORKER_HEARTBEAT_SECONDS`` old, and another
worker runs them; each message carries a run id recorded when its job succeeded, so a message redelivered
after its job had finished (the worker died between the job and the acknowledgement) is not run twice.
"""
from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

import click
import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from flask import Flask

from govkit.cases.cli import deem_accepted_run
from govkit.cases.calendar import WorkingCalendar
from govkit.cases.outbox import amqp_sender, drain, handlers_of
from govkit.cases.runtime import calendar_for
from govkit.cases.workflow import Actor
from govkit.db import db
from govkit.clock import LOCAL_TZ, local_date
from govkit.errors import GovkitError, SettingsError
from govkit.jobs.county_export import export_county
from govkit.jobs.reminders import remind
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


def _remind(app: Flask, today: str | None = None) -> str:
    day = date.fromisoformat(today) if today else local_date()
    days = int(get_state(app).settings["REMINDER_WORKING_DAYS"])
    queued, phoneless, near = remind(db.session, calendar_for(db.session, app), day, days)
    db.session.commit()
    return (f"{day.isoformat()} 补正提醒：已放入发件箱 {queued} 条，无联系电话 {phoneless} 件；"
            f"{days} 个工作日内到期的在办件 {near} 件")


def _county_export(app: Flask, division: str, directory: str, admin: str,
                   progress: Callable[[int, int, str], None] | None = None) -> str:
    return export_county(db.session, division, directory, admin=admin, storage_dir=app.config["GOVKIT_STORAGE_DIR"],
                         progress=progress).summary()


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
    "remind": (_remind, "补正到期提醒（发给申请人）"),
    "county_export": (_county_export, "县级数据导出（govkit export county）"),
    "partitions": (_partitions, "提前创建历史表的月分区（govkit db partitions ensure）"),
}
#: Jobs that report progress under a task id (``govkit jobs status <id>``).
PROGRESS_JOBS = frozenset({"county_export"})
#: Default of JOBS_SCHEDULE: job → "daily", "workdays", "monthly", seconds, or "off".
DEFAULT_SCHEDULE: dict[str, Any] = {"escalate": "workdays", "deem_accepted": "daily", "monthly_report": "monthly",
                                    "outbox_relay": 60, "remind": "workdays",
                                    "partitions": "daily"}
#: Dramatiq's queue of every job (Redis list ``<prefix>-jobs:govkit``).
QUEUE = "govkit"
#: How long a task's progress stays in Redis.
TASK_SECONDS = 7 * 86400


def period_of(spec: Any, now: datetime) -> tuple[str, int] | None:
    """The current period of a schedule ``spec`` at ``now`` and how long its key lives (seconds); None = off.

    ``daily``, ``workdays`` and ``monthly`` follow Beijing time (a daily job runs right after local midnight;
    whether a ``workdays`` job runs on that day is :meth:`JobQueue.tick`'s question to the calendar)."""
    local = now.astimezone(LOCAL_TZ)
    if spec in ("daily", "workdays"):
        return local.date().isoformat(), 2 * 86400
    if spec == "monthly":
        return f"{local:%Y-%m}", 62 * 86400
    if spec in ("off", None, 0):
        return None
    if isinstance(spec, (int, float)) and not isinstance(spec, bool) and spec > 0:
        return str(int(now.timestamp() // spec)), max(int(2 * spec), 2)
    raise SettingsError(f"JOBS_SCHEDULE 的取值 {spec!r} 无效：应为 \"daily\"、\"workdays\"、\"monthly\"、\"off\" "
                        "或正的秒数。")


class _Broker(RedisBroker):
    """Dramatiq's Redis broker, whose queue maintenance — giving the unacknowledged messages of a worker that
    has sent no heartbeat for ``heartbeat_timeout`` back to the queue — runs at least once per heartbeat timeout,
    besides Dramatiq's own random chance (0.1 % of commands, i.e. rarely on a quiet queue): a worker killed
    mid-job (SIGKILL, a lost machine) has its jobs run by another worker within about twice the timeout."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._maintained = time.monotonic()

    def _should_do_maintenance(self, command: str) -> int:
        if command not in ("ack", "nack") and time.monotonic() - self._maintained >= self.heartbeat_timeout / 1000:
            self._maintained = time.monotonic()
            return 1
        return super()._should_do_maintenance(command)


@dataclass
class JobQueue:
    """One app's broker and actors (a worker runs them; a scheduler or command enqueues them)."""

    app: Flask
    url: str
    prefix: str
    node: str = field(default_factory=socket.gethostname)

    def __post_init__(self) -> None:
        self.redis = redis.Redis.from_url(self.url)
        heartbeat = float(self.settings.get("JOBS_WORKER_HEARTBEAT_SECONDS") or 60)
        self.broker = _Broker(url=self.url, namespace=f"{self.prefix}-jobs", heartbeat_timeout=int(heartbeat * 1000))
        #: job → the period this queue's last :meth:`tick` claimed for it (what the scheduler prints).
        self.claimed: dict[str, str] = {}
        self.actors = {name: dramatiq.actor(self._runner(name), broker=self.broker, actor_name=f"govkit_{name}",
                                            queue_name=QUEUE, max_retries=3, time_limit=3_600_000,
                                            throws=EXPECTED)
                       for name in JOBS}

    @property
    def settings(self) -> Mapping[str, Any]:
        return get_state(self.app).settings

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, "jobs", *parts))

    def _runner(self, name: str) -> Callable[..., None]:
        function = JOBS[name][0]

        def run(task: str | None = None, run_id: str | None = None, **options: Any) -> None:
            if run_id and self.redis.exists(self.key("done", run_id)):
                log.info("任务 %s（%s）已运行过，跳过重复投递", name, run_id)
                return  # run, then its worker died before acknowledging it: not twice
            if task:
                options["progress"] = lambda done, total, stage: self._task(
                    task, state="running", done=done, total=total, stage=stage)
                self._task(task, state="running", node=self.node)
            try:
                with self.app.app_context():
                    try:
                        result = function(self.app, **options)
                    finally:
                        db.session.remove()
            except EXPECTED as exc:  # a setting or a record to fix: recorded, not retried
                log.warning("任务 %s 失败：%s", name, exc)
                self._record(name, f"失败：{exc}", ok=False, task=task)
                raise
            except Exception as exc:  # retried by Dramatiq with back-off
                self._record(name, f"失败：{type(exc).__name__}: {exc}"[:500], ok=False, task=task)
                raise
            log.info("任务 %s：%s", name, result)
            self._record(name, result, ok=True, task=task, run_id=run_id)

        run.__name__ = name
        return run

    def _record(self, name: str, result: str, *, ok: bool, task: str | None = None, run_id: str | None = None) -> None:
        """Count the run and keep its result; a successful run's id is marked done in the same transaction
        (MULTI), so a worker killed right after cannot leave a run marked done but not counted."""
        record = json.dumps({"at": datetime.now(timezone.utc).isoformat(), "node": self.node, "result": result,
                             "ok": ok}, ensure_ascii=False)
        counter = self.key("runs" if ok else "failures")
        pipe = self.redis.pipeline().hincrby(counter, name, 1).hset(self.key("last"), name, record)
        if ok and run_id:
            pipe.set(self.key("done", run_id), 1, ex=TASK_SECONDS)
        pipe.execute()
        if task:
            self._task(task, state="done" if ok else "failed", result=result)

    def _task(self, task: str, **fields: Any) -> None:
        key = self.key("task", task)
        self.redis.pipeline().hset(key, mapping={k: str(v) for k, v in fields.items()}).expire(
            key, TASK_SECONDS).execute()

    def heartbeat(self, stop: Any) -> None:
        """Until ``stop`` is set: tell Redis this worker is alive three times per heartbeat timeout, also while
        all its threads run long jobs (Dramatiq's consumer beats only when it fetches), so no other worker takes
        its jobs back; each beat may also run the queue maintenance (:class:`_Broker`)."""
        interval = self.broker.heartbeat_timeout / 3000
        while not stop.wait(interval):
            try:
                self.broker.do_qsize(QUEUE)
            except redis.RedisError as exc:  # Redis restarting: the worker's own fetches beat again once it is back
                log.warning("任务进程心跳失败：%s", exc)

    def send(self, name: str, **options: Any) -> None:
        if name not in self.actors:
            raise SettingsError(f"没有名为 {name} 的任务；可用：{'、'.join(self.actors)}。")
        self.actors[name].send(run_id=uuid.uuid4().hex, **options)

    def start(self, name: str, **options: Any) -> str:
        """Enqueue a job that reports progress; its task id (for :meth:`task`)."""
        if name not in PROGRESS_JOBS:
            raise SettingsError(f"任务 {name} 不记录进度；记录进度的任务：{'、'.join(sorted(PROGRESS_JOBS))}。")
        task = uuid.uuid4().hex[:12]
        self._task(task, name=name, state="queued", done=0, total=0,
                   at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.send(name, task=task, **options)
        return task

    def task(self, task: str) -> dict[str, str] | None:
        """A task's progress: name, state (queued/running/done/failed), done, total, stage, result; None unknown."""
        found = self.redis.hgetall(self.key("task", task))
        return {k.decode(): v.decode() for k, v in found.items()} or None

    def schedule(self) -> dict[str, Any]:
        configured = self.settings.get("JOBS_SCHEDULE") or {}
        periodic = [name for name in JOBS if name not in PROGRESS_JOBS]  # a bulk job needs its arguments
        unknown = sorted(set(configured) - set(periodic))
        if unknown:
            raise SettingsError(f"JOBS_SCHEDULE 中的任务 {'、'.join(unknown)} 不是定时任务；"
                                f"可用：{'、'.join(periodic)}。")
        return {**DEFAULT_SCHEDULE, **configured}

    def calendar(self) -> WorkingCalendar:
        """The app's working-day calendar (the same cache the deadlines use)."""
        with self.app.app_context():
            try:
                return calendar_for(db.session, self.app)
            finally:
                db.session.remove()

    def tick(self, now: datetime | None = None, calendar: WorkingCalendar | None = None) -> list[str]:
        """Enqueue every periodic job whose current period no scheduler (on any node) has claimed yet; a
        ``workdays`` job only on a working day of ``calendar`` (default: the app's)."""
        now = now or datetime.now(timezone.utc)
        enqueued = []
        for name, spec in self.schedule().items():
            period = period_of(spec, now)
            if period is None:
                continue
            if spec == "workdays":
                calendar = calendar or self.calendar()
                if not calendar.is_working_day(now.astimezone(LOCAL_TZ).date()):
                    continue
            if self.redis.set(self.key("period", name, period[0]), self.node, nx=True, ex=period[1]):
                self.send(name)
                enqueued.append(name)
                self.claimed[name] = period[0]
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

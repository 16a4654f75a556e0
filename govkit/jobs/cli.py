"""``govkit jobs worker|scheduler|send|status``: the job queue's processes (docs/deployment.md §10)."""
from __future__ import annotations

import signal
import threading

import click
import dramatiq
import redis

from govkit.cli.core import make_app
from govkit.errors import SettingsError
from govkit.jobs.queue import JOBS, JobQueue, queue_for


@click.group("jobs", help="任务队列（Dramatiq + Redis）：定时任务每个集群只运行一次；需要 REDIS_URL。")
def jobs_group() -> None:
    pass


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stop.set())
    return stop


def _queue() -> JobQueue:
    try:
        return queue_for(make_app())
    except SettingsError as exc:  # no REDIS_URL: cron and the commands keep working
        raise click.ClickException(str(exc)) from None


@jobs_group.command("worker", help="运行任务进程：取出队列中的任务并在本应用中执行，直到 SIGTERM/SIGINT。"
                    "可在多台机器上各运行一个。")
@click.option("--threads", type=int, default=None, help="并行执行的线程数（默认 JOBS_WORKER_THREADS）。")
def worker_command(threads: int | None) -> None:
    queue = _queue()
    count = threads or int(queue.settings["JOBS_WORKER_THREADS"])
    worker = dramatiq.Worker(queue.broker, worker_threads=count)
    stop = _stop_event()
    worker.start()
    click.echo(f"任务进程已启动（{count} 个线程），队列 {queue.prefix}-jobs。", err=True)
    stop.wait()
    worker.stop()
    queue.close()
    click.echo("任务进程已停止。", err=True)


@jobs_group.command("scheduler",
                    help="运行定时器：按 JOBS_SCHEDULE 把到期的定时任务放入队列；"
                    "多台机器各运行一个时每个周期只放入一次。")
@click.option("--once", is_flag=True, help="只检查一次（便于测试或由 cron 调用）。")
def scheduler_command(once: bool) -> None:
    queue = _queue()
    tick = float(queue.settings["JOBS_SCHEDULER_TICK_SECONDS"])
    stop = _stop_event()
    while True:
        try:
            for name in queue.tick():
                click.echo(f"已放入队列：{name}（{JOBS[name][1]}）", err=True)
        except redis.RedisError as exc:  # Redis restarting: the next tick tries again, nothing is lost
            click.echo(f"Redis 暂不可用（{exc}），{tick:g} 秒后重试。", err=True)
        if once or stop.wait(tick):
            break
    queue.close()


@jobs_group.command("send", help="立即把任务 NAME 放入队列（escalate、deem_accepted、monthly_report、"
                    "outbox_relay、partitions）。")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def send_command(name: str) -> None:
    queue = _queue()
    queue.send(name)
    queue.close()
    click.echo(f"已放入队列：{name}（{JOBS[name][1]}）")


@jobs_group.command("status", help="各任务已运行次数和最近一次运行的时间、节点、结果。")
def status_command() -> None:
    queue = _queue()
    for name, (count, failed, last) in queue.runs().items():
        when = f"最近 {last['at'][:19]} UTC（{last['node']}）：{last['result']}" if last else "尚未运行"
        click.echo(f"{name}（{JOBS[name][1]}）：成功 {count} 次，失败 {failed} 次；{when}")
    queue.close()

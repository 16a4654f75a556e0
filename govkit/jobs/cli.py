"""``govkit jobs worker|scheduler|send|status``: the job queue's processes (docs/deployment.md §9), and
``govkit export county``: a county's data, directly or as a job with progress."""
from __future__ import annotations

import signal
import threading

import click
import dramatiq
import redis

from govkit.cli.core import make_app
from govkit.db import db
from govkit.errors import GovkitError, SettingsError
from govkit.jobs.county_export import export_county
from govkit.jobs.queue import JOBS, PROGRESS_JOBS, JobQueue, queue_for


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
        return queue_for(make_app(update_perms=False))
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
    beat = threading.Thread(target=queue.heartbeat, args=(stop,), daemon=True)
    beat.start()
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
                click.echo(f"已放入队列：{name}（{JOBS[name][1]}），周期 {queue.claimed[name]}", err=True)
        except redis.RedisError as exc:  # Redis restarting: the next tick tries again, nothing is lost
            click.echo(f"Redis 暂不可用（{exc}），{tick:g} 秒后重试。", err=True)
        if once or stop.wait(tick):
            break
    queue.close()


@jobs_group.command("send", help="立即把定时任务 NAME 放入队列（escalate、deem_accepted、monthly_report、outbox_relay、"
                    "remind、partitions）。")
@click.argument("name", type=click.Choice(sorted(set(JOBS) - PROGRESS_JOBS)))
def send_command(name: str) -> None:
    queue = _queue()
    queue.send(name)
    queue.close()
    click.echo(f"已放入队列：{name}（{JOBS[name][1]}）")


_STATES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败"}


@jobs_group.command("status", help="各任务已运行次数和最近一次运行的时间、节点、结果；给出任务编号时显示该任务的进度。")
@click.argument("task", required=False)
def status_command(task: str | None) -> None:
    queue = _queue()
    try:
        if task:
            found = queue.task(task)
            if found is None:
                raise click.ClickException(f"没有编号为 {task} 的任务（任务进度保留 7 天）。")
            done, total = int(found.get("done", 0)), int(found.get("total", 0))
            share = f"（{done * 100 // total}%）" if total else ""
            click.echo(f"任务 {task}（{JOBS[found['name']][1]}）：{_STATES.get(found['state'], found['state'])}，"
                       f"已完成 {done} / {total} 行{share}" + (f"；{found['result']}" if found.get("result") else ""))
            return
        for name, (count, failed, last) in queue.runs().items():
            when = f"最近 {last['at'][:19]} UTC（{last['node']}）：{last['result']}" if last else "尚未运行"
            click.echo(f"{name}（{JOBS[name][1]}）：成功 {count} 次，失败 {failed} 次；{when}")
    finally:
        queue.close()


@click.group("export", help="数据导出。")
def export_group() -> None:
    pass


@export_group.command("county", help="县级数据导出：区划 DIVISION 范围内所有表的数据（含个人信息）、"
                      "文件和带 SHA-256 的清单，写入新的或空的目录 DIRECTORY。须由系统管理员执行，记入审计日志。")
@click.argument("division")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--admin", required=True, help="执行导出的系统管理员用户名（记入审计日志）。")
@click.option("--queue", "queued", is_flag=True, help="作为任务放入任务队列（需要 REDIS_URL），"
              "用 govkit jobs status <任务编号> 查看进度。")
def export_county_command(division: str, directory: str, admin: str, queued: bool) -> None:
    if queued:
        queue = _queue()
        try:
            task = queue.start("county_export", division=division, directory=directory, admin=admin)
        finally:
            queue.close()
        click.echo(f"已放入队列，任务编号 {task}：用 govkit jobs status {task} 查看进度。")
        return
    app = make_app()
    with app.app_context():
        try:
            result = export_county(db.session, division, directory, admin=admin,
                                   storage_dir=app.config["GOVKIT_STORAGE_DIR"],
                                   progress=lambda done, total, stage: click.echo(
                                       f"已导出 {done} / {total} 行（{stage}）", err=True))
        except GovkitError as exc:
            raise click.ClickException(f"{exc}（没有写入任何数据）") from None
    click.echo(result.summary())
    if result.missing_files:
        click.echo("存储目录中缺失的文件（清单 missing_files 已列出）：" + "、".join(result.missing_files[:20]),
                   err=True)

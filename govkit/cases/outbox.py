"""Draining the transactional outbox (数据交换): ``govkit outbox drain [--url URL | --amqp]``
and ``govkit outbox relay``.

Rows are written by the workflow engine in the same transaction as the case change, so
an event exists exactly when its change was committed. ``drain`` sends pending rows in
id order, marks each sent, and records failures (attempts, last error) for the next run.
Receivers de-duplicate on the unique ``key`` (sent as the ``Idempotency-Key`` header over
HTTP, as the AMQP ``message_id`` to RabbitMQ): a row may be delivered again if the process
dies between sending and marking. On PostgreSQL concurrent drainers skip each other's rows
(``FOR UPDATE SKIP LOCKED``), so several relays run in parallel; on SQLite run one.

Two senders: :func:`http_sender` (POST JSON to a receiver) and :class:`AmqpSender`
(RabbitMQ with publisher confirms: a row counts as sent only after the broker confirmed it
and a queue took it). ``relay`` keeps draining until it is stopped (SIGTERM finishes the batch).

Local topics: a plugin's ``register_outbox_handlers`` returns :class:`OutboxHandler` objects; a row whose
topic one of them names is delivered by it (e.g. ``applicant.message``: the online hall's status messages
through the message channel, govkit.online) instead of the sender, with the same retry on failure. Such
rows never leave for the external receiver. ``relay`` without ``--url``/``--amqp`` delivers the local
topics only.
"""
from __future__ import annotations

import json
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, TextIO

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.models import OutboxMessage
from govkit.db import db

Sender = Callable[[OutboxMessage], None]


@dataclass(frozen=True)
class OutboxHandler:
    """Delivers the outbox rows of one topic inside govkit: ``deliver(row, session)`` returns when done or
    raises (the row stays pending, ``attempts``/``last_error`` record the failure, the next drain retries)."""

    topic: str
    label: str
    deliver: Callable[[OutboxMessage, Session], Any]


def handlers_of(pm: Any, settings: Any) -> dict[str, OutboxHandler]:
    """The registered handlers by topic (a later one replaces an earlier one of the same topic)."""
    return {h.topic: h for h in pm.collect("register_outbox_handlers", settings=settings)}


def message_body(row: OutboxMessage) -> dict[str, Any]:
    return {"key": row.key, "topic": row.topic, "created_at": row.created_at.isoformat() if row.created_at else None,
            "payload": row.payload}


def http_sender(url: str, timeout: float = 10.0) -> Sender:
    """POST each message as JSON; 2xx (or 409 = already received) counts as delivered."""

    def send(row: OutboxMessage) -> None:
        data = json.dumps(message_body(row), ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": row.key})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 409:
                raise RuntimeError(f"接收方返回 HTTP {exc.code}") from exc

    return send


class AmqpSender:
    """Publish each message to RabbitMQ (pika) and wait for the broker's confirm.

    Durable topic exchange ``exchange``, routing key = the row's topic, ``message_id`` = the
    row's key (consumers de-duplicate on it), persistent delivery, ``mandatory`` so a message
    that no queue takes is refused (the row stays pending) instead of being dropped. ``queue``
    (if any) is declared durable and bound to every topic. A lost connection fails the row;
    the next row connects again.
    """

    def __init__(self, url: str, exchange: str = "govkit.outbox", queue: str | None = "govkit.outbox") -> None:
        import pika  # deferred: pika is needed only by an AMQP relay

        self.pika, self.url, self.exchange, self.queue = pika, url, exchange, queue
        self.connection: Any = None
        self.channel: Any = None

    def _open(self) -> Any:
        if self.channel is None or not self.channel.is_open:
            self.close()
            self.connection = self.pika.BlockingConnection(self.pika.URLParameters(self.url))
            channel = self.connection.channel()
            channel.confirm_delivery()
            channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
            if self.queue:
                channel.queue_declare(self.queue, durable=True)
                channel.queue_bind(self.queue, self.exchange, routing_key="#")
            self.channel = channel
        return self.channel

    def __call__(self, row: OutboxMessage) -> None:
        body = json.dumps(message_body(row), ensure_ascii=False).encode("utf-8")
        properties = self.pika.BasicProperties(message_id=row.key, content_type="application/json",
                                               content_encoding="utf-8", delivery_mode=2)
        try:
            self._open().basic_publish(self.exchange, row.topic, body, properties, mandatory=True)
        except self.pika.exceptions.UnroutableError:
            raise RuntimeError(f"没有队列接收主题 {row.topic} 的消息") from None
        except self.pika.exceptions.NackError:
            raise RuntimeError("消息服务器拒收（nack）") from None
        except self.pika.exceptions.AMQPError:
            self.channel = None  # connect again for the next row
            raise

    def close(self) -> None:
        connection, self.connection, self.channel = self.connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except self.pika.exceptions.AMQPError:
                pass


def amqp_sender(settings: Any) -> AmqpSender:
    """The RabbitMQ sender the settings describe (``AMQP_URL``, ``AMQP_EXCHANGE``, ``AMQP_QUEUE``)."""
    if not settings.get("AMQP_URL"):
        raise click.UsageError("未配置 AMQP_URL（消息服务器地址），无法发送到 RabbitMQ。")
    return AmqpSender(settings["AMQP_URL"], settings.get("AMQP_EXCHANGE") or "govkit.outbox",
                      settings.get("AMQP_QUEUE") or None)


def print_sender(stream: TextIO | None = None) -> Sender:
    """Write each message as one JSON line (for piping into another tool)."""

    def send(row: OutboxMessage) -> None:
        out = stream or sys.stdout
        out.write(json.dumps(message_body(row), ensure_ascii=False) + "\n")

    return send


def drain(session: Session, send: Sender | None, *, batch_size: int = 500, limit: int | None = None,
          handlers: Mapping[str, OutboxHandler] | None = None) -> tuple[int, int]:
    """Send pending rows until none are left (or a whole batch failed); return (sent, failed).

    A row whose topic is in ``handlers`` is delivered by its handler, any other by ``send``; with ``send``
    None only the handlers' topics are drained."""
    sent = failed = 0
    handlers = handlers or {}
    locking = session.get_bind().dialect.name == "postgresql"
    while limit is None or sent < limit:
        query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
        if send is None:
            query = query.where(OutboxMessage.topic.in_(sorted(handlers)))
        query = query.limit(batch_size if limit is None else min(batch_size, limit - sent))
        if locking:
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        if not rows:
            break
        batch_sent = 0
        for row in rows:
            try:
                handler = handlers.get(row.topic)
                if handler is not None:
                    handler.deliver(row, session)
                else:
                    send(row)  # type: ignore[misc]  # send is None only when the query kept handled topics
            except Exception as exc:  # recorded on the row; the next run retries it
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                failed += 1
                continue
            row.sent_at = datetime.now(timezone.utc)
            row.attempts += 1
            batch_sent += 1
        session.commit()
        sent += batch_sent
        if batch_sent == 0:
            break
    return sent, failed


def relay(session: Session, send: Sender | None, *, batch_size: int, interval: float,
          stopped: Callable[[], bool], handlers: Mapping[str, OutboxHandler] | None = None) -> tuple[int, int]:
    """Send one batch after another until ``stopped()``; wait ``interval`` seconds when nothing was sent."""
    sent = failed = 0
    while not stopped():
        batch_sent, batch_failed = drain(session, send, batch_size=batch_size, limit=batch_size, handlers=handlers)
        sent, failed = sent + batch_sent, failed + batch_failed
        session.close()
        if batch_sent == 0:
            time.sleep(interval)
    return sent, failed


@click.group("outbox", help="数据交换发件箱（transactional outbox）。")
def outbox_group() -> None:
    pass


def _sender(app: Any, url: str | None, amqp: bool) -> Sender:
    from govkit.state import get_state  # deferred: the commands reach the app's settings only when they run

    if amqp:
        return amqp_sender(get_state(app).settings)
    return http_sender(url) if url else print_sender()


def _handlers(app: Any) -> dict[str, OutboxHandler]:
    from govkit.state import get_state  # deferred: the commands reach the app's plugins only when they run

    state = get_state(app)
    return handlers_of(state.pm, state.settings)


@outbox_group.command("drain")
@click.option("--url", default=None, help="接收方地址（POST JSON）；不填则逐行打印到标准输出。")
@click.option("--amqp", is_flag=True, help="发送到 RabbitMQ（AMQP_URL，发布确认）。")
@click.option("--batch", "batch_size", type=int, default=None, help="每批条数（默认 OUTBOX_BATCH_SIZE）。")
@click.option("--limit", type=int, default=None, help="最多发送条数。")
def drain_command(url: str | None, amqp: bool, batch_size: int | None, limit: int | None) -> None:
    """Send pending outbox rows and mark them sent."""
    from govkit.app import create_app, get_state  # deferred: the app factory imports every domain, cases too

    app = create_app()
    with app.app_context():
        size = batch_size or get_state(app).settings["OUTBOX_BATCH_SIZE"]
        sender = _sender(app, url, amqp)
        try:
            sent, failed = drain(db.session, sender, batch_size=size, limit=limit, handlers=_handlers(app))
        finally:
            getattr(sender, "close", lambda: None)()
    click.echo(f"已发送 {sent} 条，失败 {failed} 条。", err=True)
    if failed:
        sys.exit(1)


@outbox_group.command("relay")
@click.option("--url", default=None,
              help="接收方地址（POST JSON）；与 --amqp 二选一；都不填则只投递本地处理的主题（如申请人短信）。")
@click.option("--amqp", is_flag=True, help="发送到 RabbitMQ（AMQP_URL，发布确认）。")
@click.option("--batch", "batch_size", type=int, default=100, show_default=True, help="每批条数（一批一次提交）。")
def relay_command(url: str | None, amqp: bool, batch_size: int) -> None:
    """Keep sending pending outbox rows until SIGTERM/SIGINT (several relays may run on PostgreSQL);
    without --url/--amqp only the topics plugins handle locally (register_outbox_handlers)."""
    from govkit.app import create_app, get_state  # deferred: the app factory imports every domain, cases too

    stop: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stop.append(number))
    app = create_app(update_perms=False)  # serves no screen (see create_app)
    with app.app_context():
        sender = _sender(app, url, amqp) if (url or amqp) else None
        handlers = _handlers(app)
        if sender is None and not handlers:
            raise click.UsageError("请指定 --url 或 --amqp（没有插件登记本地处理的主题）。")
        try:
            sent, failed = relay(db.session, sender, batch_size=batch_size,
                                 interval=float(get_state(app).settings["OUTBOX_RELAY_SECONDS"]),
                                 stopped=lambda: bool(stop), handlers=handlers)
        finally:
            getattr(sender, "close", lambda: None)()
    click.echo(f"已发送 {sent} 条，失败 {failed} 条。", err=True)
